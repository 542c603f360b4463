// Reads that arrive together for one host run as one session, and each part
// still gets back exactly what it would have got alone: its stdout (byte for
// byte, trailing newline or not), its stderr and its exit status.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { Transport } from "../../provider/host";
import { batchScript, ReadBatcher, splitBatchOutput } from "../../provider/readBatch";
import { ExecResult } from "../../pluginKit/ssh";

function runLocally(script: string): ExecResult {
    const r = spawnSync("sh", ["-c", script], { encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A local shell that records every session it is asked to run. */
function recordingTransport(): { transport: Transport; sessions: string[] } {
    const sessions: string[] = [];
    const transport: Transport = {
        label: "local (root@localhost:22)",
        run: async (script) => {
            sessions.push(script);
            return runLocally(script);
        },
    };
    return { transport, sessions };
}

const PARTS = [
    // Output without a final newline, in UTF-8, with a line that looks like nothing special.
    { script: "printf 'page: caf\\303\\251\\n\\nlast'", alone: { code: 0, stdout: "page: café\n\nlast", stderr: "" } },
    {
        script: "echo 'pulumi-lvs: the table is not there' >&2; exit 3",
        alone: { code: 3, stdout: "", stderr: "pulumi-lvs: the table is not there\n" },
    },
    {
        script: "set -eu\necho 'address 192.168.2.1/24 eth2'\necho 'persisted false'\n",
        alone: { code: 0, stdout: "address 192.168.2.1/24 eth2\npersisted false\n", stderr: "" },
    },
    // Stops at its first failing command (set -e) without stopping the parts after it; reads no input.
    {
        script: "set -e\nf() { echo partial; false; echo never; }\nf\n",
        alone: { code: 1, stdout: "partial\n", stderr: "" },
    },
    // A part that does not parse fails alone, as `sh -c` would.
    { script: "if then fi", alone: { code: 2, stdout: "", stderr: expect.stringContaining("Syntax error") } },
    { script: "read -r line || echo 'no input'; echo \"$line\"", alone: { code: 0, stdout: "no input\n\n", stderr: "" } },
];

describe("batchScript and splitBatchOutput", () => {
    it("give each script its own stdout, stderr and exit status, as if run alone", () => {
        const marker = "pulumi-lvs-part-0123456789abcdef";
        const scripts = PARTS.map((p) => p.script);
        const batch = runLocally(batchScript(scripts, marker));
        expect(batch.code).toBe(0);
        const split = splitBatchOutput(batch, scripts.length, marker);
        expect(split).toEqual(PARTS.map((p) => p.alone));
    });

    it("reports a batch cut short as unreadable, not as empty reads", () => {
        const marker = "pulumi-lvs-part-0123456789abcdef";
        const batch = runLocally(batchScript(["echo one", "echo two"], marker));
        const cut = batch.stdout.slice(0, batch.stdout.lastIndexOf(marker));
        expect(splitBatchOutput({ stdout: cut, stderr: batch.stderr }, 2, marker)).toBeUndefined();
        expect(splitBatchOutput({ stdout: batch.stdout, stderr: "" }, 2, marker)).toBeUndefined();
        expect(splitBatchOutput({ stdout: "", stderr: "" }, 2, marker)).toBeUndefined();
    });
});

describe("ReadBatcher", () => {
    it("runs the reads that arrive together for one host as one session", async () => {
        const { transport, sessions } = recordingTransport();
        const batcher = new ReadBatcher(20);
        const host = batcher.through(transport, "host-a");
        const results = await Promise.all(PARTS.map((p) => host.run(p.script)));
        expect(sessions).toHaveLength(1);
        expect(results.map((r) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr }))).toEqual(PARTS.map((p) => p.alone));
    });

    it("keeps hosts apart, runs a lone read as it is, and never batches a script with input", async () => {
        const { transport, sessions } = recordingTransport();
        const batcher = new ReadBatcher(20);
        const [a, b] = [batcher.through(transport, "host-a"), batcher.through(transport, "host-b")];
        const [ra, rb, rc] = await Promise.all([a.run("echo a"), b.run("echo b"), a.run("cat", "from stdin")]);
        expect([ra.stdout, rb.stdout]).toEqual(["a\n", "b\n"]);
        // "cat" with input went straight through; each host's lone read ran unwrapped.
        expect(sessions.sort()).toEqual(["cat", "echo a", "echo b"]);
        expect(rc.code).toBe(0);
    });

    it("splits a batch too long for one shell argument into several sessions", async () => {
        const { transport, sessions } = recordingTransport();
        const host = new ReadBatcher(20).through(transport, "host-a");
        // Three reads of 15,000 characters each: two together are more than a session takes.
        const reads = [1, 2, 3].map((n) => `echo ${n} # ${"x".repeat(15000)}`);
        const results = await Promise.all(reads.map((r) => host.run(r)));
        expect(results.map((r) => r.stdout)).toEqual(["1\n", "2\n", "3\n"]);
        // Any two together pass the limit: each ran in a session of its own, as it is.
        expect(sessions).toEqual(reads);
    });

    it("fails every part of a batch whose session failed", async () => {
        const broken: Transport = {
            label: "local (root@localhost:22)",
            run: async () => ({ code: 255, stdout: "", stderr: "connection dropped" }),
        };
        const host = new ReadBatcher(20).through(broken, "host-a");
        const results = await Promise.all([host.run("echo one"), host.run("echo two")]);
        expect(results.map((r) => [r.code, r.stderr])).toEqual([
            [255, "connection dropped"],
            [255, "connection dropped"],
        ]);
    });

    it("passes a transport's error to every waiting read", async () => {
        const failing: Transport = {
            label: "local (root@localhost:22)",
            run: () => Promise.reject(new Error("cannot run commands over SSH")),
        };
        const host = new ReadBatcher(20).through(failing, "host-a");
        const results = await Promise.allSettled([host.run("echo one"), host.run("echo two")]);
        expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    });
});
