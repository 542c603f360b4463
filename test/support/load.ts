// Bounded keep-alive HTTP load through the VIP, from inside the CI lab's
// network namespace (never from the root namespace): wrk with a few
// connections for at most `maxSeconds`, stopped early once the change under
// test is done. Every failure counts: connect, read, write and timeout errors,
// and non-2xx responses; and so does a stall: the responses of each second
// are counted (perSecond.lua), so a change that holds requests up shows.
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { CI_LAB_ENV } from "./lab";

export interface LoadResult {
    requests: number;
    connectErrors: number;
    readErrors: number;
    writeErrors: number;
    timeouts: number;
    non2xx: number;
    /** Responses in each whole second of the run (the first and last, partial, left out). */
    perSecond: number[];
    /** wrk's own report, for the test log. */
    report: string;
}

export function failures(r: LoadResult): number {
    return r.connectErrors + r.readErrors + r.writeErrors + r.timeouts + r.non2xx;
}

export function parseWrk(report: string): LoadResult {
    const n = (re: RegExp) => Number(re.exec(report)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report);
    return {
        requests: n(/(\d+) requests in/),
        connectErrors: Number(socket?.[1] ?? 0),
        readErrors: Number(socket?.[2] ?? 0),
        writeErrors: Number(socket?.[3] ?? 0),
        timeouts: Number(socket?.[4] ?? 0),
        non2xx: n(/Non-2xx or 3xx responses: (\d+)/),
        perSecond: wholeSeconds(report),
        report,
    };
}

/** The "second <epoch> <count>" lines of perSecond.lua, every second in between included (a second with none is 0). */
function wholeSeconds(report: string): number[] {
    const counts = new Map([...report.matchAll(/^second (\d+) (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]));
    if (counts.size === 0) return [];
    const first = Math.min(...counts.keys());
    const last = Math.max(...counts.keys());
    const seconds: number[] = [];
    for (let s = first + 1; s < last; s++) seconds.push(counts.get(s) ?? 0);
    return seconds;
}

/** The median of the per-second counts. */
export function medianRate(r: LoadResult): number {
    const sorted = [...r.perSecond].sort((a, b) => a - b);
    return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

export class Load {
    private readonly child: ChildProcess;
    private output = "";
    private readonly done: Promise<LoadResult>;

    /**
     * Starts wrk against `url` with `connections` keep-alive connections, for at most `maxSeconds`, each
     * connection `paceMs` after a response before its next request (perSecond.lua).
     */
    constructor(url: string, connections = 4, maxSeconds = 300, paceMs = 0) {
        // `ip netns exec` execs wrk in place: the PID is wrk's, which a SIGINT stops with its report.
        this.child = spawn(
            "ip",
            [
                "netns",
                "exec",
                CI_LAB_ENV.PULUMI_LVS_LAB_NETNS,
                "wrk",
                "-t1",
                `-c${connections}`,
                `-d${maxSeconds}s`,
                "--timeout",
                "10s",
                "--script",
                path.join(__dirname, "perSecond.lua"),
                url,
            ],
            {
                stdio: ["ignore", "pipe", "pipe"],
                env: { ...process.env, PACE_MS: String(paceMs) },
            },
        );
        this.child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
        this.child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
        this.done = new Promise((resolve) => this.child.once("close", () => resolve(parseWrk(this.output))));
    }

    /** Stops the load (or waits for its end) and returns what it saw. */
    async stop(): Promise<LoadResult> {
        if (this.child.exitCode === null) this.child.kill("SIGINT");
        return this.done;
    }
}
