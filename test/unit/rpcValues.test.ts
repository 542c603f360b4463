// The provider writes the engine's wire signatures out instead of loading the
// SDK module that defines them (see pluginKit/rpcValues.ts); they must agree.
import * as sdk from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import * as ours from "../../pluginKit/rpcValues";

describe("the provider's wire signatures", () => {
    it("are the SDK's", () => {
        expect([ours.specialSigKey, ours.specialSecretSig, ours.specialOutputValueSig, ours.unknownValue]).toEqual([
            sdk.specialSigKey,
            sdk.specialSecretSig,
            sdk.specialOutputValueSig,
            sdk.unknownValue,
        ]);
    });
});
