// SSH to hosts, on the ssh2 library, shared by the lvs provider and the
// offline command plugin. Connections are opened lazily, one per distinct
// connection spec, and reused by every command of a run (the official command
// provider dials per command; reuse is only faster). At most
// MAX_SESSIONS_PER_CONNECTION commands share one connection at a time, below
// sshd's default `MaxSessions 10`; more wait for a free session. A cached
// connection that has gone stale, or that the server refuses another session
// on, is replaced by a fresh dial, once per command.
import { createHash } from "node:crypto";
import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";
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
import { authorizedKeyOf, fingerprint, parseHostKeys } from "../src/hostKey";
import { KeptShell } from "./keptShell";

/** How to reach a host over SSH; the same fields as `@pulumi/command`'s `remote.ConnectionArgs`. */
export interface ProxyConnection {
    host: string;
    port: number;
    user: string;
    password?: string;
    privateKey?: string;
    privateKeyPassword?: string;
    agentSocketPath?: string;
    /** Failed dials before giving up; -1: never. */
    dialErrorLimit: number;
    /** Seconds per dial; 0: no timeout. */
    perDialTimeout: number;
    /** The host's key(s) in authorized_keys form, one per line; when set, a host presenting another is refused. */
    hostKey?: string;
}

export interface Connection extends ProxyConnection {
    /** A bastion to reach the host through. */
    proxy?: ProxyConnection;
}

/** Reports progress such as dial retries as status messages. */
export type StatusLog = (message: string) => void;

const FIRST_BACKOFF_MS = 100;
const BACKOFF_FACTOR = 1.5;
const MAX_BACKOFF_MS = 5000;

/** Sessions one connection carries at once; sshd allows 10 by default (MaxSessions). */
export const MAX_SESSIONS_PER_CONNECTION = 8;

/** The host presented a key other than the one(s) expected: never retried (it is not a network hiccup). */
export class HostKeyMismatch extends Error {
    constructor(
        readonly presented: string,
        readonly expected: string[],
    ) {
        const [type, base64] = presented.split(" ");
        super(
            `the host presented the ${type} key ${fingerprint(base64!)}, not the expected ` +
                expected.map((k) => `${fingerprint(k.split(" ")[1]!)} (${k.split(" ")[0]})`).join(" or "),
        );
        this.name = "HostKeyMismatch";
    }
}

/** The key each connected client's host presented, in authorized_keys form. */
const presentedKeys = new WeakMap<Client, string>();

/** The key the host of `client` presented in its handshake (authorized_keys form). */
export function presentedHostKey(client: Client): string | undefined {
    return presentedKeys.get(client);
}

/** What a handshake saw: the host's key, and whether it was refused. */
interface Handshake {
    presented?: string;
    mismatch?: HostKeyMismatch;
}

function connectConfig(conn: ProxyConnection, handshake: Handshake = {}): ConnectConfig {
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
        methods.push({
            type: "publickey",
            username: conn.user,
            key: conn.privateKey,
            passphrase: conn.privateKeyPassword,
        } as PublicKeyAuthMethod);
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
    const parsed = conn.hostKey ? parseHostKeys(conn.hostKey) : [];
    // (A key that does not parse was refused by Check; here it can only refuse every host.)
    const expected = "problem" in parsed ? [] : parsed.map((k) => `${k.type} ${k.base64}`);
    config.hostVerifier = (key: Buffer) => {
        handshake.presented = authorizedKeyOf(key);
        if (!conn.hostKey || expected.includes(handshake.presented)) return true;
        handshake.mismatch = new HostKeyMismatch(handshake.presented, expected);
        return false;
    };
    return config;
}

function connectOnce(config: ConnectConfig, handshake: Handshake): Promise<Client> {
    return new Promise((resolve, reject) => {
        const client = new Client();
        const onError = (err: Error) => {
            client.removeAllListeners("ready");
            client.end();
            reject(handshake.mismatch ?? err);
        };
        client.once("ready", () => {
            if (handshake.presented) presentedKeys.set(client, handshake.presented);
            client.removeListener("error", onError);
            // Later errors (a dropped connection) end the client; commands on it fail and are retried on a new one.
            client.on("error", () => undefined);
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
    const handshake: Handshake = {};
    const target = connectConfig(conn, handshake);
    if (!conn.proxy) return connectOnce(target, handshake);
    const proxyHandshake: Handshake = {};
    const proxy = await connectOnce(connectConfig(conn.proxy, proxyHandshake), proxyHandshake);
    opened.push(proxy);
    target.sock = await forwardThrough(proxy, conn.host, conn.port);
    return connectOnce(target, handshake);
}

/**
 * Dials with the official provider's retry policy: back off from 100 ms by
 * 1.5x up to 5 s, and give up after `dialErrorLimit` failed dials (-1: never).
 */
export async function dial(conn: Connection, status: StatusLog, opened: Client[] = [], retryChangedHostKey = true): Promise<Client> {
    let backoff = FIRST_BACKOFF_MS;
    for (let failures = 1; ; failures++) {
        try {
            return await dialOnce(conn, opened);
        } catch (err) {
            if (err instanceof HostKeyMismatch && !retryChangedHostKey) throw err;
            const limit = conn.dialErrorLimit;
            if (limit >= 0 && failures >= limit) {
                throw new Error(`Dial ${failures}/${limit} failed: ${(err as Error).message}`, { cause: err });
            }
            status(`Dial ${failures}/${limit < 0 ? "unlimited" : limit} failed: retrying`);
            await sleep(backoff);
            backoff = Math.min(backoff * BACKOFF_FACTOR, MAX_BACKOFF_MS);
        }
    }
}

export interface ExecRequest {
    command: string;
    env?: Record<string, string>;
    /** Sent when non-empty, then closed (as upstream does); absent or empty: closed at once. */
    stdin?: string;
    /**
     * The command only reads: its `script` may run in a `shell` (`sh`, `sudo -n sh`) kept open on
     * the host for such scripts (keptShell.ts), else `command` runs in a session of its own.
     */
    keptShell?: { shell: string; script: string };
}

export interface ExecResult {
    /** Exit status; null when the command ended without one (a signal). */
    code: number | null;
    signal?: string;
    stdout: string;
    stderr: string;
    /** Where the time went (the benchmark's breakdown): getting a connection (0 when pooled), and the command. */
    timing?: { connectMs: number; runMs: number };
}

/** Receives a command's output as it arrives, decoded as UTF-8 (a character split across chunks arrives whole). */
export type OutputListener = (stream: "stdout" | "stderr", text: string) => void;

/** A connection in the pool, with the number of sessions it carries now. */
interface Pooled {
    client: Promise<Client>;
    sessions: number;
    dead: boolean;
}

/** Errors that mean "this connection cannot carry the command": retried once on a fresh connection. */
function isConnectionTrouble(err: Error): boolean {
    return /Channel open failure|Not connected|No response from server|Unable to exec|socket|ECONNRESET|EPIPE|closed/i.test(err.message);
}

/** Opens and caches SSH connections; `close()` ends them all when the provider exits. */
export class SshPool {
    private readonly pools = new Map<string, Pooled[]>();
    private readonly waiting = new Map<string, (() => void)[]>();
    private readonly opened: Client[] = [];
    /** One kept shell per connection and shell command, for read-only scripts. */
    private readonly shells = new Map<string, KeptShell>();
    /** The key each connection's host presented, by connection digest. */
    private readonly hostKeys = new Map<string, string>();

    /**
     * `status`: where dial retries are reported. `retryChangedHostKey`: dial again after a host presented
     * another key than the one expected, as the official command provider does (the lvs provider does not:
     * a changed key is not a network hiccup, and it fails at once).
     */
    constructor(
        readonly status: StatusLog,
        private readonly retryChangedHostKey = true,
    ) {}

    private keyOf(conn: Connection): string {
        // A digest, so that key material is not kept as a map key.
        return createHash("sha256").update(JSON.stringify(conn)).digest("hex");
    }

    private open(key: string, conn: Connection, status: StatusLog): Pooled {
        const pooled: Pooled = { sessions: 0, dead: false, client: Promise.resolve(undefined as unknown as Client) };
        pooled.client = dial(conn, status, this.opened, this.retryChangedHostKey).then((c) => {
            this.opened.push(c);
            const hostKey = presentedHostKey(c);
            if (hostKey) this.hostKeys.set(key, hostKey);
            const forget = () => {
                pooled.dead = true;
            };
            c.once("close", forget);
            c.once("end", forget);
            return c;
        });
        pooled.client.catch(() => (pooled.dead = true));
        const list = this.pools.get(key) ?? [];
        list.push(pooled);
        this.pools.set(key, list);
        return pooled;
    }

    /** The key the host of `conn` presented when this pool connected to it (authorized_keys form). */
    presentedHostKey(conn: Connection): string | undefined {
        return this.hostKeys.get(this.keyOf(conn));
    }

    /** A connection with a free session, opening one (or waiting for a session) as needed. */
    private async acquire(conn: Connection, fresh: boolean, status: StatusLog): Promise<Pooled> {
        const key = this.keyOf(conn);
        for (;;) {
            const list = (this.pools.get(key) ?? []).filter((p) => !p.dead);
            this.pools.set(key, list);
            if (fresh) {
                const pooled = this.open(key, conn, status);
                pooled.sessions++;
                return pooled;
            }
            const free = list.find((p) => p.sessions < MAX_SESSIONS_PER_CONNECTION);
            if (free) {
                free.sessions++;
                return free;
            }
            if (list.length === 0) {
                const pooled = this.open(key, conn, status);
                pooled.sessions++;
                return pooled;
            }
            await new Promise<void>((resolve) => {
                const queue = this.waiting.get(key) ?? [];
                queue.push(resolve);
                this.waiting.set(key, queue);
            });
        }
    }

    private release(conn: Connection, pooled: Pooled): void {
        pooled.sessions--;
        const key = this.keyOf(conn);
        this.waiting.get(key)?.shift()?.();
    }

    /**
     * Runs one command in its own session and resolves with how it ended and
     * its output (it does not fail on a non-zero exit: that is the caller's
     * to judge). A connection that cannot carry it is replaced once. Dial
     * retries are reported to `status` (default: the pool's).
     */
    async exec(conn: Connection, request: ExecRequest, onOutput?: OutputListener, status = this.status): Promise<ExecResult> {
        if (request.keptShell && !request.stdin && !request.env && !onOutput) {
            const result = await this.inKeptShell(conn, request.keptShell, status);
            if (result) return result;
        }
        for (let attempt = 0; ; attempt++) {
            const started = performance.now();
            const pooled = await this.acquire(conn, attempt > 0, status);
            try {
                const client = await pooled.client;
                const connected = performance.now();
                const result = await this.execOn(client, request, onOutput);
                return { ...result, timing: { connectMs: connected - started, runMs: performance.now() - connected } };
            } catch (err) {
                const trouble = err instanceof ExecStartError && isConnectionTrouble(err);
                if (trouble) pooled.dead = true;
                if (!trouble || attempt > 0) throw err instanceof ExecStartError ? err.cause : err;
            } finally {
                this.release(conn, pooled);
            }
        }
    }

    /**
     * A read-only script in the host's kept shell, opened on first use, after the reads queued there;
     * undefined when the shell cannot take it (ended, refused by sudo, busy for longer than a read should
     * wait): the caller then runs it in a session of its own, which also reports why the shell could not start.
     */
    private async inKeptShell(
        conn: Connection,
        kept: { shell: string; script: string },
        status: StatusLog,
    ): Promise<ExecResult | undefined> {
        const key = `${this.keyOf(conn)} ${kept.shell}`;
        let shell = this.shells.get(key);
        if (shell?.dead) shell = undefined;
        const started = performance.now();
        if (!shell) {
            shell = new KeptShell(this.openShell(conn, kept.shell, status));
            this.shells.set(key, shell);
        }
        try {
            const result = await shell.run(kept.script);
            return { ...result, timing: { connectMs: 0, runMs: performance.now() - started } };
        } catch {
            // A shell that is only busy stays for the next reads; one that ended is replaced.
            if (shell.dead) {
                if (this.shells.get(key) === shell) this.shells.delete(key);
                shell.close();
            }
            return undefined;
        }
    }

    /** A session running `shell` with its standard input open, holding its place on the connection until it ends. */
    private async openShell(conn: Connection, shell: string, status: StatusLog): Promise<ClientChannel> {
        const pooled = await this.acquire(conn, false, status);
        try {
            const client = await pooled.client;
            const channel = await new Promise<ClientChannel>((resolve, reject) =>
                client.exec(shell, {}, (err, c) => (err ? reject(err) : resolve(c))),
            );
            channel.once("close", () => this.release(conn, pooled));
            return channel;
        } catch (err) {
            this.release(conn, pooled);
            throw err;
        }
    }

    private execOn(client: Client, request: ExecRequest, onOutput?: OutputListener): Promise<ExecResult> {
        return new Promise((resolve, reject) => {
            const env = request.env && Object.keys(request.env).length > 0 ? request.env : undefined;
            const start = (err: Error | undefined, channel: ClientChannel) => {
                if (err) return reject(new ExecStartError(err));
                const decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
                const output = { stdout: "", stderr: "" };
                const take = (stream: "stdout" | "stderr", chunk: Buffer) => {
                    const text = decoders[stream].write(chunk);
                    if (!text) return;
                    output[stream] += text;
                    onOutput?.(stream, text);
                };
                let exit: { code: number | null; signal?: string } = { code: null };
                channel.on("exit", (code: number | null, signal?: string) => (exit = { code: code ?? null, signal: signal ?? undefined }));
                channel.on("data", (chunk: Buffer) => take("stdout", chunk));
                channel.stderr.on("data", (chunk: Buffer) => take("stderr", chunk));
                channel.on("close", () => {
                    for (const stream of ["stdout", "stderr"] as const) {
                        const rest = decoders[stream].end();
                        if (rest) {
                            output[stream] += rest;
                            onOutput?.(stream, rest);
                        }
                    }
                    resolve({ ...exit, ...output });
                });
                if (request.stdin) channel.end(request.stdin);
                else channel.end();
            };
            try {
                client.exec(request.command, { env }, start);
            } catch (err) {
                reject(new ExecStartError(err as Error));
            }
        });
    }

    close(): void {
        for (const shell of this.shells.values()) shell.close();
        this.shells.clear();
        for (const c of this.opened) c.end();
        this.pools.clear();
    }
}

/** The command could not start (no session, dead connection): nothing ran. */
class ExecStartError extends Error {
    constructor(override readonly cause: Error) {
        super(cause.message);
    }
}
