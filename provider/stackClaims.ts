// Which stack manages a host. Each resource that changes a host (its packages
// aside: a package is the host's, fact.ts's claimsHost) leaves a claim
// there, an empty file named after its project, stack and resource under
// /var/lib/pulumi-lvs/.claims, and takes it away when it is deleted. When a
// stack first checks a resource of a host, it reads the claims: another
// stack's claim stops the preview with an error naming that stack, instead of
// the two stacks taking turns on the host's addresses, pages and settings
// (pulumi-lvs does not share a host between stacks; README, "Limits").
import { sh } from "../src/shell";
import { STATE_ROOT } from "../src/hostScript";
import type { Transport } from "./host";

/** Where the claims are: beside the hosts' state directories, removed with the last claim. */
export const CLAIMS_DIR = `${STATE_ROOT}/.claims`;

/** A stack as the engine names it in a resource's URN: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export interface StackIdentity {
    project: string;
    stack: string;
}

export interface Claim extends StackIdentity {
    /** The resource that holds the claim. */
    resource: string;
}

const SEPARATOR = "~";

/** A part of a claim's file name: what a name could hold besides letters, digits, `_`, `.` and `-` becomes `_`. */
function safe(part: string): string {
    return part.replace(/[^A-Za-z0-9_.-]/g, "_");
}

export function claimOf(urn: string): Claim {
    const [head, project = "", , resource = ""] = urn.split("::");
    return { stack: head!.split(":").pop() ?? "", project, resource };
}

/** The claim's file name: `<project>~<stack>~<resource>`. */
export function claimFileName(claim: Claim): string {
    return [claim.project, claim.stack, claim.resource].map(safe).join(SEPARATOR);
}

/** What a resource's first script on a host starts with when it changes the host (`apply`) or undoes it (`delete`). */
export function claimPrefix(claim: Claim, op: "apply" | "delete"): string {
    const file = `${CLAIMS_DIR}/${claimFileName(claim)}`;
    return op === "apply"
        ? sh`[ -d ${CLAIMS_DIR} ] || mkdir -p ${CLAIMS_DIR}; : > ${file}`
        : sh`rm -f ${file}; rmdir ${CLAIMS_DIR} ${STATE_ROOT} 2>/dev/null || true`;
}

/** Lists the claims on a host, one `claim NAME` line each (builtins only: a refresh's cost). */
export const READ_CLAIMS_SCRIPT = sh`for c in ${CLAIMS_DIR}/*; do [ -e "$c" ] && echo "claim \${c##*/}"; done; true`;

/** The first claim READ_CLAIMS_SCRIPT listed that belongs to a stack other than `ours`. */
export function otherStackClaim(stdout: string, ours: StackIdentity): Claim | undefined {
    const own = `${safe(ours.project)}${SEPARATOR}${safe(ours.stack)}${SEPARATOR}`;
    for (const m of stdout.matchAll(/^claim (\S+)$/gm)) {
        if (m[1]!.startsWith(own)) continue;
        const [project = "", stack = "", ...resource] = m[1]!.split(SEPARATOR);
        return { project, stack, resource: resource.join(SEPARATOR) };
    }
    return undefined;
}

/** Why a stack may not change a host another stack manages, and what to do (`host`: how errors name it). */
export function sharedHostProblem(host: string, other: Claim): string {
    return (
        `${host}: this host is managed by another stack, ${other.project}/${other.stack} (its resource ${other.resource}, ` +
        "among others): pulumi-lvs does not share a host between stacks, whose destroy would take away what the other " +
        "still serves; put this stack's services into that stack's lvs:virtualServices, or destroy it first (a stack " +
        `that is gone for good leaves its claims in ${CLAIMS_DIR} on the host: remove them there)`
    );
}

/**
 * `transport` with the resource's claim made (or taken away) by its first script: a change of the host and its
 * claim go together, and cost no session of their own.
 */
export function claiming(transport: Transport, claim: Claim, op: "apply" | "delete"): Transport {
    let first = true;
    return {
        label: transport.label,
        run(script, stdin, options) {
            if (!first) return transport.run(script, stdin, options);
            first = false;
            return transport.run(`${claimPrefix(claim, op)}\n${script}`, stdin, options);
        },
    };
}
