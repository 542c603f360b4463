// A root shell kept open on a host for the reads of a refresh. Every SSH
// command costs a session: sshd forks, the login shell starts, sudo asks PAM;
// on an emulated host that is a fifth of a second or more, and a refresh reads
// every host, twice when the engine's parallelism is below the number of
// resources. Reads change nothing, so they may share one long-lived shell per
// host, one after another: each is written to the shell's standard input as a
// subshell (its own standard input /dev/null, so it cannot eat the next
// command), followed by markers on stdout and stderr that carry its exit
// status. A read that arrives while the shell is busy waits its turn (a
// session of its own would run beside it on the same host, and on a host of
// one CPU slow both down), up to QUEUE_WAIT_MS; anything else (a shell that
// ended, sudo that refused, a turn that did not come in time) leaves the read
// to a session of its own, as before.
import { randomBytes } from "node:crypto";
import { StringDecoder } from "node:string_decoder";
import type { ClientChannel } from "ssh2";
import { shellQuote } from "../src/shell";

export interface ShellResult {
    code: number;
    stdout: string;
    stderr: string;
}

interface Pending {
    marker: string;
    resolve(result: ShellResult): void;
    reject(err: Error): void;
}

/** How long a read waits for the reads queued before it in the kept shell before it takes a session of its own. */
export const QUEUE_WAIT_MS = 2000;

export class KeptShell {
    /** It ended (or never started): it takes no more scripts. */
    dead = false;
    private channelReady: Promise<ClientChannel>;
    private readonly decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
    private output = { stdout: "", stderr: "" };
    private pending: Pending | undefined;
    /** Resolves when the last read queued has run (or, given up, when its turn would have come). */
    private tail: Promise<void> = Promise.resolve();

    /** `channel`: a session running the shell (`sh`, or `sudo -n sh`), reading commands from its standard input. */
    constructor(channel: Promise<ClientChannel>) {
        this.channelReady = channel.then((c) => {
            c.on("data", (chunk: Buffer) => this.take("stdout", chunk));
            c.stderr.on("data", (chunk: Buffer) => this.take("stderr", chunk));
            c.on("close", () => this.end(new Error("the kept shell ended")));
            c.on("error", (err: Error) => this.end(err));
            return c;
        });
        this.channelReady.catch((err: Error) => this.end(err));
    }

    /**
     * Runs a script that only reads, after the ones queued before it; rejects when the shell cannot
     * (ended, or its turn did not come within `maxWaitMs`): the caller then runs it on its own.
     */
    run(script: string, maxWaitMs = QUEUE_WAIT_MS): Promise<ShellResult> {
        if (this.dead) return Promise.reject(new Error("the kept shell ended"));
        const before = this.tail;
        let done!: () => void;
        this.tail = new Promise<void>((resolve) => (done = resolve));
        return new Promise<ShellResult>((resolve, reject) => {
            let waiting = true;
            const giveUp = setTimeout(() => {
                waiting = false;
                // The read queued next gets its turn when this one would have.
                void before.then(done);
                reject(new Error("the kept shell stayed busy"));
            }, maxWaitMs);
            void before.then(() => {
                if (!waiting) return;
                waiting = false;
                clearTimeout(giveUp);
                this.runNow(script).then(resolve, reject).finally(done);
            });
        });
    }

    private async runNow(script: string): Promise<ShellResult> {
        const channel = await this.channelReady;
        if (this.dead) throw new Error("the kept shell ended");
        const marker = `pulumi-lvs-shell-${randomBytes(8).toString("hex")}`;
        this.output = { stdout: "", stderr: "" };
        const done = new Promise<ShellResult>((resolve, reject) => (this.pending = { marker, resolve, reject }));
        channel.write(
            `(eval ${shellQuote(script)}) </dev/null; printf '\\n%s %s\\n' '${marker}' "$?"; printf '\\n%s\\n' '${marker}' >&2\n`,
        );
        return done;
    }

    /** Ends the shell (its connection's session is given back when the channel closes). */
    close(): void {
        void this.channelReady.then((c) => c.end()).catch(() => undefined);
    }

    private take(stream: "stdout" | "stderr", chunk: Buffer): void {
        this.output[stream] += this.decoders[stream].write(chunk);
        const pending = this.pending;
        if (!pending) return;
        // Each marker is the last thing its stream carries; the newline before it is the marker's.
        const status = new RegExp(`\\n${pending.marker} (\\d+)\\n$`).exec(this.output.stdout);
        const errEnd = `\n${pending.marker}\n`;
        if (!status || !this.output.stderr.endsWith(errEnd)) return;
        this.pending = undefined;
        pending.resolve({
            code: Number(status[1]),
            stdout: this.output.stdout.slice(0, status.index),
            stderr: this.output.stderr.slice(0, -errEnd.length),
        });
    }

    private end(err: Error): void {
        this.dead = true;
        const pending = this.pending;
        this.pending = undefined;
        pending?.reject(err);
    }
}
