// A warm spare of the lvs provider (see spares.ts): started by a provider on
// its way out (`node spare.js <slot file>`), it loads the provider, announces
// itself in its slot and waits for the plugin's launcher to hand it a run.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, readlinkSync, statSync } from "node:fs";
import { AddressInfo, createServer, Socket } from "node:net";
import { setPriority } from "node:os";
import { buildIdentity, idleSeconds, readSlot, releaseSlot, topUpSpares, writeSlot } from "./spares";

/** The longest hand-over line a launcher sends (its token, PID and arguments). */
const MAX_REQUEST = 64 * 1024;

/** Only root can take back a lowered priority; others load at their normal one. */
const RENICE = process.getuid?.() === 0;

export interface Handover {
    pid: number;
    args: string[];
}

/** Parses the launcher's line, `<token> <pid>` then each argument after a NUL; undefined unless the token is right. */
export function parseHandover(line: string, token: string): Handover | undefined {
    const [head, ...args] = line.split("\0");
    const [sent, pidText] = head.split(" ");
    const expected = Buffer.from(token);
    const given = Buffer.from(sent ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const pid = Number(pidText);
    return Number.isInteger(pid) && pid > 0 ? { pid, args } : undefined;
}

/** The launcher's environment and directory, if it is this user's process. */
function launcherContext(pid: number): { env: NodeJS.ProcessEnv; cwd: string } | undefined {
    try {
        if (statSync(`/proc/${pid}`).uid !== process.getuid?.()) return undefined;
        const env: NodeJS.ProcessEnv = {};
        for (const entry of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
            const eq = entry.indexOf("=");
            if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
        }
        return { env, cwd: readlinkSync(`/proc/${pid}/cwd`) };
    } catch {
        return undefined;
    }
}

/** The first line a socket sends, or undefined if it closes, sends too much, or takes too long. */
function firstLine(socket: Socket): Promise<string | undefined> {
    return new Promise((resolve) => {
        let data = "";
        const done = (line: string | undefined) => {
            clearTimeout(timer);
            socket.removeAllListeners("data");
            resolve(line);
        };
        const timer = setTimeout(() => done(undefined), 5000);
        socket.setEncoding("utf8");
        socket.on("data", (chunk: string) => {
            data += chunk;
            const end = data.indexOf("\n");
            if (end >= 0) done(data.slice(0, end));
            else if (data.length > MAX_REQUEST) done(undefined);
        });
        socket.once("close", () => done(undefined));
        socket.once("error", () => socket.destroy());
    });
}

/** From now on, what the provider prints goes to the launcher, which gives it to the engine as a plugin's output. */
function printTo(socket: Socket): void {
    const write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        if (!socket.destroyed) socket.write(chunk);
        const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
        callback?.();
        return true;
    }) as typeof process.stdout.write;
    process.stdout.write = write;
    process.stderr.write = write;
}

async function runSpare(slotFile: string): Promise<void> {
    if (RENICE) setPriority(10);
    const identity = buildIdentity();
    // The point of a spare: the provider's modules, loaded before any run needs them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { rehearseStart, startProvider } = require("./start") as typeof import("./start");
    await rehearseStart();
    const token = randomBytes(16).toString("hex");
    const proof = randomBytes(16).toString("hex");

    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
    const slot = readSlot(slotFile);
    // The slot was reserved for this process; if it is not any more (stopped, or taken over), there is nothing to wait for.
    if (slot.state !== "pending" || (slot.pid > 0 && slot.pid !== process.pid)) process.exit(0);
    writeSlot(slotFile, `${(server.address() as AddressInfo).port} ${token} ${proof} ${process.pid}`);
    const idle = setTimeout(() => {
        releaseSlot(slotFile, process.pid);
        process.exit(0);
    }, idleSeconds() * 1000);

    let taken = false;
    server.on("connection", (socket) => {
        if (taken) {
            socket.destroy();
            return;
        }
        void firstLine(socket).then(async (line) => {
            const handover = line === undefined || taken ? undefined : parseHandover(line, token);
            const context = handover && launcherContext(handover.pid);
            if (!handover || !context) {
                socket.destroy();
                return;
            }
            taken = true;
            clearTimeout(idle);
            server.close();
            releaseSlot(slotFile, process.pid);
            // Built again since this spare loaded: the launcher starts the new build itself (which readies new spares).
            if (buildIdentity() !== identity) {
                socket.end("stale\n", () => process.exit(0));
                return;
            }
            // The engine ends the plugin by ending the launcher: the provider goes with it, and spares are readied.
            socket.once("close", () => {
                topUpSpares();
                process.exit(0);
            });
            for (const key of Object.keys(process.env)) delete process.env[key];
            Object.assign(process.env, context.env);
            process.chdir(context.cwd);
            if (RENICE) setPriority(0);
            printTo(socket);
            try {
                socket.write(`${proof} ${await startProvider(handover.args)}\n`);
            } catch (err) {
                socket.end(`failed ${(err as Error).message}\n`);
            }
        });
    });
}

if (require.main === module) {
    const slotFile = process.argv[2];
    if (!slotFile) process.exit(2);
    runSpare(slotFile).catch(() => {
        releaseSlot(slotFile, process.pid);
        process.exit(1);
    });
}
