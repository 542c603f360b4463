// The lvs provider's SSH commands, through the connection keeper
// (connectionKeeper.ts) so that a run reuses the connections of the run
// before it. The keeper is started on first use, detached, and ends itself
// when idle. Where it cannot run (turned off with PULUMI_LVS_SSH_PERSIST=0, no
// private directory for its socket, a build without it), commands use the
// provider's own pool, as they always could.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { Socket } from "node:net";
import * as path from "node:path";
import { privateRunDir } from "./privateDir";
import { answers, dialSocket, jsonLines, KeeperReply, KeeperRequest } from "./connectionKeeper";
import { Connection, ExecRequest, ExecResult, SshPool } from "./ssh";

/** What runs a command over SSH: the provider's pool, or the keeper. */
export interface SshExec {
    exec(conn: Connection, request: ExecRequest): Promise<ExecResult>;
}

/** How long a provider waits for a keeper it started to listen. */
const START_WAIT_MS = 3000;

/** The keeper's socket: in a directory of this user's only, or undefined when there is none to be had. */
export function keeperSocketPath(root?: string): string | undefined {
    const dir = privateRunDir(root);
    if (!dir) return undefined;
    const socket = path.join(dir, "keeper.sock");
    // A unix socket's path is limited to 107 bytes.
    return Buffer.byteLength(socket) < 108 ? socket : undefined;
}

export class KeptSsh implements SshExec {
    private starting: Promise<void> | undefined;
    private unavailable: boolean;

    constructor(
        private readonly local: SshPool,
        private readonly socketPath = process.env.PULUMI_LVS_SSH_PERSIST === "0" ? undefined : keeperSocketPath(),
        private readonly keeperScript = path.join(__dirname, "connectionKeeper.js"),
    ) {
        this.unavailable = !socketPath || !existsSync(keeperScript);
    }

    async exec(conn: Connection, request: ExecRequest): Promise<ExecResult> {
        const socket = this.unavailable ? undefined : await this.reachKeeper();
        if (!socket) return this.local.exec(conn, request);
        // The keeper dials with its own environment: the agent socket of this run goes with the request.
        const connection = { ...conn, agentSocketPath: conn.agentSocketPath || process.env.SSH_AUTH_SOCK || undefined };
        const ask: KeeperRequest = { connection, request };
        socket.write(JSON.stringify(ask) + "\n");
        try {
            for await (const line of jsonLines(socket)) {
                const reply = JSON.parse(line) as KeeperReply;
                if ("status" in reply) this.local.status(reply.status);
                else if ("error" in reply) throw new Error(reply.error);
                else return reply.result;
            }
        } finally {
            socket.destroy();
        }
        throw new Error("the SSH connection keeper ended before the command did");
    }

    private async reachKeeper(): Promise<Socket | undefined> {
        const socketPath = this.socketPath!;
        const socket = await dialSocket(socketPath);
        if (socket) return socket;
        this.starting ??= this.startKeeper(socketPath).finally(() => (this.starting = undefined));
        await this.starting;
        return this.unavailable ? undefined : dialSocket(socketPath);
    }

    private async startKeeper(socketPath: string): Promise<void> {
        const child = spawn(process.execPath, [this.keeperScript, socketPath], { detached: true, stdio: "ignore" });
        child.unref();
        for (let waited = 0; waited < START_WAIT_MS; waited += 20) {
            if (await answers(socketPath)) return;
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
        this.unavailable = true;
    }
}
