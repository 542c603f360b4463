// The property-by-property difference between what Pulumi's state says a
// resource is (after a refresh: what the host really has) and what the
// program wants, as the engine's detailed diff: each changed path, whether
// it was added, deleted or updated, and whether the change replaces the
// resource. The CLI shows these paths with the old (live) and new values.
import { isDeepStrictEqual } from "node:util";
import { containsUnknown, reveal } from "./rpcValues";

export type DiffKind = "add" | "delete" | "update";

export interface PropertyChange {
    /** A property path as the engine reads it: `scheduler`, `realServers["192.168.2.101:80"].weight`. */
    path: string;
    kind: DiffKind;
    replace: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function child(path: string, key: string): string {
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function compare(path: string, olds: unknown, news: unknown, replace: boolean, out: PropertyChange[]): void {
    if (containsUnknown(news)) {
        out.push({ path, kind: olds === undefined ? "add" : "update", replace });
        return;
    }
    const a = reveal(olds) ?? undefined;
    const b = reveal(news) ?? undefined;
    if (isDeepStrictEqual(a, b)) return;
    if (isPlainObject(a) && isPlainObject(b)) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        for (const key of keys) compare(child(path, key), a[key], b[key], replace, out);
        return;
    }
    out.push({ path, kind: a === undefined ? "add" : b === undefined ? "delete" : "update", replace });
}

/**
 * The changes from `olds` (the state) to `news` (the checked inputs) over
 * the given properties; a change under a property in `replaceOn` replaces.
 */
export function detailedDiff(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    keys: readonly string[],
    replaceOn: readonly string[],
): PropertyChange[] {
    const out: PropertyChange[] = [];
    for (const key of keys) compare(key, olds[key], news[key], replaceOn.includes(key), out);
    return out;
}
