// The offline command plugin through the real engine, as a program of a
// user's that uses `@pulumi/command` runs it with this toolchain: found as an
// installed plugin (the toolchain's own Pulumi home), so the CLI does not warn
// about a plugin on $PATH, and the command runs, updates and is deleted.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "@pulumi/pulumi/automation";
import { devStack, javaScriptProgram } from "../support/pulumi";

let base: string;
let stack: Stack;

beforeAll(async () => {
    base = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-command-"));
    stack = await devStack(
        base,
        javaScriptProgram(
            base,
            "uses-command",
            [
                'const pulumi = require("@pulumi/pulumi");',
                'const { local } = require("@pulumi/command");',
                'const text = new pulumi.Config().get("text") ?? "first";',
                'const cmd = new local.Command("hello", { create: `echo ${text}`, delete: "true" });',
                "exports.stdout = cmd.stdout;",
                "",
            ].join("\n"),
        ),
    );
});

afterAll(() => {
    if (base) rmSync(base, { recursive: true, force: true });
});

describe("a program using @pulumi/command, with the toolchain", () => {
    it("runs, updates and deletes a command through the plugin, without a warning about $PATH", async () => {
        const up = await stack.up();
        expect(up.outputs.stdout!.value).toBe("first");
        await stack.setConfig("text", { value: "second" });
        const update = await stack.up();
        expect(update.outputs.stdout!.value).toBe("second");
        expect(update.summary.resourceChanges).toEqual({ update: 1, same: 1 });
        const destroy = await stack.destroy();
        for (const output of [up.stdout, up.stderr, update.stdout, destroy.stdout]) expect(output).not.toMatch(/from \$PATH/);
    });
});
