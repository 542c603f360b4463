// Helpers for the raw property values the engine sends to a provider.
//
// The SDK's generic provider server (`@pulumi/pulumi/provider`) accepts secrets,
// so inputs arrive as plain JSON in which a secret is an object
// `{ [specialSigKey]: specialSecretSig, value }` and an unknown (preview) value
// is the string `unknownValue`. Nothing is deserialized for us, so the provider
// unwraps values to work with them and must hand secrets back wrapped.

// The engine's wire signatures, as `@pulumi/pulumi/runtime/rpc` defines them
// (test/unit/rpcValues.test.ts holds them to it). Not imported from there:
// that module loads much of the SDK, and the engine starts this plugin twice
// in every run, each time before the first resource can be read.
export const specialSigKey = "4dabf18193072939515e22adb298388d";
export const specialSecretSig = "1b47061264138c4ac30d75fd1eb44270";
export const specialOutputValueSig = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isSecretWrapper(value: unknown): value is { value?: unknown } {
    return isObject(value) && value[specialSigKey] === specialSecretSig;
}

function isOutputValue(value: unknown): value is { value?: unknown; secret?: boolean } {
    return isObject(value) && value[specialSigKey] === specialOutputValueSig;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Wraps a value as an engine secret. */
export function secret<T>(value: T): { [specialSigKey]: string; value: T } {
    return { [specialSigKey]: specialSecretSig, value };
}

/** True when the value, or anything inside it, is marked secret. */
export function containsSecret(value: unknown): boolean {
    if (isSecretWrapper(value)) return true;
    if (isOutputValue(value)) return value.secret === true || containsSecret(value.value);
    if (Array.isArray(value)) return value.some(containsSecret);
    if (isObject(value)) return Object.values(value).some(containsSecret);
    return false;
}

/** True when the value, or anything inside it, is not known yet (a preview of a value computed later). */
export function containsUnknown(value: unknown): boolean {
    if (value === unknownValue) return true;
    if (isSecretWrapper(value)) return containsUnknown(value.value);
    if (isOutputValue(value)) return !("value" in value) || containsUnknown(value.value);
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (isObject(value)) return Object.values(value).some(containsUnknown);
    return false;
}

/** Removes every secret and output-value wrapper, leaving the plain value. */
export function reveal(value: unknown): Json | undefined {
    if (isSecretWrapper(value) || isOutputValue(value)) return reveal(value.value);
    if (Array.isArray(value)) return value.map((v) => reveal(v) ?? null);
    if (isObject(value)) {
        const out: { [key: string]: Json } = {};
        for (const [k, v] of Object.entries(value)) {
            const plain = reveal(v);
            if (plain !== undefined) out[k] = plain;
        }
        return out;
    }
    return value as Json | undefined;
}
