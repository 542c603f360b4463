import { describe, expect, it } from "vitest";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { checkInputs } from "../../toolchain/plugins/command/src/inputs";

const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

describe("check", () => {
    it("applies the official connection defaults and keeps the connection secret", () => {
        const { inputs, failures } = checkInputs("remote", { create: "true", connection: { host: "h" } });
        expect(failures).toEqual([]);
        expect(inputs.connection).toEqual(secret({ host: "h", port: 22, user: "root", dialErrorLimit: 10, perDialTimeout: 15 }));
    });

    it("keeps explicit connection values and fills the proxy's defaults", () => {
        const { inputs } = checkInputs("remote", {
            connection: secret({ host: "h", port: 2222, user: "admin", dialErrorLimit: -1, proxy: { host: "bastion" } }),
        });
        expect(inputs.connection).toEqual(
            secret({
                host: "h",
                port: 2222,
                user: "admin",
                dialErrorLimit: -1,
                perDialTimeout: 15,
                proxy: { host: "bastion", port: 22, user: "root", dialErrorLimit: 10, perDialTimeout: 15 },
            }),
        );
    });

    it.each([
        ["missing connection", {}, "connection", "missing required property 'connection'"],
        ["missing host", { connection: { port: 22 } }, "connection.host", "missing required property 'connection.host'"],
        ["port of the wrong type", { connection: { host: "h", port: "22" } }, "connection.port", "connection.port must be a number"],
        ["create not a string", { connection: { host: "h" }, create: 3 }, "create", "create must be a string"],
        [
            "unknown logging mode",
            { connection: { host: "h" }, logging: "all" },
            "logging",
            "logging must be one of stdout, stderr, stdoutAndStderr, none",
        ],
        [
            "environment not strings",
            { connection: { host: "h" }, environment: { A: 1 } },
            "environment",
            "environment must be a map of strings",
        ],
    ])("rejects %s", (_name, news, property, reason) => {
        expect(checkInputs("remote", news as Record<string, unknown>).failures ?? []).toEqual([{ property, reason }]);
    });

    it("accepts unknown values during preview", () => {
        const { failures, inputs } = checkInputs("remote", { create: unknownValue, connection: unknownValue });
        expect(failures).toEqual([]);
        expect(inputs.connection).toBe(unknownValue);
    });

    it("refuses local asset collection, which this plugin does not implement", () => {
        expect(checkInputs("local", { create: "true", assetPaths: ["*.txt"] }).failures?.[0]?.property).toBe("assetPaths");
    });
});
