import { describe, expect, it } from "vitest";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { diffCommand } from "../../toolchain/plugins/command/src/diff";

const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
const connection = { host: "10.0.0.1", port: 22, user: "root", dialErrorLimit: 10, perDialTimeout: 15 };
const base = { create: "echo hi", delete: "echo bye", connection: secret(connection), triggers: ["a"] };
const stored = { ...base, stdout: "hi", stderr: "" };

describe("diff of command:remote:Command (official provider's rules)", () => {
    it.each([
        ["nothing changed", {}, { changes: false, replaces: [] }],
        ["create changed", { create: "echo new" }, { changes: true, replaces: [] }],
        ["update added", { update: "echo upd" }, { changes: true, replaces: [] }],
        ["delete changed", { delete: "echo gone" }, { changes: true, replaces: [] }],
        ["connection host changed", { connection: secret({ ...connection, host: "10.0.0.2" }) }, { changes: true, replaces: [] }],
        ["environment added", { environment: { A: "1" } }, { changes: true, replaces: [] }],
        ["stdin added", { stdin: "data" }, { changes: true, replaces: [] }],
        ["logging changed", { logging: "none" }, { changes: true, replaces: [] }],
        ["triggers changed", { triggers: ["b"] }, { changes: true, replaces: ["triggers"] }],
        ["triggers removed", { triggers: undefined }, { changes: true, replaces: ["triggers"] }],
        ["triggers and create changed", { triggers: ["b"], create: "x" }, { changes: true, replaces: ["triggers"] }],
        ["create unknown in preview", { create: unknownValue }, { changes: true, replaces: [] }],
        ["trigger unknown in preview", { triggers: [unknownValue] }, { changes: true, replaces: ["triggers"] }],
        ["same values, connection not marked secret", { connection }, { changes: false, replaces: [] }],
    ])("%s", (_name, change, expected) => {
        const result = diffCommand("remote", stored, { ...base, ...change });
        expect(result).toEqual({ ...expected, deleteBeforeReplace: false });
    });

    it("ignores outputs: a different stored stdout is not a change", () => {
        expect(diffCommand("remote", { ...stored, stdout: "other" }, base).changes).toBe(false);
    });
});

describe("diff of command:local:Command", () => {
    it.each([
        ["interpreter changed", { interpreter: ["/bin/bash", "-c"] }, true],
        ["dir changed", { dir: "/tmp" }, true],
        ["nothing changed", {}, false],
    ])("%s", (_name, change, changes) => {
        const old = { create: "true", interpreter: ["/bin/sh", "-c"] };
        expect(diffCommand("local", { ...old, stdout: "" }, { ...old, ...change }).changes).toBe(changes);
    });
});
