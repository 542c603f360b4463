// What the VM lab's suites share (test/e2e/lab.test.ts sets it up): the
// project copy their stacks run in, and each host's fingerprint as the lab
// was restored, which every suite starts from.
import { expect } from "vitest";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { FINGERPRINT, log } from "../../support/e2e";
import { lab, onVm, onVms } from "../../support/lab";
import { Project, repo, toolchainEnv } from "../../support/pulumi";

export const LAB_HOSTS = ["director", "rs1", "rs2"] as const;
export type LabHost = (typeof LAB_HOSTS)[number];

export interface LabContext {
    project: Project;
    /** Each host's FINGERPRINT right after the lab came up. */
    fingerprints: Record<LabHost, string>;
    /** Each host's FINGERPRINT once rs2 has lighttpd too (startWithHttpdOnBoth), for the suites after the tutorial's. */
    withHttpd?: Record<LabHost, string>;
}

/**
 * A suite's start: every host as the lab came up. A suite before it that
 * failed half-way may have left a cluster behind: then the lab is restored
 * from its saved state (seconds), and checked again.
 */
export async function startFromRestoredLab(context: LabContext): Promise<void> {
    let now = await fingerprintsNow();
    const drifted = LAB_HOSTS.filter((host) => now[host] !== context.fingerprints[host]);
    if (drifted.length > 0) {
        log(`${drifted.join(", ")} not as the lab came up: restoring the lab\n`);
        lab(["down"], 120_000, true);
        lab(["up"], 40 * 60_000, true);
        now = await fingerprintsNow();
    }
    for (const host of LAB_HOSTS) expect(now[host], `state of ${host}`).toBe(context.fingerprints[host]);
}

/** Each lab host's FINGERPRINT as it is now, taken on every host at once. */
export function fingerprintsNow(hosts: readonly LabHost[] = LAB_HOSTS): Promise<Record<LabHost, string>> {
    return onVms(hosts, FINGERPRINT) as Promise<Record<LabHost, string>>;
}

/** Every given host (all by default) exactly as its fingerprint in `before`. */
export async function expectAsFound(before: Record<LabHost, string>, hosts: readonly LabHost[] = LAB_HOSTS): Promise<void> {
    const now = await fingerprintsNow(hosts);
    for (const host of hosts) expect(now[host], `state of ${host}`).toBe(before[host]);
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

/**
 * A suite's start with lighttpd installed but not serving on both real servers, as rs1 was found (the
 * tutorial proves pulumi-lvs's own install and purge; a suite after it runs no apt per stack): the hosts'
 * fingerprints then. The suites after the tutorial's share it: a suite that finds the hosts as the one
 * before it left them (destroy leaves every host as found) starts at once; otherwise the lab is restored
 * and rs2's lighttpd installed again.
 */
export async function startWithHttpdOnBoth(context: LabContext): Promise<Record<LabHost, string>> {
    if (context.withHttpd) {
        const current = await fingerprintsNow();
        if (LAB_HOSTS.every((host) => current[host] === context.withHttpd![host])) return context.withHttpd;
    }
    await startFromRestoredLab(context);
    onVm(
        "rs2",
        "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends " +
            "lighttpd >/dev/null && systemctl disable --now -q lighttpd",
        180_000,
    );
    context.withHttpd = await fingerprintsNow();
    expect(context.withHttpd.rs2).toMatch(/^ii {2}lighttpd /m);
    return context.withHttpd;
}
