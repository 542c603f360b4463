// A refresh reads every resource back at once, and a host carries several
// (its addresses, sysctls, services, table). Each script on its own costs a
// session: sshd's session setup, sudo, a shell. Read scripts change nothing,
// so the ones that arrive together for one host run as one session instead,
// one after another, and each still gets its own stdout, stderr and exit status.
// Only reads are batched: a create, update or delete runs in the order the
// engine asks for it, on its own.
import { randomBytes } from "node:crypto";
import { shellQuote } from "../src/shell";
import { RunOptions, Transport } from "./host";
import { ExecResult } from "../pluginKit/ssh";

const READ_ONLY: RunOptions = { readOnly: true };

/** How long the first read of a host waits for the others of the same refresh. */
export const READ_BATCH_WINDOW_MS = 25;
/**
 * Quoted script characters per session: the batch reaches the host's shell as
 * one argument, which Linux caps at 128 KiB, and is quoted once more on the way
 * (sudo, the login shell), which can grow it up to fourfold.
 */
const MAX_BATCH_CHARS = 24 * 1024;

interface Part {
    script: string;
    resolve(result: ExecResult): void;
    reject(err: unknown): void;
}

interface Batch {
    transport: Transport;
    parts: Part[];
}

/**
 * One shell script that runs every part in turn, each in a subshell of its
 * own (a fork, not a new shell: on an emulated host every exec costs tens of
 * milliseconds, and the parts are small), and marks where each part's
 * stdout, stderr and exit status begin: stdout and stderr come back on their
 * own streams, so each carries its own markers and nothing is buffered in
 * files. `eval` parses each part on its own, so one that does not parse fails
 * alone.
 */
export function batchScript(scripts: string[], marker: string): string {
    const out: string[] = [];
    scripts.forEach((script, i) =>
        out.push(
            `printf '\\n%s\\n' '${marker} ${i} out'; printf '\\n%s\\n' '${marker} ${i} err' >&2`,
            `(eval ${shellQuote(script)}) </dev/null`,
            `printf '\\n%s %s\\n' '${marker} ${i} rc' "$?"`,
        ),
    );
    return out.join("\n") + "\n";
}

/**
 * Splits a batch's output back into each part's result; undefined when the
 * batch did not get as far as printing them all. A newline printed before a
 * marker is the marker's, not the part's.
 */
export function splitBatchOutput(output: { stdout: string; stderr: string }, count: number, marker: string): ExecResult[] | undefined {
    const results: ExecResult[] = Array.from({ length: count }, () => ({ code: null, stdout: "", stderr: "" }));
    const seen = new Set<string>();
    for (const stream of ["stdout", "stderr"] as const) {
        const pieces = output[stream].split(new RegExp(`\\n${marker} (\\d+) (out|err|rc)(?: (\\d+))?\\n`));
        for (let i = 1; i + 3 < pieces.length; i += 4) {
            const [index, kind, code] = [Number(pieces[i]), pieces[i + 1], pieces[i + 2]];
            const text = pieces[i + 3] ?? "";
            const result = results[index];
            if (!result || (kind === "err") !== (stream === "stderr")) return undefined;
            if (kind === "out") result.stdout = text;
            else if (kind === "err") result.stderr = text;
            else result.code = Number(code);
            seen.add(`${index} ${kind}`);
        }
    }
    return seen.size === count * 3 ? results : undefined;
}

/** Gathers the reads that arrive within a short window for one host into one session. */
export class ReadBatcher {
    private readonly open = new Map<string, Batch>();

    constructor(private readonly windowMs = READ_BATCH_WINDOW_MS) {}

    /** A transport whose scripts join the batch of `key` (one host reached one way). */
    through(transport: Transport, key: string): Transport {
        return {
            label: transport.label,
            run: (script, stdin) =>
                stdin
                    ? transport.run(script, stdin)
                    : new Promise((resolve, reject) => this.join(key, transport, { script, resolve, reject })),
        };
    }

    private join(key: string, transport: Transport, part: Part): void {
        const batch = this.open.get(key);
        if (batch) {
            batch.parts.push(part);
            return;
        }
        this.open.set(key, { transport, parts: [part] });
        setTimeout(() => {
            const due = this.open.get(key)!;
            this.open.delete(key);
            this.run(due);
        }, this.windowMs);
    }

    private run({ transport, parts }: Batch): void {
        let group: Part[] = [];
        let size = 0;
        for (const part of parts) {
            if (group.length > 0 && size + shellQuote(part.script).length > MAX_BATCH_CHARS) {
                void this.runGroup(transport, group);
                [group, size] = [[], 0];
            }
            group.push(part);
            size += shellQuote(part.script).length;
        }
        void this.runGroup(transport, group);
    }

    private async runGroup(transport: Transport, parts: Part[]): Promise<void> {
        try {
            if (parts.length === 1) {
                parts[0].resolve(await transport.run(parts[0].script, undefined, READ_ONLY));
                return;
            }
            const marker = `pulumi-lvs-part-${randomBytes(8).toString("hex")}`;
            const result = await transport.run(
                batchScript(
                    parts.map((p) => p.script),
                    marker,
                ),
                undefined,
                READ_ONLY,
            );
            const split = splitBatchOutput(result, parts.length, marker);
            parts.forEach((part, i) =>
                part.resolve(split ? { ...split[i], timing: result.timing } : { ...result, code: result.code || 1 }),
            );
        } catch (err) {
            for (const part of parts) part.reject(err);
        }
    }
}
