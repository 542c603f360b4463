// Argument types made from plain ones: each value may be given as a Pulumi
// input (a value, a promise or another resource's output). The pure schemas
// (src/) declare each field once; the SDK's and the components' argument
// types are these mappings of their input types.
import type * as pulumi from "./pulumiCore";

/** A value, or a promise or output of it, at every level of an object or list. */
export type InputOf<T> = pulumi.Input<T extends (infer U)[] ? InputOf<U>[] : T extends object ? { [K in keyof T]: InputOf<T[K]> } : T>;

/** An object whose every field may be an input (the object itself stays plain: its keys are known when declared). */
export type InputFields<T> = { [K in keyof T]: InputOf<T[K]> };
