// The end-to-end check that a command leaves no plugin process behind
// (lingeringPluginProcesses), against real processes working in a directory of
// the test's own: a plugin under a running `pulumi` is the engine's, and one
// whose engine has gone is left behind.
import { afterEach, describe, expect, it } from "vitest";
import { ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { lingeringPluginProcesses } from "../support/e2e";

const started: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
    for (const child of started.splice(0)) if (child.pid) process.kill(-child.pid, "SIGKILL");
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A process group whose leader is a script named `leader` that starts a plugin-like process (`exec -a`) and waits. */
function startUnder(leader: string, plugin: string): { dir: string } {
    const dir = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-lingering-"));
    dirs.push(dir);
    const script = path.join(dir, leader);
    writeFileSync(script, `#!/bin/bash\n(exec -a '${plugin}' sleep 30) &\nwait\n`);
    chmodSync(script, 0o755);
    started.push(spawn(script, [], { detached: true, stdio: "ignore", cwd: dir }));
    return { dir };
}

/** Waits (at most 5 s) until a process runs with `cmdline` (as `exec -a` named it, then sleep's argument). */
async function running(cmdline: string): Promise<void> {
    const runs = () =>
        readdirSync("/proc").some((pid) => {
            try {
                return readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(`${cmdline}\0`);
            } catch {
                return false;
            }
        });
    for (let i = 0; i < 250 && !runs(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(runs(), `a process ${cmdline}`).toBe(true);
}

describe("lingeringPluginProcesses", () => {
    it("does not report a plugin that a pulumi engine process is running", async () => {
        const { dir } = startUnder("pulumi", "node /somewhere/dist/provider/main.js 127.0.0.1:1");
        await running("node /somewhere/dist/provider/main.js 127.0.0.1:1");
        expect(lingeringPluginProcesses(dir)).toEqual([]);
    });

    it("reports a plugin whose engine is not pulumi (here: gone, the plugin reparented)", async () => {
        const { dir } = startUnder("not-pulumi", "node /somewhere/dist/provider/main.js 127.0.0.1:2");
        await running("node /somewhere/dist/provider/main.js 127.0.0.1:2");
        expect(lingeringPluginProcesses(dir)).toEqual([
            expect.stringMatching(/^\d+: node \/somewhere\/dist\/provider\/main\.js 127\.0\.0\.1:2 30$/),
        ]);
    });
});
