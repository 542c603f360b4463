// Where the offline command plugin must behave as the official provider does
// (../shared/notes/command-provider.md), each proven against real servers:
// secret-wrapped inputs, many commands at once on one host, a connection that
// went stale, UTF-8 split across chunks, a variable sshd refuses, cancel,
// a jump host, password and keyboard-interactive auth, an agent, logging
// modes, and a failed update that keeps the old state.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommandProvider } from "../../toolchain/plugins/command/src/provider";
import { SshPool } from "../../pluginKit/ssh";
import { PasswordSshServer, startPasswordSshServer } from "../support/passwordSshServer";
import { Sshd, startSshd } from "../support/sshd";

const REMOTE = "urn:pulumi:test::lvs::command:remote:Command::step";
const LOCAL = "urn:pulumi:test::lvs::command:local:Command::step";
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

let sshd: Sshd;
let pool: SshPool;
let provider: CommandProvider;
const logged: { message: string; severity: string }[] = [];

function connection(extra: Record<string, unknown> = {}) {
    return secret({ host: sshd.host, port: sshd.port, user: sshd.user, privateKey: sshd.privateKey, ...extra });
}

async function checked(news: Record<string, unknown>, urn = REMOTE) {
    const { inputs, failures } = await provider.check(urn, {}, urn === REMOTE ? { connection: connection(), ...news } : news);
    expect(failures).toEqual([]);
    return inputs as Record<string, unknown>;
}

beforeAll(async () => {
    sshd = await startSshd({ acceptEnv: ["LVS_*", "PULUMI_COMMAND_*"] });
    pool = new SshPool(() => undefined);
    provider = new CommandProvider(pool, (_urn, message, severity) => logged.push({ message, severity: severity ?? "info" }));
});

afterAll(async () => {
    pool?.close();
    await sshd?.stop();
});

describe("the offline command plugin, as faithful as the official provider", () => {
    it("accepts secret-wrapped inputs, as the official provider does, and runs them", async () => {
        const news = {
            create: secret('echo "$LVS_TOKEN $(cat)"'),
            update: secret("echo updated"),
            delete: secret("true"),
            stdin: secret("from-stdin"),
            environment: { LVS_TOKEN: secret("s3cret") },
            triggers: secret([1]),
        };
        const { inputs, failures } = await provider.check(REMOTE, {}, { connection: connection(), ...news });
        expect(failures).toEqual([]);
        expect((await provider.create(REMOTE, inputs)).outs.stdout).toBe("s3cret from-stdin");
        const whole = await provider.check(REMOTE, {}, { connection: connection(), environment: secret({ LVS_TOKEN: "x" }) });
        expect(whole.failures).toEqual([]);
    });

    it("says what is wrong with an input without ever printing its value", async () => {
        const { failures } = await provider.check(
            REMOTE,
            {},
            { connection: connection(), create: secret(42), environment: { LVS_X: secret(7) } },
        );
        expect(failures).toEqual([
            { property: "create", reason: "create must be a string" },
            { property: "environment", reason: "environment must be a map of strings" },
        ]);
    });

    it("runs more commands at once on one host than sshd's MaxSessions (10)", async () => {
        const inputs = await checked({ create: "sleep 0.3; echo done" });
        const results = await Promise.allSettled(Array.from({ length: 24 }, () => provider.create(REMOTE, inputs)));
        expect(results.filter((r) => r.status === "rejected")).toEqual([]);
        expect(results.map((r) => (r as PromiseFulfilledResult<{ outs: { stdout: string } }>).value.outs.stdout)).toEqual(
            Array(24).fill("done"),
        );
    });

    it("dials again when the cached connection went away", async () => {
        const inputs = await checked({ create: "echo $PPID" });
        const first = (await provider.create(REMOTE, inputs)).outs.stdout;
        // End the sshd processes serving this client (children of the sshd the test started).
        const children = readFileSync(`/proc/${sshd.pid}/task/${sshd.pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
        expect(children.length).toBeGreaterThan(0);
        for (const pid of children) process.kill(Number(pid), "SIGTERM");
        await new Promise((r) => setTimeout(r, 300));
        const second = (await provider.create(REMOTE, inputs)).outs.stdout;
        expect(second).toMatch(/^\d+$/);
        expect(second).not.toBe(first);
    });

    it("keeps multi-byte UTF-8 whole across chunk boundaries, remote and local", async () => {
        const script = "i=0; while [ $i -lt 40000 ]; do printf 'é€'; i=$((i+1)); done";
        const expected = "é€".repeat(40000);
        expect((await provider.create(REMOTE, await checked({ create: script }))).outs.stdout).toBe(expected);
        expect((await provider.create(LOCAL, await checked({ create: script }, LOCAL))).outs.stdout).toBe(expected);
    });

    it("fails the step when sshd refuses an environment variable, as the official provider does", async () => {
        const inputs = await checked({ create: "echo never", environment: { LVS_OK: "1", OTHER_VAR: "2" } });
        await expect(provider.create(REMOTE, inputs)).rejects.toThrow(
            `could not set environment variable OTHER_VAR: the SSH server on 127.0.0.1:${sshd.port} refuses it (add ` +
                `OTHER_VAR to AcceptEnv in its sshd_config)`,
        );
    });

    it("ends running local commands on cancel", async () => {
        const started = Date.now();
        const run = provider.create(LOCAL, await checked({ create: "sleep 30" }, LOCAL));
        await new Promise((r) => setTimeout(r, 300));
        await provider.cancel();
        await expect(run).rejects.toThrow('signal: terminated: running "sleep 30"');
        expect(Date.now() - started).toBeLessThan(10_000);
    });

    it("reaches a host through a jump host (proxy)", async () => {
        const bastion = await startSshd({ logLevel: "DEBUG1" });
        try {
            const proxy = { host: bastion.host, port: bastion.port, user: bastion.user, privateKey: bastion.privateKey };
            const { inputs } = await provider.check(REMOTE, {}, { connection: connection({ proxy }), create: "echo through" });
            expect((await provider.create(REMOTE, inputs)).outs.stdout).toBe("through");
            // The bastion opened the forwarded channel to the host.
            expect(bastion.log()).toMatch(new RegExp(`direct-tcpip.*|connect to 127\\.0\\.0\\.1 port ${sshd.port}`));
        } finally {
            await bastion.stop();
        }
    });

    describe("password authentication", () => {
        let server: PasswordSshServer;
        afterAll(async () => server?.stop());

        it.each([["password"], ["keyboard-interactive"]] as const)("logs in with %s", async (method) => {
            await server?.stop();
            server = await startPasswordSshServer([method]);
            const { inputs } = await provider.check(
                REMOTE,
                {},
                {
                    connection: secret({ host: server.host, port: server.port, user: server.user, password: server.password }),
                    create: "echo in",
                },
            );
            expect((await provider.create(REMOTE, inputs)).outs.stdout).toBe("in");
            expect(server.methods).toEqual([method]);
        });
    });

    it("logs in through an SSH agent", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-agent-"));
        const socket = path.join(dir, "agent.sock");
        const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
        try {
            for (
                let i = 0;
                i < 50 &&
                !execFileSync("sh", ["-c", `[ -S ${socket} ] && echo yes || true`])
                    .toString()
                    .trim();
                i++
            )
                await new Promise((r) => setTimeout(r, 100));
            const keyFile = path.join(dir, "id");
            execFileSync("sh", ["-c", `umask 077; cat > ${keyFile}`], { input: sshd.privateKey });
            execFileSync("ssh-add", [keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: "ignore" });
            const { inputs } = await provider.check(
                REMOTE,
                {},
                {
                    connection: secret({ host: sshd.host, port: sshd.port, user: sshd.user, agentSocketPath: socket }),
                    create: "echo agent",
                },
            );
            expect((await provider.create(REMOTE, inputs)).outs.stdout).toBe("agent");
        } finally {
            agent.kill();
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it.each<[string | undefined, string[]]>([
        [undefined, ["to-out", "to-err"]],
        ["stdoutAndStderr", ["to-out", "to-err"]],
        ["stdout", ["to-out"]],
        ["stderr", ["to-err"]],
        ["none", []],
    ])("logs what `logging: %s` selects, and captures both streams anyway", async (logging, lines) => {
        logged.length = 0;
        const { outs } = await provider.create(
            REMOTE,
            await checked({ create: "echo to-out; sleep 0.1; echo to-err >&2", ...(logging ? { logging } : {}) }),
        );
        expect(logged.filter((l) => l.severity === "info").map((l) => l.message)).toEqual(lines);
        expect([outs.stdout, outs.stderr]).toEqual(["to-out", "to-err"]);
    });

    it("a failed update returns no new state, so the engine keeps the old one", async () => {
        const olds = { ...(await checked({ create: "echo v1" })), stdout: "v1", stderr: "" };
        const failing = await checked({ create: "echo partial; exit 5" });
        await expect(provider.update("id", REMOTE, olds, failing)).rejects.toThrow(
            /^Process exited with status 5: running "echo partial; exit 5":\npartial\n$/,
        );
        // The old state, as stored, still describes the host: a retry runs from it.
        expect(
            (await provider.update("id", REMOTE, olds, await checked({ create: 'echo "after $PULUMI_COMMAND_STDOUT"' }))).outs.stdout,
        ).toBe("after v1");
    });
});
