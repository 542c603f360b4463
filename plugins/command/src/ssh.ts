// SSH for command:remote:Command, on the ssh2 library. One connection per
// distinct connection spec is opened lazily and reused for every command of
// the run (the official provider dials per command; reuse is only faster).
import { createHash } from "node:crypto";
import {
    AgentAuthMethod,
    AuthMethod,
    Client,
    ClientChannel,
    ConnectConfig,
    KeyboardInteractiveAuthMethod,
    PasswordAuthMethod,
    PublicKeyAuthMethod,
} from "ssh2";
import { Connection, ProxyConnection } from "./inputs";
import { CommandOutput, OutputSink } from "./output";

/** Reports progress such as dial retries as status messages. */
export type StatusLog = (message: string) => void;

const FIRST_BACKOFF_MS = 100;
const BACKOFF_FACTOR = 1.5;
const MAX_BACKOFF_MS = 5000;

function connectConfig(conn: ProxyConnection): ConnectConfig {
    const config: ConnectConfig = {
        host: conn.host,
        port: conn.port,
        username: conn.user,
        // perDialTimeout is in seconds; 0 means no timeout.
        readyTimeout: conn.perDialTimeout > 0 ? conn.perDialTimeout * 1000 : 0x7fffffff,
        keepaliveInterval: 15000,
    };
    // Same order as the official provider: key, then password (and
    // keyboard-interactive answered with it), then the agent.
    const methods: AuthMethod[] = [];
    if (conn.privateKey) {
        methods.push({ type: "publickey", username: conn.user, key: conn.privateKey, passphrase: conn.privateKeyPassword } as PublicKeyAuthMethod);
    }
    if (conn.password) {
        const password = conn.password;
        methods.push({ type: "password", username: conn.user, password } as PasswordAuthMethod);
        methods.push({
            type: "keyboard-interactive",
            username: conn.user,
            prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
        } as KeyboardInteractiveAuthMethod);
    }
    const agent = conn.agentSocketPath || process.env.SSH_AUTH_SOCK;
    if (agent) methods.push({ type: "agent", username: conn.user, agent } as AgentAuthMethod);
    config.authHandler = methods;
    if (conn.hostKey) {
        // hostKey is in authorized_keys form: "TYPE BASE64 [comment]".
        const expected = conn.hostKey.trim().split(/\s+/)[1];
        config.hostVerifier = (key: Buffer) => key.toString("base64") === expected;
    }
    return config;
}

function connectOnce(config: ConnectConfig): Promise<Client> {
    return new Promise((resolve, reject) => {
        const client = new Client();
        const onError = (err: Error) => {
            client.removeAllListeners("ready");
            client.end();
            reject(err);
        };
        client.once("ready", () => {
            client.removeListener("error", onError);
            resolve(client);
        });
        client.once("error", onError);
        client.connect(config);
    });
}

function forwardThrough(proxy: Client, host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) =>
        proxy.forwardOut("127.0.0.1", 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream))),
    );
}

async function dialOnce(conn: Connection, opened: Client[]): Promise<Client> {
    const target = connectConfig(conn);
    if (!conn.proxy) return connectOnce(target);
    const proxy = await connectOnce(connectConfig(conn.proxy));
    opened.push(proxy);
    target.sock = await forwardThrough(proxy, conn.host, conn.port);
    return connectOnce(target);
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Dials with the official provider's retry policy: back off from 100 ms by
 * 1.5x up to 5 s, and give up after `dialErrorLimit` failed dials (-1: never).
 */
export async function dial(conn: Connection, status: StatusLog, opened: Client[] = []): Promise<Client> {
    let backoff = FIRST_BACKOFF_MS;
    for (let failures = 1; ; failures++) {
        try {
            return await dialOnce(conn, opened);
        } catch (err) {
            const limit = conn.dialErrorLimit;
            if (limit >= 0 && failures >= limit) {
                throw new Error(`Dial ${failures}/${limit} failed: ${(err as Error).message}`);
            }
            status(`Dial ${failures}/${limit < 0 ? "unlimited" : limit} failed: retrying`);
            await sleep(backoff);
            backoff = Math.min(backoff * BACKOFF_FACTOR, MAX_BACKOFF_MS);
        }
    }
}

/** A remote command's exit, in the words of Go's ssh.ExitError that the official provider prints. */
function exitError(code: number | null, signal: string | undefined): Error | undefined {
    if (signal) return new Error(`Process exited with signal ${signal}`);
    if (code !== null && code !== 0) return new Error(`Process exited with status ${code}`);
    if (code === null) return new Error("wait: remote command exited without exit status or exit signal");
    return undefined;
}

export interface RemoteRun {
    command: string;
    env: Record<string, string>;
    stdin?: string;
}

/** Opens and caches SSH connections; `close()` ends them all when the provider exits. */
export class SshPool {
    private readonly clients = new Map<string, Promise<Client>>();
    private readonly opened: Client[] = [];

    constructor(private readonly status: StatusLog) {}

    private client(conn: Connection): Promise<Client> {
        // Key on a digest so key material is not kept as a map key.
        const key = createHash("sha256").update(JSON.stringify(conn)).digest("hex");
        let client = this.clients.get(key);
        if (!client) {
            client = dial(conn, this.status, this.opened).then((c) => {
                this.opened.push(c);
                const forget = () => this.clients.delete(key);
                c.once("close", forget);
                c.once("error", forget);
                return c;
            });
            client.catch(() => this.clients.delete(key));
            this.clients.set(key, client);
        }
        return client;
    }

    /** Runs one command in its own session; resolves with its output, rejects like the official provider on failure. */
    async run(conn: Connection, run: RemoteRun, sink: OutputSink): Promise<CommandOutput> {
        const client = await this.client(conn);
        const output = new CommandOutput(sink);
        const env = Object.keys(run.env).length > 0 ? run.env : undefined;
        const { code, signal } = await new Promise<{ code: number | null; signal?: string }>((resolve, reject) => {
            client.exec(run.command, { env }, (err, channel) => {
                if (err) return reject(err);
                let exit: { code: number | null; signal?: string } = { code: null };
                channel.on("exit", (c: number | null, s?: string) => (exit = { code: c, signal: s ?? undefined }));
                channel.on("data", (chunk: Buffer) => output.write("stdout", chunk));
                channel.stderr.on("data", (chunk: Buffer) => output.write("stderr", chunk));
                channel.on("close", () => resolve(exit));
                // stdin is attached only when non-empty, as upstream does.
                if (run.stdin) channel.end(run.stdin);
                else channel.end();
            });
        });
        output.finish();
        const failure = exitError(code, signal);
        if (failure) throw output.failure(failure, run.command);
        return output;
    }

    close(): void {
        for (const c of this.opened) c.end();
        this.clients.clear();
    }
}
