// End to end on the VM lab: the real Pulumi engine (Automation API, local
// backend) against the lab's real VMs, real IPVS and real HTTP through the
// VIP. One lab serves both suites: it is restored from the lab's saved state
// (lab/lab: a first boot saved each VM's memory and disk once; a restore takes
// seconds), and each suite starts from a host fingerprint it checks: the
// tutorial's VS/NAT cluster (tutorial.ts), then VS/DR with the services
// keepalived users write and VS/TUN (forwarding.ts), then a director pair
// (directorPair.ts), then health checks by keepalived (healthChecks.ts). Last, the lab goes down, also after a crash,
// and leaves nothing behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { CI_LAB_ENV, lab, labLeftovers, onVm, qemuPids } from "../support/lab";
import { projectCopy } from "../support/pulumi";
import { fingerprintsNow, LabContext } from "./lab/context";
import { forwardingSuite } from "./lab/forwarding";
import { healthCheckSuite } from "./lab/healthChecks";
import { directorPairSuite } from "./lab/directorPair";
import { tutorialSuite } from "./lab/tutorial";

const context = { fingerprints: {} } as LabContext;

beforeAll(async () => {
    // A lab left over from a crashed run may hold a configured cluster: the lab starts afresh from its saved state.
    lab(["down"], 120_000, true);
    lab(["up"], 40 * 60_000, true);
    // Filled in, not replaced: the suites hold this object from the time they were declared.
    Object.assign(context.fingerprints, await fingerprintsNow());
    context.project = await projectCopy();
});

afterAll(() => {
    try {
        lab(["down"], 120_000, true);
    } finally {
        context.project?.cleanup();
    }
});

describe("the lab, restored from its saved state", () => {
    it("is up: lab up again finds it running and starts nothing", () => {
        const pids = qemuPids();
        expect(Object.keys(pids).sort()).toEqual(["client", "director", "director2", "rs1", "rs2"]);
        lab(["up"]);
        expect(qemuPids()).toEqual(pids);
        // rs2 starts bare: pulumi-lvs installs its httpd with apt; rs1 and the director have theirs.
        expect(context.fingerprints.rs2).not.toMatch(/^ii {2}lighttpd /m);
        expect(context.fingerprints.rs1).toMatch(/^ii {2}lighttpd /m);
        expect(context.fingerprints.director).toMatch(/^ii {2}ipvsadm /m);
    });

    it("runs Debian 13 on the director and rs1, each on trixie's own kernel, and Debian 12 on rs2, the client and director2", () => {
        // Every suite below proves both releases (the README's "Your own hosts" says which are proven).
        const release = (vm: string) => onVm(vm, "cut -d. -f1 /etc/debian_version; uname -r").trim().split("\n");
        for (const vm of ["director", "rs1"]) {
            const [major, kernel] = release(vm);
            expect(major, `${vm}'s Debian`).toBe("13");
            expect(kernel, `${vm}'s kernel`).toMatch(/^6\.12\./);
        }
        for (const vm of ["rs2", "client", "director2"]) {
            const [major, kernel] = release(vm);
            expect(major, `${vm}'s Debian`).toBe("12");
            expect(kernel, `${vm}'s kernel`).toMatch(/^6\.1\./);
        }
        // Where the releases differ for pulumi-lvs: trixie's ipvsadm is a native unit, bookworm's an init script.
        expect(onVm("director", "test -e /usr/lib/systemd/system/ipvsadm.service && echo native").trim()).toBe("native");
    });

    it("has every VM's clock set to now, though each was saved earlier", () => {
        for (const vm of ["director", "rs1", "rs2", "client", "director2"]) {
            const skew = Number(onVm(vm, "date +%s")) - Date.now() / 1000;
            expect(Math.abs(skew), `${vm}'s clock is ${skew.toFixed(1)} s off`).toBeLessThan(5);
        }
    });
});

tutorialSuite(context);
forwardingSuite(context);
directorPairSuite(context);
healthCheckSuite(context);

describe("lab down", () => {
    it("cleans up after a crash and leaves nothing behind, twice over", () => {
        // A crash: a VM and an SSH forwarder die without the lab knowing.
        const director = qemuPids().director!;
        const forwarder = Number(readFileSync(`${CI_LAB_ENV.PULUMI_LVS_LAB_DIR}/run/rs1.forward-root.pid`, "utf8"));
        process.kill(director, "SIGKILL");
        process.kill(forwarder, "SIGKILL");
        lab(["down"]);
        expect(labLeftovers()).toEqual([]);
        lab(["down"]);
        expect(labLeftovers()).toEqual([]);
    });
});
