// The connection keeper: a small process that holds the lvs provider's SSH
// connections open for a while after a run ends, as OpenSSH's ControlPersist
// does (Ansible turns it on by default). The engine starts the provider
// afresh for every `pulumi up`, preview and refresh, and on a slow host the
// SSH handshake is most of what a refresh costs; with the keeper, the runs
// that follow each other (preview then up, up then up) dial each host once.
//
// Every request names its whole connection, secrets included, and the pool
// keys its connections by a digest of that: a connection is only reused by
// a caller that could have dialed it itself. The socket lives in a directory
// only its user can enter. The keeper exits when it has been idle for
// KEEP_SECONDS (or PULUMI_LVS_SSH_PERSIST seconds), closing every connection.
import { lstatSync, unlinkSync } from "node:fs";
import { connect, createServer, Socket } from "node:net";
import { createInterface } from "node:readline";
import { Connection, ExecRequest, ExecResult, SshPool } from "./ssh";

/** How long the keeper outlives its last command. */
export const KEEP_SECONDS = 60;

/** One request: the connection and the command, as one JSON line. */
export interface KeeperRequest {
    connection: Connection;
    request: ExecRequest;
}

/**
 * The answer, as JSON lines: a status line for each dial that failed and is
 * retried (the provider shows them, as it would its own), then how the
 * command ended, or why it could not run.
 */
export type KeeperReply = { status: string } | { result: ExecResult } | { error: string };

/** The JSON lines a socket carries, one at a time, until it closes. */
export function jsonLines(socket: Socket): AsyncIterableIterator<string> {
    // A peer gone mid-command (a provider stopped) ends its socket, not the keeper.
    socket.on("error", () => socket.destroy());
    return createInterface({ input: socket, crlfDelay: Infinity })[Symbol.asyncIterator]();
}

function keepSeconds(): number {
    const set = Number(process.env.PULUMI_LVS_SSH_PERSIST);
    return Number.isFinite(set) && set > 0 ? set : KEEP_SECONDS;
}

/** A connection to the keeper's socket, or undefined when nothing answers there. */
export function dialSocket(socketPath: string): Promise<Socket | undefined> {
    return new Promise((resolve) => {
        const socket = connect(socketPath);
        socket.once("connect", () => resolve(socket));
        socket.once("error", () => resolve(undefined));
    });
}

/** Whether a keeper answers on `path`. */
export async function answers(path: string): Promise<boolean> {
    const probe = await dialSocket(path);
    probe?.destroy();
    return probe !== undefined;
}

export async function runKeeper(path: string): Promise<void> {
    const pool = new SshPool(() => undefined);
    let active = 0;
    let idle: NodeJS.Timeout | undefined;
    const server = createServer((socket) => {
        active++;
        clearTimeout(idle);
        socket.once("close", () => {
            active--;
            armIdle();
        });
        void serve(socket);
    });
    const serve = async (socket: Socket) => {
        const { value: line, done } = await jsonLines(socket).next();
        if (done) return;
        const send = (reply: KeeperReply) => void (socket.destroyed || socket.write(JSON.stringify(reply) + "\n"));
        try {
            const { connection, request } = JSON.parse(line) as KeeperRequest;
            send({ result: await pool.exec(connection, request, undefined, (status) => send({ status })) });
        } catch (err) {
            send({ error: (err as Error).message });
        }
        socket.end();
    };
    const shutdown = () => {
        server.close();
        pool.close();
        process.exit(0);
    };
    const armIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
            if (active > 0) return;
            // Stop taking requests first: a provider that finds no keeper starts a new one.
            server.close(shutdown);
        }, keepSeconds() * 1000);
    };

    const listen = () =>
        new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(path, () => {
                server.off("error", reject);
                resolve();
            });
        });
    try {
        await listen();
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
        // Two providers may start a keeper at once: the first one to listen serves both.
        if (await answers(path)) process.exit(0);
        if (lstatSync(path).isSocket()) unlinkSync(path);
        await listen();
    }
    armIdle();
}

if (require.main === module) {
    const path = process.argv[2];
    if (!path) process.exit(2);
    runKeeper(path).catch(() => process.exit(1));
}
