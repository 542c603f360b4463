// Helpers for the raw property values the engine sends to a provider.
//
// The SDK's generic provider server (`@pulumi/pulumi/provider`) accepts secrets,
// so inputs arrive as plain JSON in which a secret is an object
// `{ [specialSigKey]: specialSecretSig, value }` and an unknown (preview) value
// is the string `unknownValue`. Nothing is deserialized for us, so the provider
// unwraps values to work with them and must hand secrets back wrapped.
import { specialOutputValueSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

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

export { unknownValue };
