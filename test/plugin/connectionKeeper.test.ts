// The connection keeper, for real: the compiled keeper process, a real sshd on
// loopback. Commands run through it as they would directly; a second provider
// (the next `pulumi up`) reuses the first one's connection instead of dialing;
// the keeper ends itself when idle; and a socket directory others could enter
// is not used.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { keeperSocketPath, KeptSsh } from "../../provider/keptSsh";
import { Connection, SshPool } from "../../provider/ssh";
import { freePort, Sshd, startSshd } from "../support/sshd";

const KEEPER = path.join(__dirname, "../../dist/provider/connectionKeeper.js");

let sshd: Sshd;
let root: string;
let connection: Connection;

beforeAll(async () => {
    sshd = await startSshd();
    root = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-keeper-test-"));
    connection = { host: sshd.host, port: sshd.port, user: sshd.user, privateKey: sshd.privateKey, dialErrorLimit: 3, perDialTimeout: 10 };
});

afterAll(async () => {
    await sshd?.stop();
    rmSync(root, { recursive: true, force: true });
});

const accepted = () =>
    sshd
        .log()
        .split("\n")
        .filter((l) => l.includes("Accepted publickey")).length;

/** The distinct key fingerprints sshd accepted logins with. */
const acceptedKeys = () => new Set([...sshd.log().matchAll(/Accepted publickey .* (SHA256:\S+)/g)].map((m) => m[1]));

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end;) {
        if (condition()) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return condition();
}

describe("the SSH connection keeper", () => {
    it("runs commands as a direct session would, keeps the connection for the next run, and ends when idle", async () => {
        expect(existsSync(KEEPER)).toBe(true);
        // The keeper started below inherits this: it lets go after 2 idle seconds.
        vi.stubEnv("PULUMI_LVS_SSH_PERSIST", "2");
        const socketPath = keeperSocketPath(root)!;
        expect(socketPath).toBeDefined();
        const before = accepted();

        const firstRun = new KeptSsh(new SshPool(() => undefined), socketPath, KEEPER);
        const result = await firstRun.exec(connection, { command: 'read -r x; echo "out $x"; echo err >&2; exit 7', stdin: "in\n" });
        expect(result).toMatchObject({ code: 7, stdout: "out in\n", stderr: "err\n" });
        expect(existsSync(socketPath)).toBe(true);

        // A new provider process, as the next `pulumi up` starts: same connection, so no new dial.
        const nextRun = new KeptSsh(new SshPool(() => undefined), socketPath, KEEPER);
        const again = await Promise.all([1, 2, 3].map((n) => nextRun.exec(connection, { command: `echo ${n}` })));
        expect(again.map((r) => r.stdout)).toEqual(["1\n", "2\n", "3\n"]);
        expect(again[0]!.timing?.connectMs).toBeLessThan(50);
        expect(accepted() - before).toBe(1);

        // Another key is another connection: nothing dialed with one caller's secrets serves another's. The server
        // accepts both keys, so only a count of logins shows whether the kept connection served the other key.
        const other = { ...connection, privateKey: sshd.otherPrivateKey };
        expect((await nextRun.exec(other, { command: "echo other" })).stdout).toBe("other\n");
        expect(accepted() - before).toBe(2);
        expect(acceptedKeys().size).toBe(2);
        // And a caller whose key is not one is refused: no connection of another caller's runs its command.
        await expect(nextRun.exec({ ...connection, privateKey: "not a key" }, { command: "echo no" })).rejects.toThrow(
            /All configured authentication methods failed/,
        );
        expect(accepted() - before).toBe(2);

        // A dial that fails is retried by the keeper, and each retry reported to the provider's own status log.
        const statuses: string[] = [];
        const reporting = new KeptSsh(new SshPool((m) => statuses.push(m)), socketPath, KEEPER);
        const closedPort = { ...connection, port: await freePort(), dialErrorLimit: 2 };
        await expect(reporting.exec(closedPort, { command: "echo no" })).rejects.toThrow(/Dial 2\/2 failed/);
        expect(statuses).toEqual(["Dial 1/2 failed: retrying"]);

        // Idle: the keeper closes its connection and goes, and takes its socket with it.
        expect(await waitFor(() => !existsSync(socketPath), 10_000)).toBe(true);
        vi.unstubAllEnvs();
    });

    it("is not used where others could reach its socket, and the provider's own pool runs the command", async () => {
        const open = path.join(root, "open");
        mkdirSync(open);
        const shared = path.join(open, `pulumi-lvs-ssh-${process.getuid!()}`);
        mkdirSync(shared);
        chmodSync(shared, 0o777);
        expect(keeperSocketPath(open)).toBeUndefined();

        const before = accepted();
        const pool = new SshPool(() => undefined);
        const local = new KeptSsh(pool, keeperSocketPath(open), KEEPER);
        expect((await local.exec(connection, { command: "echo local" })).stdout).toBe("local\n");
        pool.close();
        expect(accepted() - before).toBe(1);
        expect(existsSync(path.join(shared, "keeper.sock"))).toBe(false);
    });
});
