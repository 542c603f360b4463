// End to end: the real Pulumi engine (Automation API, local backend) turns the
// lab's real VMs into the tutorial's VS/NAT cluster on real IPVS, proven with
// real HTTP requests from the client VM through the VIP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { readFileSync } from "node:fs";
import { CI_LAB_ENV, lab, labLeftovers, onVm, qemuPids, rebootAndWait } from "../support/lab";
import { Project, projectCopy } from "../support/pulumi";

const VIP = "192.168.145.100";
const PAGES = { rs1: "<h1>rs1 (192.168.2.100)</h1>", rs2: "<h1>rs2 (192.168.2.101)</h1>" };
const REQUESTS = 20;

/** Everything pulumi-lvs may touch on a host, to compare before and after. */
const FINGERPRINT = [
    "ip -4 -o address show | awk '{ print $2, $4 }' | sort",
    "ip -4 route show | sort",
    "sysctl -n net.ipv4.ip_forward",
    "ipvsadm-save -n",
    "systemctl is-enabled lighttpd || true",
    "systemctl is-active lighttpd || true",
    "ls /etc/systemd/system /etc/sysctl.d /var/www/html",
    "cat /etc/default/ipvsadm",
    "ls /etc/ipvsadm.rules /var/lib/pulumi-lvs 2>&1 || true",
].join("; echo ---; ");
const HOSTS = ["director", "rs1", "rs2"] as const;

let project: Project;
let stack: Stack;
const before: Record<string, string> = {};

function log(line: string): void {
    process.stdout.write(`    | ${line}`);
}

/** `count` requests from the client VM through the VIP, one line (the page) each. */
function requestsFromClient(count: number): string[] {
    const out = onVm("client", `for i in $(seq ${count}); do curl -s --max-time 5 http://${VIP}/ || echo FAILED; done`, count * 6_000 + 30_000);
    return out.trimEnd().split("\n");
}

/** Conns per real server from `ipvsadm -Ln --stats` (refreshed by the kernel about every 2 s). */
function connectionCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const line of onVm("director", "ipvsadm -Ln --stats").split("\n")) {
        const m = /->\s+(192\.168\.2\.\d+):80\s+(\d+)/.exec(line);
        if (m) counts[m[1]!] = Number(m[2]);
    }
    return counts;
}

/** Waits (bounded) for the stats to count at least `min` connections on each real server. */
async function countsReaching(min: number): Promise<Record<string, number>> {
    let counts = connectionCounts();
    for (let i = 0; i < 10 && !Object.values(counts).every((c) => c >= min); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        counts = connectionCounts();
    }
    return counts;
}

async function tableCommandId(): Promise<string> {
    const state = await stack.exportStack();
    const table = state.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::director-virtual-service"));
    return table.id;
}

beforeAll(async () => {
    // Fresh VMs every run: a lab left over from a crashed run may hold a configured cluster.
    lab(["down"], 120_000, true);
    lab(["up"], 40 * 60_000, true);
    for (const host of HOSTS) before[host] = onVm(host, FINGERPRINT);
    project = await projectCopy();
    stack = await project.stack("ci");
});

afterAll(() => {
    try {
        lab(["down"], 120_000, true);
    } finally {
        project?.cleanup();
    }
});

describe("the tutorial on the local lab, end to end", () => {
    it("lab up is idempotent: a second up finds the lab running and starts nothing", () => {
        const pids = qemuPids();
        expect(Object.keys(pids).sort()).toEqual(["client", "director", "rs1", "rs2"]);
        lab(["up"]);
        expect(qemuPids()).toEqual(pids);
    });

    it("pulumi up converges the cluster, and round robin alternates strictly between the two pages", async () => {
        const result = await stack.up({ onOutput: log });
        expect(result.summary.result).toBe("succeeded");
        expect(result.outputs.vipUrl!.value).toBe(`http://${VIP}:80/`);
        expect(result.outputs.ipvsTable!.value).toMatch(/TCP\s+192\.168\.145\.100:80 rr\n(.*\n)*\s+-> 192\.168\.2\.100:80\s+Masq\s+1/);

        const pages = requestsFromClient(REQUESTS);
        expect(pages).toHaveLength(REQUESTS);
        expect(new Set(pages)).toEqual(new Set([PAGES.rs1, PAGES.rs2]));
        pages.slice(1).forEach((page, i) => expect(page, `request ${i + 2} after ${pages[i]}`).not.toBe(pages[i]));

        // Masqueraded connections to both real servers, and the counters agree.
        const connections = onVm("director", "ipvsadm -Lnc");
        expect(connections).toMatch(/192\.168\.145\.100:80\s+192\.168\.2\.100:80/);
        expect(connections).toMatch(/192\.168\.145\.100:80\s+192\.168\.2\.101:80/);
        const counts = await countsReaching(REQUESTS / 2);
        expect(counts).toEqual({ "192.168.2.100": REQUESTS / 2, "192.168.2.101": REQUESTS / 2 });
    });

    it("scheduler dh: updated in place (no replacement, no flush), and every request lands on one server", async () => {
        const tableId = await tableCommandId();
        await stack.setConfig("lvs:virtualService.scheduler", { value: "dh" }, true);

        const ops: string[] = [];
        const onEvent = (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && m.op !== "same") ops.push(`${m.op} ${m.urn.split("::").pop()}`);
        };
        const preview = await stack.preview({ onEvent });
        expect(ops).toEqual(["update director-virtual-service"]);
        expect(preview.changeSummary).toMatchObject({ update: 1 });

        const result = await stack.up({ onOutput: log });
        expect(result.summary.resourceChanges).toEqual({ update: 1, same: expect.any(Number) });
        expect(await tableCommandId()).toBe(tableId);
        expect(onVm("director", "ipvsadm -Ln")).toMatch(/TCP\s+192\.168\.145\.100:80 dh/);
        // Not flushed: the counters from the round-robin requests are still there.
        expect(connectionCounts()).toEqual({ "192.168.2.100": REQUESTS / 2, "192.168.2.101": REQUESTS / 2 });

        const pages = requestsFromClient(REQUESTS);
        expect(pages).toHaveLength(REQUESTS);
        expect(new Set(pages).size).toBe(1);
        expect([PAGES.rs1, PAGES.rs2]).toContain(pages[0]);
    });

    it("a further pulumi up with no change changes nothing", async () => {
        const result = await stack.up({ onOutput: log });
        expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
        const preview = await stack.preview();
        expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
    });

    it("the cluster survives a reboot of the director: rules, forwarding and addresses come back", () => {
        rebootAndWait("director");
        expect(onVm("director", "ipvsadm-save -n")).toBe(
            "-A -t 192.168.145.100:80 -s dh\n-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1\n-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1\n",
        );
        expect(onVm("director", "sysctl -n net.ipv4.ip_forward").trim()).toBe("1");
        const pages = requestsFromClient(4);
        expect(pages).toHaveLength(4);
        expect(new Set(pages).size).toBe(1);
        expect([PAGES.rs1, PAGES.rs2]).toContain(pages[0]);
    });

    it("pulumi destroy leaves every host exactly as it was found: no IPVS service, nothing served", async () => {
        const result = await stack.destroy({ onOutput: log });
        expect(result.summary.result).toBe("succeeded");
        expect(onVm("director", "ipvsadm-save -n")).toBe("");
        expect(onVm("client", `curl -s --max-time 5 http://${VIP}/ || echo unreachable`).trim()).toBe("unreachable");
        for (const rs of ["rs1", "rs2"]) {
            expect(onVm(rs, "curl -s --max-time 5 http://127.0.0.1/ || echo nothing-served").trim()).toBe("nothing-served");
        }
        for (const host of HOSTS) expect(onVm(host, FINGERPRINT), `state of ${host}`).toBe(before[host]);
    });

    it("lab down cleans up after a crash and leaves nothing behind, twice over", () => {
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
