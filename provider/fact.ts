// What the provider knows of each resource type: the shape of its desired
// state (checked with the same rules as the cluster spec), which changes
// replace it, and how to create, read back, update and delete it on a host.
// The provider's diff compares the desired state with the state in Pulumi's
// view, which a refresh (read) sets to what the host really has: that is how
// drift shows up in a preview, property by property.
import { z } from "zod";
import type { FactScripts } from "../src/hostScript";
import { runScript, Transport } from "./host";

/** What a fact's operations get besides the host: progress and warnings for the engine. */
export interface FactContext {
    transport: Transport;
    /** A status line shown while the step runs. */
    status(message: string): void;
    /** A warning kept in the summary. */
    warn(message: string): void;
}

/** Desired state (the resource's inputs, without the connection) as plain data. */
export type Props = Record<string, unknown>;

export interface Fact<D extends Props = Props> {
    /** The resource type token, e.g. `lvs:host:Sysctls`. */
    type: string;
    /** Validates the desired state and fills in what is implied (e.g. `running: true`). */
    schema: z.ZodType<D>;
    /**
     * What the checked state implies and no program gives, filled in at the check (keepalived.conf, rendered
     * from the services), so that the diff compares it with what a refresh read back.
     */
    derive?(desired: D): Partial<D>;
    /**
     * Properties that stay Pulumi secrets in the state and in every diff, whatever the program marked, each as
     * its path (`["vrrp", "password"]`), as the connection does.
     */
    secretPaths?: readonly (readonly string[])[];
    /**
     * False when the resource's changes do not claim the host for its stack (stackClaims.ts): a package, which
     * any stack on the host may need and none removes while it is in use. Default: true.
     */
    claimsHost?: false;
    /** Top-level properties whose change replaces the resource (a different thing on the host). */
    replaceOn: readonly string[];
    /** Names the host in messages and scripts: the desired state's `name`. */
    hostName(desired: D): string;
    /** Converges the host; returns extra outputs (besides the desired state). */
    create(ctx: FactContext, desired: D): Promise<Props>;
    /**
     * Converges the host from the state `olds` (as the last refresh read it) to `desired`; `declaredBefore`:
     * the inputs the program gave before, when the engine sends them. Returns extra outputs.
     */
    update(ctx: FactContext, olds: D, desired: D, declaredBefore?: D): Promise<Props>;
    /** What the host has, in the desired state's shape (only the properties that can be read back are replaced). */
    read(ctx: FactContext, state: D): Promise<Props>;
    /** Undoes what create and update did. */
    delete(ctx: FactContext, state: D): Promise<void>;
}

export function defineFact<D extends Props>(fact: Fact<D>): Fact<D> {
    return fact;
}

/** A fact run through its three scripts, with its read parsed into the desired state's shape. */
export function scripted<D extends Props>(
    fact: Omit<Fact<D>, "create" | "update" | "read" | "delete"> & { scripts(d: D): FactScripts; live(stdout: string, state: D): Props },
): Fact<D> {
    const apply = async (ctx: FactContext, d: D) => {
        const s = fact.scripts(d);
        await runScript(ctx.transport, `${fact.type.split(":").pop()} apply`, s.apply, ctx.warn, s.stdin);
        return {};
    };
    return defineFact<D>({
        ...fact,
        create: apply,
        update: (ctx, _olds, d) => apply(ctx, d),
        async read(ctx, state) {
            const stdout = await runScript(ctx.transport, "read", fact.scripts(state).read, ctx.warn);
            return fact.live(stdout, state);
        },
        async delete(ctx, state) {
            await runScript(ctx.transport, `${fact.type.split(":").pop()} delete`, fact.scripts(state).remove, ctx.warn);
        },
    });
}
