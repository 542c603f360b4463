// Diff as the official provider's bridge computes it: a change to an
// updatable input updates in place, a change to any other input replaces;
// Optional+Computed inputs the program leaves out keep what the state holds;
// set-valued inputs (networks, uploads, labels, ...) ignore order.
import { detailedDiff } from "../../../../pluginKit/diff";
import { Props, ResourceKind } from "./kind";

export interface DiffOutcome {
    changes: boolean;
    /** Top-level inputs whose change replaces the resource. */
    replaces: string[];
    /** Top-level inputs that changed. */
    diffs: string[];
    deleteBeforeReplace: boolean;
}

const SET_VALUED = new Set(["networksAdvanced", "uploads", "labels", "envs", "ipamConfigs", "aliases", "adds", "drops"]);

/** Values as the bridge compares them: sets in any order, and inside a block an empty list the same as none. */
function canonical(value: unknown, key = ""): unknown {
    if (Array.isArray(value)) {
        const items = value.map((v) => canonical(v));
        return SET_VALUED.has(key) ? [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : items;
    }
    if (typeof value === "object" && value !== null)
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => !(Array.isArray(v) && v.length === 0) && v !== null)
                .map(([k, v]) => [k, canonical(v, k)]),
        );
    return value;
}

/** The resource type's input properties (what a diff compares; the rest of the state is outputs). */
function inputKeys(kind: ResourceKind): string[] {
    return Object.keys((kind.schema as unknown as { shape: object }).shape);
}

/** Whether a name is the bridge's autoname for this resource: `<resource name>-<7 hex>`. */
export function isAutonamed(name: unknown, resourceName: string): boolean {
    if (typeof name !== "string" || !name.startsWith(`${resourceName}-`)) return false;
    return /^[0-9a-f]{7}$/.test(name.slice(resourceName.length + 1));
}

/** Inputs left out as the Terraform SDK sees them: the zero value of each optional one that is not Computed. */
function withZeroValues(kind: ResourceKind, props: Props): Props {
    const filled = { ...props };
    for (const [key, zero] of Object.entries(kind.zeroValues ?? {})) if (filled[key] === undefined || filled[key] === null) filled[key] = zero;
    return filled;
}

export function diffResource(kind: ResourceKind, resourceName: string, olds: Props, news: Props): DiffOutcome {
    const keys = inputKeys(kind).filter((k) => !(kind.computed.has(k) && news[k] === undefined));
    const changes = detailedDiff(
        canonical(withZeroValues(kind, olds)) as Props,
        canonical(withZeroValues(kind, news)) as Props,
        keys,
        keys.filter((k) => !kind.updatable.has(k)),
    );
    const top = (path: string) => path.split(/[.[]/)[0]!;
    const replaces = [...new Set(changes.filter((c) => c.replace).map((c) => top(c.path)))];
    return {
        changes: changes.length > 0,
        replaces,
        diffs: [...new Set(changes.map((c) => top(c.path)))],
        deleteBeforeReplace: replaces.length > 0 && kind.deleteBeforeReplace(olds, isAutonamed(olds.name, resourceName)),
    };
}
