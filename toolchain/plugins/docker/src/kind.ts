// What each served resource type supplies to the server: its inputs (checked,
// with the official provider's defaults), which input changes update in place,
// and its Docker Engine API calls.
import type Dockerode from "dockerode";
import { z } from "zod";

export type Props = Record<string, unknown>;

export interface ResourceKind {
    /** The type token, e.g. `docker:index/network:Network`. */
    readonly token: string;
    /** The inputs: unknown keys fail (they are not served here), defaults are filled in. */
    readonly schema: z.ZodType<Props>;
    /** Inputs that change in place; a change to any other input replaces the resource. */
    readonly updatable: ReadonlySet<string>;
    /** Optional+Computed inputs: left out of the program, they keep whatever the state holds. */
    readonly computed: ReadonlySet<string>;
    /**
     * Optional inputs that are not Computed, with the value their absence stands for: as the Terraform SDK
     * compares them, left out is the zero value (`false`, `0`, empty), so a read-back zero is no change, and
     * a value the program stops giving is a change (for most of them, a replacement).
     */
    readonly zeroValues?: Readonly<Props>;
    /** The resource's ID from its state, when a read recomputes it (RemoteImage: image ID + name). */
    idOf?(state: Props): string;
    /** Whether `name` is generated when the program leaves it out. */
    readonly autonamed: boolean;
    /** Whether a replacement deletes the old resource first. */
    deleteBeforeReplace(olds: Props, autonamedName: boolean): boolean;
    create(docker: Dockerode, inputs: Props): Promise<{ id: string; outs: Props }>;
    /** The live state, or undefined when the object is gone (the engine then drops it). */
    read(docker: Dockerode, id: string, state: Props): Promise<Props | undefined>;
    update(docker: Dockerode, id: string, olds: Props, news: Props): Promise<Props>;
    delete(docker: Dockerode, id: string, state: Props): Promise<void>;
}

/** An error of a step that ran after the object was created: the state keeps the object. */
export class PartialCreateError extends Error {
    constructor(
        message: string,
        readonly id: string,
        readonly outs: Props,
    ) {
        super(message);
    }
}

/** The HTTP status of a Docker Engine API error (dockerode's `statusCode`). */
export function statusOf(err: unknown): number | undefined {
    return (err as { statusCode?: number }).statusCode;
}

/** Runs a call whose "not found" answer means there is nothing left to do. */
export async function ignoringNotFound(call: () => Promise<unknown>): Promise<void> {
    try {
        await call();
    } catch (err) {
        if (statusOf(err) !== 404) throw err;
    }
}

/** The Engine API's label map as `[{label, value}]`, in label order. */
export function labelList(labels: Record<string, string> | null | undefined): { label: string; value: string }[] {
    return Object.entries(labels ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, value]) => ({ label, value }));
}

/** `[{label, value}]` as the Engine API's label map. */
export function labelMap(labels: unknown): Record<string, string> | undefined {
    if (!Array.isArray(labels)) return undefined;
    return Object.fromEntries((labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
}

export const labelsSchema = z.array(z.object({ label: z.string(), value: z.string() }).strict());
