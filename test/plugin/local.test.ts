// The plugin's command:local:Command, run for real.
import { describe, expect, it } from "vitest";
import { CommandProvider } from "../../toolchain/plugins/command/src/provider";
import { SshPool } from "../../pluginKit/ssh";

const URN = "urn:pulumi:test::lvs::command:local:Command::local-step";
const provider = new CommandProvider(new SshPool(() => undefined), () => undefined);

describe("command:local:Command", () => {
    it("runs with /bin/sh -c by default, in `dir`, with `environment` and stdin", async () => {
        const { outs } = await provider.create(URN, {
            create: 'echo "$(pwd) $LVS_X $(cat)"',
            dir: "/tmp",
            environment: { LVS_X: "x" },
            stdin: "in",
        });
        expect(outs.stdout).toBe("/tmp x in");
    });

    it("uses the given interpreter", async () => {
        const { outs } = await provider.create(URN, { create: "print('py')", interpreter: ["python3", "-c"] });
        expect(outs.stdout).toBe("py");
    });

    it("fails with Go's exit-status wording and the combined output", async () => {
        await expect(provider.create(URN, { create: "echo oops; exit 2" })).rejects.toThrow(
            'exit status 2: running "echo oops; exit 2":\noops\n',
        );
    });
});
