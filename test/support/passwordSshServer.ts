// An SSH server that takes a password (or keyboard-interactive answers) from
// one user and runs each exec request with sh on this machine: ssh2's own
// server, for what a test OpenSSH on loopback cannot offer without touching
// the machine's users (password authentication needs a system password).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Server } from "ssh2";

export interface PasswordSshServer {
    host: string;
    port: number;
    user: string;
    password: string;
    /** How each client authenticated, in order ("password", "keyboard-interactive"). */
    methods: string[];
    stop(): Promise<void>;
}

/** `allow`: the methods the server offers (both by default). */
export async function startPasswordSshServer(
    allow: ("password" | "keyboard-interactive")[] = ["password", "keyboard-interactive"],
    user = "deploy",
    password = "correct horse",
): Promise<PasswordSshServer> {
    const dir = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-pwsshd-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host_key")]);
    const hostKey = readFileSync(path.join(dir, "host_key"));
    rmSync(dir, { recursive: true, force: true });
    const methods: string[] = [];
    const clients = new Set<{ end(): void }>();
    const server = new Server({ hostKeys: [hostKey] }, (client) => {
        clients.add(client);
        client.on("close", () => clients.delete(client));
        client.on("authentication", (ctx) => {
            if (ctx.username !== user) return ctx.reject();
            if (!allow.includes(ctx.method as "password")) return ctx.reject(allow);
            if (ctx.method === "password") {
                if (ctx.password === password) {
                    methods.push("password");
                    return ctx.accept();
                }
                return ctx.reject(allow);
            }
            if (ctx.method === "keyboard-interactive") {
                return ctx.prompt([{ prompt: "Password: ", echo: false }], (answers) => {
                    if (answers[0] === password) {
                        methods.push("keyboard-interactive");
                        ctx.accept();
                    } else ctx.reject();
                });
            }
            return ctx.reject(allow);
        });
        client.on("ready", () => {
            client.on("session", (accept) => {
                const session = accept();
                session.on("exec", (acceptExec, _reject, info) => {
                    const channel = acceptExec();
                    const child = spawn("sh", ["-c", info.command], { stdio: ["pipe", "pipe", "pipe"] });
                    child.stdout.pipe(channel, { end: false });
                    child.stderr.pipe(channel.stderr, { end: false });
                    channel.pipe(child.stdin);
                    child.on("close", (code) => {
                        channel.exit(code ?? 1);
                        channel.end();
                    });
                });
            });
        });
        client.on("error", () => undefined);
    });
    const port = await new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    return {
        host: "127.0.0.1",
        port,
        user,
        password,
        methods,
        stop: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                for (const client of clients) client.end();
            }),
    };
}
