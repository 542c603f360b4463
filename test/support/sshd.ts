// A throwaway OpenSSH server on loopback for tests: its own host key, an
// authorized client key it generates, a free port, and cleanup by PID.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { freePort } from "./ports";

export interface Sshd {
    host: string;
    port: number;
    user: string;
    /** The client's private key (OpenSSH format). */
    privateKey: string;
    /** A second client key the server accepts as well (another user's credentials for the same account). */
    otherPrivateKey: string;
    /** The server's host key in authorized_keys form. */
    hostKey: string;
    /** The PID of the sshd the test started (its children serve the connections). */
    pid: number;
    /** sshd's own log (connections, rejected env, ...). */
    log(): string;
    stop(): Promise<void>;
}

async function waitForBanner(port: number, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
        const ok = await new Promise<boolean>((resolve) => {
            const socket = net.connect(port, "127.0.0.1");
            socket.once("data", (d) => {
                socket.destroy();
                resolve(d.toString().startsWith("SSH-"));
            });
            socket.once("error", () => resolve(false));
        });
        if (ok) return;
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sshd did not answer on 127.0.0.1:${port}`);
}

export async function startSshd(options: { acceptEnv?: string[]; logLevel?: string } = {}): Promise<Sshd> {
    const dir = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-sshd-"));
    const keygen = (file: string) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, file)]);
    keygen("host_key");
    keygen("client_key");
    keygen("other_client_key");
    writeFileSync(
        path.join(dir, "authorized_keys"),
        readFileSync(path.join(dir, "client_key.pub"), "utf8") + readFileSync(path.join(dir, "other_client_key.pub"), "utf8"),
        { mode: 0o600 },
    );
    const port = await freePort();
    const config = [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${path.join(dir, "host_key")}`,
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
        `PidFile ${path.join(dir, "sshd.pid")}`,
        "StrictModes no",
        "UsePAM no",
        "PasswordAuthentication no",
        "PermitRootLogin prohibit-password",
        `LogLevel ${options.logLevel ?? "VERBOSE"}`,
        ...(options.acceptEnv?.length ? [`AcceptEnv ${options.acceptEnv.join(" ")}`] : []),
    ];
    writeFileSync(path.join(dir, "sshd_config"), config.join("\n") + "\n");
    // sshd wants its privilege-separation directory even when not run as a daemon.
    if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true });
    const logFile = path.join(dir, "sshd.log");
    const child = spawn("/usr/sbin/sshd", ["-D", "-f", path.join(dir, "sshd_config"), "-E", logFile], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
        await waitForBanner(port, Date.now() + 10_000);
    } catch (err) {
        child.kill();
        rmSync(dir, { recursive: true, force: true });
        throw err;
    }
    const user = execFileSync("id", ["-un"]).toString().trim();
    return {
        host: "127.0.0.1",
        port,
        user,
        privateKey: readFileSync(path.join(dir, "client_key"), "utf8"),
        otherPrivateKey: readFileSync(path.join(dir, "other_client_key"), "utf8"),
        hostKey: readFileSync(path.join(dir, "host_key.pub"), "utf8").trim(),
        pid: child.pid!,
        log: () => readFileSync(logFile, "utf8"),
        async stop() {
            child.kill("SIGTERM");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
