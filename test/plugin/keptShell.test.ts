// Read-only scripts in a shell kept open on the host (pluginKit/keptShell.ts),
// against a real OpenSSH server on loopback: the same results as a session of
// their own, one shell for the reads of a host, one after another, and a
// session of their own whenever that shell cannot take a read in time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUE_WAIT_MS } from "../../pluginKit/keptShell";
import { Connection, ExecRequest, SshPool } from "../../pluginKit/ssh";
import { asRoot, rootShell } from "../../src/shell";
import { Sshd, startSshd } from "../support/sshd";

let sshd: Sshd;
let pool: SshPool;
let conn: Connection;

beforeAll(async () => {
    sshd = await startSshd();
    pool = new SshPool(() => undefined);
    conn = { host: sshd.host, port: sshd.port, user: sshd.user, privateKey: sshd.privateKey } as Connection;
});

afterAll(async () => {
    pool?.close();
    await sshd?.stop();
});

/** A read as the provider sends it: the kept shell when it can, else `sh -c` in a session of its own. */
function read(script: string, shell = rootShell(sshd.user)): ExecRequest {
    return { command: asRoot(script, sshd.user), stdin: "", keptShell: { shell, script } };
}

/** The process ID of the shell the script ran in (a subshell reports its parent's, as `$$` does). */
async function shellPid(): Promise<string> {
    return (await pool.exec(conn, read("echo $$"))).stdout.trim();
}

describe("the kept shell", () => {
    it("gives each read its own stdout, stderr and exit status, as a session of its own does", async () => {
        const script = "printf 'out\\nno newline'; printf 'err\\n' >&2; exit 3";
        const kept = await pool.exec(conn, read(script));
        const own = await pool.exec(conn, { command: asRoot(script, sshd.user), stdin: "" });
        expect({ code: kept.code, stdout: kept.stdout, stderr: kept.stderr }).toEqual({
            code: 3,
            stdout: "out\nno newline",
            stderr: "err\n",
        });
        expect({ code: own.code, stdout: own.stdout, stderr: own.stderr }).toEqual({ code: 3, stdout: "out\nno newline", stderr: "err\n" });
    });

    it("runs the reads of a host in one shell, one after another; a read of stdin gets nothing and takes nothing", async () => {
        const first = await shellPid();
        expect((await pool.exec(conn, read("cat; echo read"))).stdout).toBe("read\n");
        expect(await shellPid()).toBe(first);
        // Each script in a session of its own has a shell of its own.
        const own = await pool.exec(conn, { command: asRoot("echo $$", sshd.user), stdin: "" });
        expect(own.stdout.trim()).not.toBe(first);
    });

    it("queues a read behind the one the shell is busy with, and replaces a shell that ended", async () => {
        const [slow, quick] = await Promise.all([
            pool.exec(conn, read("sleep 0.5; echo $$; date +%s%N")),
            pool.exec(conn, read("echo $$; date +%s%N")),
        ]);
        expect(slow.code).toBe(0);
        expect(quick.code).toBe(0);
        const [slowPid, slowAt] = slow.stdout.trim().split("\n");
        const [quickPid, quickAt] = quick.stdout.trim().split("\n");
        // The same shell, the quick read after the slow one.
        expect(quickPid).toBe(slowPid);
        expect(BigInt(quickAt!)).toBeGreaterThan(BigInt(slowAt!));

        const ended = await shellPid();
        await pool.exec(conn, { command: `kill ${ended}`, stdin: "" });
        const next = await pool.exec(conn, read("echo $$; echo ok"));
        expect(next.code).toBe(0);
        expect(next.stdout).toMatch(/\nok\n$/);
        expect(next.stdout.split("\n")[0]).not.toBe(ended);
    });

    it(`runs a read in a session of its own when its turn in the shell does not come within ${QUEUE_WAIT_MS} ms, and keeps the shell`, async () => {
        const kept = await shellPid();
        const [slow, quick] = await Promise.all([
            pool.exec(conn, read(`sleep ${QUEUE_WAIT_MS / 1000 + 1}; echo $$`)),
            pool.exec(conn, read("echo $$")),
        ]);
        expect(slow.stdout.trim()).toBe(kept);
        expect(quick.code).toBe(0);
        expect(quick.stdout.trim()).not.toBe(kept);
        // The shell that was only busy takes the next read.
        expect(await shellPid()).toBe(kept);
    });

    it("runs the read in a session of its own when the shell does not start (sudo refusing, say)", async () => {
        const result = await pool.exec(conn, read("echo ran", "exit 1"));
        expect(result).toMatchObject({ code: 0, stdout: "ran\n" });
    });
});
