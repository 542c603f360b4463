// The plugin's command:remote:Command against a real OpenSSH server on loopback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { CommandProvider } from "../../toolchain/plugins/command/src/provider";
import { SshPool } from "../../pluginKit/ssh";
import { freePort } from "../support/ports";
import { Sshd, startSshd } from "../support/sshd";

const URN = "urn:pulumi:test::lvs::lvs:index:Director$command:remote:Command::director-step";
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

let sshd: Sshd;
let pool: SshPool;
let provider: CommandProvider;
const logged: string[] = [];
const statuses: string[] = [];

function connection(extra: Record<string, unknown> = {}) {
    return secret({ host: sshd.host, port: sshd.port, user: sshd.user, privateKey: sshd.privateKey, ...extra });
}

/** Inputs as the engine hands them over: after the provider's own Check. */
async function checked(news: Record<string, unknown>) {
    const { inputs, failures } = await provider.check(URN, {}, { connection: connection(), ...news });
    expect(failures).toEqual([]);
    return inputs as Record<string, unknown>;
}

beforeAll(async () => {
    sshd = await startSshd({ acceptEnv: ["LVS_*", "PULUMI_COMMAND_*"] });
    pool = new SshPool((m) => statuses.push(m));
    provider = new CommandProvider(pool, (_urn, line) => logged.push(line));
});

afterAll(async () => {
    pool?.close();
    await sshd?.stop();
});

describe("command:remote:Command over SSH", () => {
    it("create runs the command, splits stdout and stderr, trims one trailing newline and echoes inputs", async () => {
        const inputs = await checked({ create: "printf 'out\\n\\n'; echo err >&2" });
        const { id, outs } = await provider.create(URN, inputs);
        expect(id).toMatch(/^director-step[0-9a-f]{8}$/);
        expect(outs.stdout).toBe("out\n");
        expect(outs.stderr).toBe("err");
        expect(outs.create).toBe(inputs.create);
        expect(outs.connection).toEqual(inputs.connection);
        expect(outs.connection[specialSigKey]).toBe(specialSecretSig);
        expect(logged).toEqual(expect.arrayContaining(["out", "err"]));
    });

    it("without a create command runs nothing and does not dial", async () => {
        const inputs = (await provider.check(URN, {}, { connection: secret({ host: "127.0.0.1", port: await freePort() }) })).inputs;
        const { outs } = await provider.create(URN, inputs);
        expect(outs).toMatchObject({ stdout: "", stderr: "" });
    });

    it("a failing command fails the step with the official message and its combined output", async () => {
        const inputs = await checked({ create: "echo partial; echo broken >&2; exit 3" });
        await expect(provider.create(URN, inputs)).rejects.toThrow(
            'Process exited with status 3: running "echo partial; echo broken >&2; exit 3":\npartial\nbroken\n',
        );
    });

    it("passes stdin and environment (sent with SSH setenv)", async () => {
        const inputs = await checked({ create: 'echo "$LVS_ROLE:$(cat)"', stdin: "from-stdin", environment: { LVS_ROLE: "director" } });
        expect((await provider.create(URN, inputs)).outs.stdout).toBe("director:from-stdin");
    });

    it("update runs `update` when set, else `create`, with the previous output in the environment", async () => {
        const first = await checked({ create: "echo v1" });
        const { outs: olds } = await provider.create(URN, first);
        const withUpdate = await checked({ create: "echo v2", update: 'echo "updated after $PULUMI_COMMAND_STDOUT"' });
        expect((await provider.update("id", URN, olds, withUpdate)).outs.stdout).toBe("updated after v1");
        const withoutUpdate = await checked({ create: 'echo "v2 after $PULUMI_COMMAND_STDOUT"' });
        expect((await provider.update("id", URN, olds, withoutUpdate)).outs.stdout).toBe("v2 after v1");
        const noPrevious = await checked({ create: 'echo "[$PULUMI_COMMAND_STDOUT]"', addPreviousOutputInEnv: false });
        expect((await provider.update("id", URN, olds, noPrevious)).outs.stdout).toBe("[]");
    });

    it("update with neither update nor create keeps the previous output", async () => {
        const olds = { ...(await checked({ create: "echo keep" })), stdout: "keep", stderr: "" };
        const { outs } = await provider.update("id", URN, olds, await checked({}));
        expect(outs.stdout).toBe("keep");
    });

    it("delete runs `delete` with the stored inputs and output", async () => {
        const { outs } = await provider.create(
            URN,
            await checked({ create: "echo stored", delete: 'echo "$PULUMI_COMMAND_STDOUT" >&2; exit 4' }),
        );
        // The failing delete proves it ran, with the stored stdout in its environment.
        await expect(provider.delete("id", URN, outs)).rejects.toThrow(/Process exited with status 4: running .*:\nstored\n/);
    });

    it("reuses one SSH connection per host within a run", async () => {
        const client = () => checked({ create: 'echo "$SSH_CLIENT" | cut -d" " -f2' });
        const a = (await provider.create(URN, await client())).outs.stdout;
        const b = (await provider.create(URN, await client())).outs.stdout;
        expect(a).toMatch(/^\d+$/);
        expect(b).toBe(a);
    });

    it("checks the host key when one is given", async () => {
        const good = await checked({ create: "echo trusted", connection: connection({ hostKey: sshd.hostKey }) });
        expect((await provider.create(URN, good)).outs.stdout).toBe("trusted");
        const wrongKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDwrongwrongwrongwrongwrongwrongwrongwrong00";
        const bad = await checked({ create: "echo never", connection: connection({ hostKey: wrongKey, dialErrorLimit: 1 }) });
        await expect(provider.create(URN, bad)).rejects.toThrow(/Dial 1\/1 failed/);
    });

    it("retries a failing dial up to dialErrorLimit, reporting each retry", async () => {
        const closed = await freePort();
        const inputs = await checked({ create: "true", connection: secret({ host: "127.0.0.1", port: closed, dialErrorLimit: 3 }) });
        statuses.length = 0;
        await expect(provider.create(URN, inputs)).rejects.toThrow(/^Dial 3\/3 failed: .*ECONNREFUSED/);
        expect(statuses).toEqual(["Dial 1/3 failed: retrying", "Dial 2/3 failed: retrying"]);
    });

    it("logs only the streams that `logging` selects", async () => {
        logged.length = 0;
        await provider.create(URN, await checked({ create: "echo to-out; echo to-err >&2", logging: "stderr" }));
        expect(logged).toEqual(["to-err"]);
    });
});
