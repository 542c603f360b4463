// Whether a host's SSH port answers, asked once per provider process when the
// host's first resource is checked. A preview runs nothing on a host for a
// resource it would create, so a stack whose host has nothing listening on its
// SSH port planned "15 to create" without a word, and `up` was the first to
// know. A TCP connect (no handshake, no key offered) says enough to warn.
import { connect } from "node:net";

/** How long a probe waits for the TCP handshake (a filtered port never answers). */
export const PROBE_TIMEOUT_MS = 3000;

export class ReachabilityProbe {
    private readonly answers = new Map<string, Promise<string | undefined>>();
    private readonly told = new Set<string>();

    constructor(private readonly timeoutMs = PROBE_TIMEOUT_MS) {}

    /**
     * Why nothing answers at `host:port` (the socket's error, or the timeout), or undefined when a TCP
     * connection is accepted there. The first call per address probes; the others share its answer.
     */
    problem(host: string, port: number): Promise<string | undefined> {
        const key = `${host}:${port}`;
        let answer = this.answers.get(key);
        if (!answer) {
            answer = probe(host, port, this.timeoutMs);
            this.answers.set(key, answer);
        }
        return answer;
    }

    /** True the first time it is asked about `key`: each unreachable host is named once per run. */
    firstTimeFor(key: string): boolean {
        if (this.told.has(key)) return false;
        this.told.add(key);
        return true;
    }
}

function probe(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
        const socket = connect({ host, port });
        const done = (problem: string | undefined) => {
            socket.destroy();
            resolve(problem);
        };
        socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000} s`));
        socket.once("connect", () => done(undefined));
        socket.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    });
}
