// The lvs plugin's warm spares, for real: the launcher (provider/bin), the
// compiled provider and spares as processes, started the way the engine
// starts a plugin (a process group of its own, the port on the first line,
// SIGTERM to the group at the end). A start taken by a spare serves the
// engine from the launcher's directory and ends with the launcher; a start
// without a spare readies them as it ends; a spare of an older build, a
// hand-over without the slot's token, a directory others may enter and the
// off switch each fall back to a provider of the launcher's own.
import { ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot, readSlot, Slot, slotFiles, SPARE_SLOTS, sparesWanted, stopSpares } from "../../provider/spares";
import { rehearseStart } from "../../provider/start";

const LAUNCHER = path.join(__dirname, "../../provider/bin/pulumi-resource-lvs");
const started: ChildProcess[] = [];
let tmp: string;
let runDir: string;
let workDir: string;

beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-spares-test-"));
    runDir = path.join(tmp, `pulumi-lvs-ssh-${process.getuid!()}`);
    mkdirSync(runDir, { mode: 0o700 });
    workDir = path.join(tmp, "project");
    mkdirSync(workDir);
});

afterAll(() => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    stopSpares(runDir, packageRoot());
    rmSync(tmp, { recursive: true, force: true });
});

interface Plugin {
    child: ChildProcess;
    port: number;
    /** What the launcher's process runs now (`node …/main.js`: the provider itself; `cat`: a spare's output). */
    command(): string;
}

/** Starts the plugin as the engine does and waits for its port. */
async function startPlugin(extraEnv: Record<string, string> = {}): Promise<Plugin> {
    const env = { ...process.env, TMPDIR: tmp, PULUMI_LVS_PROVIDER_SPARE_SECONDS: "120", ...extraEnv };
    const child = spawn(LAUNCHER, ["127.0.0.1:1"], { detached: true, cwd: workDir, env, stdio: ["ignore", "pipe", "pipe"] });
    started.push(child);
    const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes("\n")) resolve(Number(out.split("\n")[0]));
        });
        child.once("exit", (code) => reject(new Error(`plugin exited (${code}) before its port: ${out}`)));
    });
    const command = () => readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return { child, port, command };
}

/** The provider answers the engine's first call. */
async function pluginVersion(port: number): Promise<string> {
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
        return await new Promise<string>((resolve, reject) =>
            client.getPluginInfo(new emptyproto.Empty(), (err, reply) => (err ? reject(err) : resolve(reply!.getVersion()))),
        );
    } finally {
        client.close();
    }
}

/** Ends the plugin as the engine does: SIGTERM to its process group. */
async function endPlugin(plugin: Plugin): Promise<void> {
    const exited = new Promise((resolve) => plugin.child.once("exit", resolve));
    process.kill(-plugin.child.pid!, "SIGTERM");
    await exited;
}

async function waitFor<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
    for (const end = Date.now() + ms; Date.now() < end;) {
        const value = probe();
        if (value) return value;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return probe();
}

const slots = (): Slot[] => slotFiles(packageRoot(), runDir)!.map(readSlot);
const readySpares = () => slots().filter((s): s is Extract<Slot, { state: "ready" }> => s.state === "ready");
const allReady = () => (readySpares().length === SPARE_SLOTS ? readySpares() : undefined);
const alive = (pid: number) => {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
};

describe("the lvs plugin's warm spares", () => {
    it("a start without a spare is the provider itself, and readies a spare per slot as it ends", async () => {
        expect(slots().every((s) => s.state === "free")).toBe(true);
        const plugin = await startPlugin();
        expect(plugin.command()).toMatch(/dist\/provider\/main\.js 127\.0\.0\.1:1$/);
        expect(await pluginVersion(plugin.port)).toBe("0.2.0");
        await endPlugin(plugin);
        const ready = await waitFor(allReady, 20_000);
        expect(ready?.map((s) => readFileSync(`/proc/${s.pid}/cmdline`, "utf8"))).toEqual(
            Array(SPARE_SLOTS).fill(expect.stringContaining("dist/provider/spare.js")),
        );
        // Only the launcher's owner may read a slot: it holds the token.
        for (const file of slotFiles(packageRoot(), runDir)!) expect(statSync(file).mode & 0o777).toBe(0o600);
    });

    it("a spare takes the next start: it serves the engine from the launcher's directory, and ends with the launcher", async () => {
        const spare = (await waitFor(allReady, 20_000))![0];
        const plugin = await startPlugin();
        // The launcher forwards the spare's output; the spare is the provider.
        expect(await waitFor(() => plugin.command() === "cat", 2000)).toBe(true);
        expect(await pluginVersion(plugin.port)).toBe("0.2.0");
        expect(readlinkSync(`/proc/${spare.pid}/cwd`)).toBe(workDir);
        expect(slots().some((s) => s.state !== "free" && s.pid === spare.pid)).toBe(false);
        await endPlugin(plugin);
        expect(await waitFor(() => !alive(spare.pid), 5000)).toBe(true);
        // ... and its slot is filled again.
        expect(await waitFor(allReady, 20_000)).toHaveLength(SPARE_SLOTS);
    });

    it("a hand-over without the slot's token is refused, and the spare waits on for one that has it", async () => {
        const spare = (await waitFor(allReady, 20_000))![0];
        const closed = await new Promise<string>((resolve) => {
            const socket = connect(spare.port, "127.0.0.1", () => socket.write(`${"0".repeat(32)} ${process.pid}\u0000127.0.0.1:1\n`));
            let reply = "";
            socket.on("data", (d) => (reply += d.toString()));
            socket.once("close", () => resolve(reply));
        });
        expect(closed).toBe("");
        expect(readySpares().map((s) => s.pid)).toContain(spare.pid);
    });

    it("a spare of an older build refuses the start, and the launcher starts the new build itself", async () => {
        const before = (await waitFor(allReady, 20_000))!;
        const rebuilt = path.join(__dirname, "../../dist/provider/start.js");
        const now = new Date();
        utimesSync(rebuilt, now, now);
        const plugin = await startPlugin();
        expect(plugin.command()).toMatch(/dist\/provider\/main\.js/);
        expect(await pluginVersion(plugin.port)).toBe("0.2.0");
        // The launcher asked every spare in turn, and each, stale, has gone.
        expect(await waitFor(() => before.every((s) => !alive(s.pid)), 5000)).toBe(true);
        await endPlugin(plugin);
        stopSpares(runDir, packageRoot());
    });

    it("PULUMI_LVS_PROVIDER_SPARES=0: no spare serves the start, and none is readied", async () => {
        const plugin = await startPlugin({ PULUMI_LVS_PROVIDER_SPARES: "0" });
        expect(plugin.command()).toMatch(/dist\/provider\/main\.js/);
        await endPlugin(plugin);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(slots().every((s) => s.state === "free")).toBe(true);
    });

    it("are readied only on Linux, where /proc tells a spare its launcher, and not when turned off", () => {
        expect(sparesWanted({}, "linux")).toBe(true);
        expect(sparesWanted({}, "darwin")).toBe(false);
        expect(sparesWanted({ PULUMI_LVS_PROVIDER_SPARES: "0" }, "linux")).toBe(false);
    });

    it("a spare rehearses a start before it waits: its server answers one call, then closes, leaving nothing listening", async () => {
        const listening = () => process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;
        const before = listening();
        const version = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")).version as string;
        expect(await rehearseStart()).toBe(version);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(listening()).toBe(before);
    });

    it("a slot in a directory others may enter is not trusted", async () => {
        const warm = await startPlugin();
        await endPlugin(warm);
        expect(await waitFor(allReady, 20_000)).toHaveLength(SPARE_SLOTS);
        chmodSync(runDir, 0o755);
        try {
            const plugin = await startPlugin();
            expect(plugin.command()).toMatch(/dist\/provider\/main\.js/);
            await endPlugin(plugin);
        } finally {
            chmodSync(runDir, 0o700);
        }
    });
});
