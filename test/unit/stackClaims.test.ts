// Which stack manages a host: the claims a change leaves (run as the host runs
// them, in a directory of the test's own), read back, and the error another
// stack's claim gives at the check, naming that stack.
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { STATE_ROOT } from "../../src/hostScript";
import {
    claimFileName,
    claimOf,
    claimPrefix,
    claiming,
    otherStackClaim,
    READ_CLAIMS_SCRIPT,
    sharedHostProblem,
} from "../../provider/stackClaims";
import type { Transport } from "../../provider/host";

const URN = "urn:pulumi:ci::lvs::lvs:index:LvsCluster$lvs:index:RealServer$lvs:host:Addresses::lvs-rs1-addresses";
const OTHER = "urn:pulumi:ci-second::lvs::lvs:index:LvsCluster$lvs:index:RealServer$lvs:host:File::lvs-rs1-test-page";

let root: string | undefined;
afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
});

/** Runs a script with the host's state root moved into a directory of the test's own. */
function onHost(script: string): string {
    root ??= mkdtempSync(path.join(tmpdir(), "pulumi-lvs-claims-"));
    return execFileSync("sh", ["-c", script.replaceAll(STATE_ROOT, path.join(root, "state"))], { encoding: "utf8" });
}

describe("a stack's claims on a host", () => {
    it("name the project, the stack and the resource, from the resource's URN", () => {
        expect(claimOf(URN)).toEqual({ project: "lvs", stack: "ci", resource: "lvs-rs1-addresses" });
        expect(claimFileName(claimOf(URN))).toBe("lvs~ci~lvs-rs1-addresses");
        expect(claimFileName({ project: "web", stack: "prod/eu", resource: "a b" })).toBe("web~prod_eu~a_b");
    });

    it("are made by a change, read back, and taken away by the undo with the directories they needed", () => {
        onHost(claimPrefix(claimOf(URN), "apply"));
        onHost(claimPrefix(claimOf(OTHER), "apply"));
        const listed = onHost(READ_CLAIMS_SCRIPT);
        expect(listed.trim().split("\n").sort()).toEqual(["claim lvs~ci-second~lvs-rs1-test-page", "claim lvs~ci~lvs-rs1-addresses"]);
        // Seen from stack ci, ci-second's claim is another stack's; ci's own are not.
        expect(otherStackClaim(listed, claimOf(URN))).toEqual({ project: "lvs", stack: "ci-second", resource: "lvs-rs1-test-page" });
        expect(otherStackClaim(onHost(READ_CLAIMS_SCRIPT), claimOf(OTHER))).toEqual(claimOf(URN));
        onHost(claimPrefix(claimOf(OTHER), "delete"));
        expect(otherStackClaim(onHost(READ_CLAIMS_SCRIPT), claimOf(URN))).toBeUndefined();
        onHost(claimPrefix(claimOf(URN), "delete"));
        expect(onHost(READ_CLAIMS_SCRIPT)).toBe("");
        // The last claim's undo leaves no directory of pulumi-lvs behind.
        expect(existsSync(path.join(root!, "state"))).toBe(false);
    });

    it("ride on a resource's first script only, so that they cost no session of their own", async () => {
        const scripts: string[] = [];
        const transport: Transport = {
            label: "rs1 (root@127.0.0.1:2322)",
            run: async (script) => {
                scripts.push(script);
                return { code: 0, stdout: "", stderr: "" } as Awaited<ReturnType<Transport["run"]>>;
            },
        };
        const claimed = claiming(transport, claimOf(URN), "apply");
        await claimed.run("echo first");
        await claimed.run("echo second");
        expect(scripts).toEqual([`${claimPrefix(claimOf(URN), "apply")}\necho first`, "echo second"]);
    });

    it("stop another stack at its check, in words that name the host, that stack and what to do", () => {
        expect(sharedHostProblem("rs1 (root@127.0.0.1:2322)", claimOf(URN))).toBe(
            "rs1 (root@127.0.0.1:2322): this host is managed by another stack, lvs/ci (its resource lvs-rs1-addresses, among " +
                "others): pulumi-lvs does not share a host between stacks, whose destroy would take away what the other still " +
                "serves; put this stack's services into that stack's lvs:virtualServices, or destroy it first (a stack that is " +
                "gone for good leaves its claims in /var/lib/pulumi-lvs/.claims on the host: remove them there)",
        );
    });
});
