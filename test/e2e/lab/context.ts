// What the VM lab's suites share (test/e2e/lab.test.ts sets it up): the
// project copy their stacks run in, and each host's fingerprint as the lab
// was restored, which every suite starts from.
import { expect } from "vitest";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { FINGERPRINT, log } from "../../support/e2e";
import { lab, onVm } from "../../support/lab";
import { Project, repo, toolchainEnv } from "../../support/pulumi";

export const LAB_HOSTS = ["director", "rs1", "rs2"] as const;
export type LabHost = (typeof LAB_HOSTS)[number];

export interface LabContext {
    project: Project;
    /** Each host's FINGERPRINT right after the lab came up. */
    fingerprints: Record<LabHost, string>;
}

/**
 * A suite's start: every host as the lab came up. A suite before it that
 * failed half-way may have left a cluster behind: then the lab is restored
 * from its saved state (seconds), and checked again.
 */
export function startFromRestoredLab(context: LabContext): void {
    const drifted = LAB_HOSTS.filter((host) => onVm(host, FINGERPRINT) !== context.fingerprints[host]);
    if (drifted.length > 0) {
        log(`${drifted.join(", ")} not as the lab came up: restoring the lab\n`);
        lab(["down"], 120_000, true);
        lab(["up"], 40 * 60_000, true);
    }
    for (const host of LAB_HOSTS) expect(onVm(host, FINGERPRINT), `state of ${host}`).toBe(context.fingerprints[host]);
}

/** `npm run status -- STACK` as a user runs it in the project (the compiled tool, the project's toolchain); logged. */
export function npmRunStatus(context: LabContext, stack: string): string {
    const env = {
        ...process.env,
        ...toolchainEnv(context.project.stateDir),
        PATH: `${path.join(repo, ".toolchain", "bin")}:${process.env.PATH}`,
    };
    const status = execFileSync("node", [path.join(repo, "dist/tools/status.js"), stack], {
        cwd: context.project.dir,
        env,
        encoding: "utf8",
    });
    log(status);
    return status;
}
