// Hosts the stack's settings say are gone for good (`lvs:forget`): the
// provider never contacts them again. A refresh drops their resources from the
// state, a delete drops them without running anything, and whatever pulumi-lvs
// had put on such a host stays there, as a warning for each resource says.
//
// The setting is read from the environment the engine starts the plugin with:
// PULUMI_CONFIG holds the current stack's settings of the provider's package
// (`{"forget": "[\"rs2\"]"}`) at every run. Configure is no use here: a refresh
// and a destroy configure the provider with the settings recorded at the last
// up, which cannot list a host that died since (measured on the engine).
import { forgetSchema } from "../src/spec";

/** The setting as the stack names it. */
export const FORGET_SETTING = "lvs:forget";

/** The host names `lvs:forget` lists, from the plugin's environment; a bad value names the setting and the fix. */
export function forgottenHosts(env: NodeJS.ProcessEnv): ReadonlySet<string> {
    let settings: Record<string, unknown> = {};
    try {
        settings = JSON.parse(env.PULUMI_CONFIG ?? "{}") as Record<string, unknown>;
    } catch {
        // Not the engine's: no settings.
    }
    const value = settings.forget;
    return parseForgotten(value === undefined || typeof value === "string" ? value : JSON.stringify(value));
}

/** The setting's value as the engine passes it (a list as its JSON text), checked as the program checks it. */
export function parseForgotten(value: string | undefined): ReadonlySet<string> {
    if (value === undefined || value === "") return new Set();
    let list: unknown = value;
    try {
        list = JSON.parse(value);
    } catch {
        // Not JSON: a plain string, which the schema refuses as a list.
    }
    const parsed = forgetSchema.safeParse(list);
    if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${FORGET_SETTING}${i.path.map((p) => `[${String(p)}]`).join("")}: ${i.message}`);
        throw new Error(problems.join("; "));
    }
    return new Set(parsed.data);
}

/** What a resource on a forgotten host tells the user instead of contacting it. */
export function forgottenWarning(hostName: string, resource: string, operation: "read" | "delete"): string {
    const what = operation === "read" ? "leaves the stack's state" : "is deleted from the stack's state only";
    return (
        `${hostName} is listed in ${FORGET_SETTING}: not contacted; ${resource} ${what}, ` +
        `and whatever it put on ${hostName} stays there (see the README: a host that is gone)`
    );
}

/** Why a forgotten host cannot get a resource. */
export function forgottenRefusal(hostName: string, resource: string): string {
    return (
        `${resource}: ${hostName} is listed in ${FORGET_SETTING}, so pulumi-lvs does not contact it: take it out of ` +
        `${FORGET_SETTING} to manage it again, or remove its resources from the program`
    );
}
