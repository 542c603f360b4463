// Helpers for Input-typed arguments: a deep Input type, and validation that
// runs at once when every value is known (an error before anything is
// declared) or, for values computed by other resources, as soon as they are,
// before any host resource can use them.
import * as pulumi from "../resources/pulumiCore";
import type { InputOf } from "../resources/inputTypes";
import type { Checked } from "../src/validate";

/** True when no Output or Promise hides anywhere in `value` (it can be checked right away). */
export function isKnown(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
    if (Array.isArray(value)) return value.every(isKnown);
    if (typeof value === "object" && value !== null) return Object.values(value).every(isKnown);
    return true;
}

/**
 * An error whose message stays as written. An error raised while a resource's
 * inputs are resolved reaches every resource built from them, and the SDK
 * prefixes its message with `error serializing property ...` each time; the
 * user should read the problem, once.
 */
export function withFixedMessage<E extends Error>(error: E): E {
    const message = error.message;
    Object.defineProperty(error, "message", { get: () => message, set: () => undefined, configurable: true });
    // Its stack is never shown (the message is the whole story); left to be formatted lazily, the SDK's source-map
    // support spends tens of seconds on it when the error surfaces from an apply.
    Object.defineProperty(error, "stack", { value: `${error.name}: ${message}`, writable: true, configurable: true });
    // The SDK inspects an uncaught error for its traces; the resource it points at is a whole graph of outputs.
    if ("resource" in error)
        Object.defineProperty(error, "resource", { value: (error as { resource?: unknown }).resource, enumerable: false });
    return error;
}

/** The error a component raises for bad arguments: every problem, and that nothing was changed. */
export function argumentsError(component: pulumi.Resource, what: string, problems: string[]): pulumi.ResourceError {
    return withFixedMessage(
        new pulumi.ResourceError(
            `Invalid ${what} (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
            component,
            /* hideStack */ true,
        ),
    );
}

/**
 * Resolves `args` and checks them with `check`, which also applies their
 * defaults: synchronously when all is known (throwing from the constructor),
 * else when the values arrive (the returned output then fails, and so does
 * every resource built from it). The output is the checked value.
 */
export function checked<In, T>(
    component: pulumi.Resource,
    what: string,
    args: InputOf<In>,
    check: (value: In) => Checked<T>,
): pulumi.Output<T> {
    const run = (value: In): T => {
        const result = check(value);
        if (!result.value) throw argumentsError(component, what, result.problems);
        return result.value;
    };
    if (isKnown(args)) return pulumi.output(run(args as In)) as pulumi.Output<T>;
    const out = (pulumi.output(args) as unknown as pulumi.Output<In>).apply(run) as pulumi.Output<T>;
    // The failure is reported through the resources built from it; observed here too, Node does not also
    // warn about a rejection "handled asynchronously".
    const internals = out as unknown as { promise(): Promise<unknown>; isKnown: Promise<boolean>; isSecret: Promise<boolean> };
    for (const p of [internals.promise(), internals.isKnown, internals.isSecret]) p.catch(() => undefined);
    return out;
}

/**
 * Each of `keys` of an output's value, as an output of its own: for arguments whose object must stay plain
 * (a resource's properties, a component's per-service arguments) while their values come from one output.
 */
export function fieldsOf<T, K extends keyof T>(value: pulumi.Output<T>, keys: readonly K[]): { [P in K]: pulumi.Output<T[P]> } {
    return Object.fromEntries(keys.map((key) => [key, value.apply((v) => v[key])])) as unknown as { [P in K]: pulumi.Output<T[P]> };
}

/** `fn` of a value: at once when it is known, else once it is. */
export function mapInput<V, U>(value: V, fn: (value: pulumi.Unwrap<V>) => U): U | pulumi.Output<U> {
    if (isKnown(value)) return fn(value as pulumi.Unwrap<V>);
    return pulumi.output(value).apply((v) => fn(v as pulumi.Unwrap<V>)) as pulumi.Output<U>;
}

/**
 * Resources a component's host changes wait for, which may be declared after
 * the component: the packages of a whole cluster, every host's, so that a host
 * whose apt fails leaves every host unchanged. A promise, resolved once the
 * cluster has declared them all.
 */
export type ChangesAfter = pulumi.Resource[] | Promise<pulumi.Resource[]>;

/** `dependsOn` for a host change: its own prerequisites, and what the whole cluster's changes wait for. */
export function changeDependsOn(own: pulumi.Resource[], after?: ChangesAfter): pulumi.Input<pulumi.Resource[]> {
    return after === undefined ? own : Promise.resolve(after).then((all) => [...own, ...all]);
}
