// Warm spares of the lvs provider. The engine starts a provider plugin afresh
// twice in every run (the refresh's instance, then another for the program's
// provider Check), and half a second of each start is Node.js loading gRPC,
// the protocol's generated code and ssh2. A spare is a provider process that
// has done that loading ahead of time, between runs, and waits unseen; the
// plugin's launcher (provider/bin/pulumi-resource-lvs) hands it the run, and
// it is then the provider the engine talks to, in a process of its own as
// always. The engine cannot tell the difference: the launcher prints the
// port, forwards the provider's output, and ending the launcher ends it.
//
// Each installation (the package root) has SPARE_SLOTS slots: files in the
// user's private directory (privateDir.ts):
//   "pending <pid>"                     a spare is loading
//   "<port> <token> <proof> <pid>"     a spare is ready on 127.0.0.1:<port>
// The launcher proves it read the slot (token); the spare proves it wrote it
// (proof), so neither talks to a process that took over the port. A spare
// takes on the launcher's environment, directory and arguments from /proc,
// checks that the launcher is this user's, and refuses (the launcher then
// starts the provider itself) when the compiled provider changed since it
// loaded. Spares end after SPARE_IDLE_SECONDS unused.
// PULUMI_LVS_PROVIDER_SPARES=0 turns them off.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { privateRunDir } from "./privateDir";

/**
 * How many spares an installation keeps: one per plugin start in a
 * `pulumi up` that previews first (a refresh and a Check for the preview, the
 * same again for the update). Each holds about 60 MB while it waits.
 */
export const SPARE_SLOTS = 4;
/** How long a spare waits for a run before it ends (PULUMI_LVS_PROVIDER_SPARE_SECONDS). */
export const SPARE_IDLE_SECONDS = 300;
/** A slot reserved longer than this without its spare announcing itself is free again. */
const PENDING_MS = 60_000;

/** The package root (where provider/bin and dist are), as the launcher resolves it; from dist/provider or provider. */
export function packageRoot(): string {
    let dir = path.dirname(__dirname);
    if (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
    return realpathSync(dir);
}

/**
 * Whether spares are on: PULUMI_LVS_PROVIDER_SPARES anything but 0, on Linux
 * (a spare knows its launcher, and a live spare its slot, from /proc; where
 * there is none, a slot would never look taken and spares would pile up).
 */
export function sparesWanted(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
    return env.PULUMI_LVS_PROVIDER_SPARES !== "0" && platform === "linux";
}

export function idleSeconds(env: NodeJS.ProcessEnv = process.env): number {
    const set = Number(env.PULUMI_LVS_PROVIDER_SPARE_SECONDS);
    return Number.isFinite(set) && set > 0 ? set : SPARE_IDLE_SECONDS;
}

/**
 * The slot files of the installation at `root`: `spare-<root with / as %>-<n>`,
 * the name the launcher builds without starting a process. Undefined when
 * there is no private directory or the name would be too long for one.
 */
export function slotFiles(root = packageRoot(), dir = privateRunDir()): string[] | undefined {
    if (!dir) return undefined;
    const key = root.replaceAll("/", "%");
    const files = Array.from({ length: SPARE_SLOTS }, (_, i) => path.join(dir, `spare-${key}-${i + 1}`));
    return files.every((f) => Buffer.byteLength(path.basename(f)) <= 255) ? files : undefined;
}

export type Slot =
    | { state: "free" }
    | { state: "pending"; pid: number; since: number }
    | { state: "ready"; port: number; token: string; proof: string; pid: number };

/** A spare's process: alive, and a spare (not a process that got its number since). */
export function isSpare(pid: number): boolean {
    try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8")
            .split("\0")
            .some((arg) => arg.endsWith(path.join("provider", "spare.js")));
    } catch {
        return false;
    }
}

export function readSlot(file: string): Slot {
    let text: string;
    let since: number;
    try {
        text = readFileSync(file, "utf8");
        since = statSync(file).mtimeMs;
    } catch {
        return { state: "free" };
    }
    const words = text.trim().split(" ");
    if (words[0] === "pending") {
        const pid = Number(words[1]);
        const loading = (pid > 0 && isSpare(pid)) || (!(pid > 0) && Date.now() - since < PENDING_MS);
        return loading ? { state: "pending", pid, since } : { state: "free" };
    }
    const [port, token, proof, pid] = words;
    if (words.length === 4 && isSpare(Number(pid))) return { state: "ready", port: Number(port), token, proof, pid: Number(pid) };
    return { state: "free" };
}

/** Writes a slot file whole (write, then rename), readable by its user only. */
export function writeSlot(file: string, text: string): void {
    const temp = `${file}.${process.pid}`;
    writeFileSync(temp, text + "\n", { mode: 0o600 });
    renameSync(temp, file);
}

/** Removes a slot file if it still names `pid` (a newer spare may hold the slot), or whatever it holds without one. */
export function releaseSlot(file: string, pid?: number): void {
    const slot = readSlot(file);
    if (pid !== undefined && slot.state !== "free" && slot.pid !== pid) return;
    try {
        unlinkSync(file);
    } catch {
        // already gone
    }
}

/** Reserves `file` for a new spare: true when it was free and is now this caller's to fill. */
function reserve(file: string): boolean {
    if (readSlot(file).state !== "free") return false;
    try {
        unlinkSync(file);
    } catch {
        // was not there
    }
    try {
        writeFileSync(file, "pending\n", { mode: 0o600, flag: "wx" });
        return true;
    } catch {
        // Another provider ending at the same moment took it.
        return false;
    }
}

/**
 * Starts a spare for every free slot of this installation. A spare gets only
 * what it needs to load (PATH, HOME, TMPDIR): the run's environment, secrets
 * included, is the launcher's, taken when the spare is.
 */
export function topUpSpares(env: NodeJS.ProcessEnv = process.env): number[] {
    const spareJs = path.join(__dirname, "spare.js");
    if (!sparesWanted(env) || !existsSync(spareJs)) return [];
    const files = slotFiles();
    if (!files) return [];
    const keep = ["PATH", "HOME", "TMPDIR", "PULUMI_LVS_PROVIDER_SPARE_SECONDS"];
    const spareEnv = Object.fromEntries(keep.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
    const started: number[] = [];
    for (const file of files) {
        if (!reserve(file)) continue;
        const child = spawn(process.execPath, [spareJs, file], { detached: true, stdio: "ignore", cwd: "/", env: spareEnv });
        child.unref();
        if (child.pid === undefined) {
            releaseSlot(file);
            continue;
        }
        writeFileSync(file, `pending ${child.pid}\n`, { mode: 0o600 });
        started.push(child.pid);
    }
    return started;
}

/**
 * Ends spares (the tests' clean-up): those of the installation at `root`, or
 * with "every" every installation's in `dir`. Returns their PIDs.
 */
export function stopSpares(dir = privateRunDir(), root: string = packageRoot()): number[] {
    if (!dir) return [];
    const files =
        root === "every"
            ? readdirSync(dir)
                  .filter((n) => /^spare-.+-\d$/.test(n))
                  .map((n) => path.join(dir, n))
            : (slotFiles(root, dir) ?? []);
    const stopped: number[] = [];
    for (const file of files) {
        const slot = readSlot(file);
        if (slot.state === "free" || !(slot.pid > 0)) continue;
        try {
            process.kill(slot.pid, "SIGTERM");
            stopped.push(slot.pid);
        } catch {
            // ended on its own
        }
        releaseSlot(file, slot.pid);
    }
    return stopped;
}

/**
 * What the provider a spare loaded is made of: every compiled file it may
 * load (the provider, the host scripts, the Docker client) by size and time,
 * and the package's manifest. A build or an upgrade changes it.
 */
export function buildIdentity(root = packageRoot()): string {
    const entries: string[] = [];
    const walk = (dir: string) => {
        let names: string[];
        try {
            names = readdirSync(dir);
        } catch {
            return;
        }
        for (const name of names.sort()) {
            const file = path.join(dir, name);
            const stat = statSync(file);
            if (stat.isDirectory()) walk(file);
            else if (name.endsWith(".js")) entries.push(`${file}:${stat.size}:${stat.mtimeMs}`);
        }
    };
    for (const dir of ["dist/provider", "dist/src", "dist/plugins"]) walk(path.join(root, dir));
    const manifest = path.join(root, "package.json");
    if (existsSync(manifest)) entries.push(`${manifest}:${statSync(manifest).mtimeMs}`);
    return entries.join("\n");
}

// `node spares.js stop`: ends this installation's spares (the benchmark's clean-up).
if (require.main === module && process.argv[2] === "stop") stopSpares();
