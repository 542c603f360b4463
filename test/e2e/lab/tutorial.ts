// The tutorial on the VM lab, end to end: the real Pulumi engine turns the
// lab's VMs into the tutorial's VS/NAT cluster on real IPVS, proven with real
// HTTP requests through the VIP. rs2 starts bare (its lighttpd comes from the
// lab's package repository through apt) and is reached as a non-root user with
// sudo, and the stack refreshes before every operation: drift made by hand
// shows in a preview and `pulumi up` repairs it, a service added by hand is
// left alone, and every change to the table runs under a keep-alive load
// without a failed request or a stall. Destroy leaves each host exactly as it
// was, down to file contents, sysctls and installed packages.
import { beforeAll, describe, expect, it } from "vitest";
import { Stack } from "@pulumi/pulumi/automation";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { SshTransport } from "../../../provider/host";
import { SshPool } from "../../../pluginKit/ssh";
import { CI_LAB_ENV, lab, onVm, rebootAndWait } from "../../support/lab";
import {
    curl,
    expectOneServer,
    FINGERPRINT,
    holdConnections,
    fromClientVm,
    fromNamespace,
    lingeringPluginProcesses,
    log,
    noOpUp,
    previewSteps,
    Step,
    tally,
    upStack,
    VIP,
} from "../../support/e2e";
import { failureOf } from "../../support/pulumi";
import { expectAsFound, LabContext, npmRunStatus, startFromRestoredLab } from "./context";
import { drainSampler } from "./drainSampler";
import { underLoad } from "./underLoad";

const PAGES = { rs1: "<h1>rs1 (192.168.2.100)</h1>", rs2: "<h1>rs2 (192.168.2.101)</h1>" };
const REQUESTS = 20;
const FOREIGN = ["-A -t 192.168.145.100:8080 -s lc", "-a -t 192.168.145.100:8080 -r 192.168.2.100:8080 -m -w 1"];

/** Which real server served each page (or "unexpected: …"). */
function servers(pages: string[]): string[] {
    return pages.map((p) => (p === PAGES.rs1 ? "rs1" : p === PAGES.rs2 ? "rs2" : `unexpected: ${p}`));
}

/** `count` requests through the VIP from the lab's namespace, one line (the page, or FAILED) each. */
function requests(count: number): string[] {
    return fromNamespace(curl(`http://${VIP}/`), count);
}

export function tutorialSuite(context: LabContext): void {
    let stack: Stack;
    const before = context.fingerprints;

    /** Conns per real server from `ipvsadm -Ln --stats` (refreshed by the kernel about every 2 s). */
    function connectionCounts(): Record<string, number> {
        const counts: Record<string, number> = {};
        for (const line of onVm("director", "ipvsadm -Ln --stats -t 192.168.145.100:80").split("\n")) {
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

    async function resourceId(name: string): Promise<string> {
        const state = await stack.exportStack();
        return state.deployment.resources.find((r: { urn: string }) => r.urn.endsWith(`::${name}`)).id;
    }

    /** The stack's settings as a user edits them: the service's scheduler, rs2's weight. */
    async function configure(settings: { scheduler?: string; rs2Weight?: number }): Promise<void> {
        if (settings.scheduler !== undefined)
            await stack.setConfig("lvs:virtualService", { value: JSON.stringify({ port: 80, scheduler: settings.scheduler }) }, true);
        if (settings.rs2Weight !== undefined)
            await stack.setConfig("lvs:realServers[1].weight", { value: String(settings.rs2Weight) }, true);
    }

    const preview = (): Promise<Step[]> => previewSteps(stack);
    const up = () => upStack(stack);
    const noOp = () => noOpUp(stack);

    /** A structured setting as the leaf paths `pulumi config set --path` takes (it keeps numbers numbers). */
    function leafSettings(key: string, value: unknown): Record<string, { value: string }> {
        if (typeof value !== "object" || value === null) return { [key]: { value: String(value) } };
        return Object.assign(
            {},
            ...Object.entries(value).map(([k, v]) => leafSettings(Array.isArray(value) ? `${key}[${k}]` : `${key}.${k}`, v)),
        );
    }

    describe("the tutorial on the lab, end to end", () => {
        beforeAll(async () => {
            await startFromRestoredLab(context);
            stack = await context.project.stack("ci");
        });

        it("a host whose apt reaches no repository fails in one line that names it and the package; nothing is half-applied", async () => {
            lab(["repo", "stop"]);
            try {
                const failure = await failureOf(stack.up({ onOutput: log }));
                expect(failure).toMatch(
                    new RegExp(
                        /rs2 \(deploy@127\.0\.0\.1:2323\): cannot install lighttpd: apt could not reach a package repository \(.*\): /
                            .source + /make one reachable \(\/etc\/apt\/sources\.list\) or install lighttpd by hand/.source,
                    ),
                );
                expect(failure).not.toContain("set -eu");
            } finally {
                lab(["repo", "start"]);
            }
            // Not rs2's lighttpd alone: no host got anything of the cluster.
            await expectAsFound(before);
        });

        it("pulumi up installs what is missing with apt and converges the cluster; round robin alternates strictly from the client VM", async () => {
            await up();
            const outputs = await stack.outputs();
            expect(outputs.vipUrl!.value).toBe(`http://${VIP}:80/`);
            expect(outputs.ipvsTable!.value).toMatch(/TCP\s+192\.168\.145\.100:80 rr\n(.*\n)*\s+-> 192\.168\.2\.100:80\s+Masq\s+1/);
            expect(onVm("rs2", "dpkg-query -W -f='${Status}' lighttpd")).toBe("install ok installed");
            expect(onVm("rs2", "cat /var/lib/pulumi-lvs/rs2/lighttpd.installed")).toBe("lighttpd\n");

            // The tutorial's client, a VM on the VIP's network.
            const pages = fromClientVm(curl(`http://${VIP}/`), REQUESTS);
            expect(pages).toHaveLength(REQUESTS);
            expect(tally(servers(pages))).toEqual({ rs1: REQUESTS / 2, rs2: REQUESTS / 2 });
            pages.slice(1).forEach((page, i) => expect(page, `request ${i + 2} after ${pages[i]}`).not.toBe(pages[i]));

            // Masqueraded connections to both real servers, and the counters agree.
            const connections = onVm("director", "ipvsadm -Lnc");
            expect(connections).toMatch(/192\.168\.145\.100:80\s+192\.168\.2\.100:80/);
            expect(connections).toMatch(/192\.168\.145\.100:80\s+192\.168\.2\.101:80/);
            expect(await countsReaching(REQUESTS / 2)).toEqual({ "192.168.2.100": REQUESTS / 2, "192.168.2.101": REQUESTS / 2 });
        });

        it("a further pulumi up, refresh included, changes nothing, and leaves no process of pulumi-lvs running", async () => {
            await noOp();
            expect(Object.keys((await stack.preview()).changeSummary)).toEqual(["same"]);
            expect(lingeringPluginProcesses(stack.workspace.workDir)).toEqual([]);
        });

        it("a second stack on the same hosts is refused at its preview, naming this one, and this one's preview stays clean", async () => {
            // Every resource that changed a host claimed it for stack ci (provider/stackClaims.ts).
            expect(onVm("rs1", "ls /var/lib/pulumi-lvs/.claims").trim().split("\n")).toEqual(
                expect.arrayContaining(["lvs~ci~lvs-rs1-addresses", "lvs~ci~lvs-rs1-test-page"]),
            );
            const second = await context.project.stack("ci-second");
            const failure = await failureOf(second.preview({ onOutput: log }));
            expect(failure).toMatch(
                /(director|rs1|rs2) \((root|deploy)@127\.0\.0\.1:232[123]\): this host is managed by another stack, lvs\/ci \(its resource lvs-/,
            );
            // The failure names the host by its name, never with its connection (which holds the private key).
            expect(failure).not.toContain("PRIVATE KEY");
            expect(Object.keys((await stack.preview()).changeSummary)).toEqual(["same"]);
        });

        it("a director whose SSH host key changed is refused before anything runs there, in one line with both fingerprints", async () => {
            // Another machine answering on the director's address, as far as SSH can tell: new host keys.
            // (One new ed25519 key: sshd offers what it has; RSA keys take long to make under emulation.)
            onVm(
                "director",
                "cp -a /etc/ssh /root/ssh.orig && rm /etc/ssh/ssh_host_* && " +
                    "ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key && systemctl restart ssh",
            );
            try {
                const failure = await failureOf(stack.preview({ onOutput: log }));
                expect(failure).toMatch(
                    new RegExp(
                        /director \(root@127\.0\.0\.1:2321\): refused: the host's SSH key is not the one the settings give: /.source +
                            /the host presented the \S+ key SHA256:\S+, not the expected SHA256:\S+ \(\S+\)( or SHA256:\S+ \(\S+\))*\. /
                                .source +
                            /Someone else may be answering on 127\.0\.0\.1:2321; nothing was run there/.source,
                    ),
                );
                // The lab's known_hosts names the director: the key the settings give came from there.
                expect(readFileSync(path.join(context.project.dir, ".lab-ci", "known_hosts"), "utf8")).toMatch(
                    /^\[127\.0\.0\.1\]:2321 ssh-ed25519 /m,
                );
            } finally {
                onVm("director", "rm -rf /etc/ssh && mv /root/ssh.orig /etc/ssh && systemctl restart ssh");
            }
            // (The next tests reach the director with its own keys back.)
        });

        it("npm run status shows each real server's connections, a bar, and that the table matches the stack", () => {
            const status = npmRunStatus(context, "ci");
            expect(status).toContain("director (127.0.0.1:2321): service tcp 192.168.145.100:80 rr: matches the stack");
            expect(status).toMatch(/rs1 192\.168\.2\.100:80\s+Masq\s+1\s+\d+\s+\d+\s+10\s+\d+\s+\d+\s+[█░]{20} 50%/);
            expect(status).toMatch(/rs2 192\.168\.2\.101:80\s+Masq\s+1\s+\d+\s+\d+\s+10\s+\d+\s+\d+\s+[█░]{20} 50%/);
        });

        it("drift in the table, the kernel and the real servers shows in a preview, is repaired by up, exactly", async () => {
            onVm(
                "director",
                "ipvsadm -e -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 5 && ipvsadm -d -t 192.168.145.100:80 -r " +
                    "192.168.2.101:80 && sysctl -qw net.ipv4.ip_forward=0",
            );
            onVm("rs1", "systemctl stop lighttpd");
            onVm("rs2", "echo hacked > /var/www/html/index.html");

            const planned = await preview();
            expect(planned.map((s) => `${s.op} ${s.name}`)).toEqual([
                "update lvs-director-sysctls",
                "update lvs-director-tcp-80",
                "update lvs-rs1-httpd",
                "update lvs-rs2-test-page",
            ]);
            const [sysctls, table, httpd, page] = planned;
            expect(sysctls!.diff).toEqual({ 'values["net.ipv4.ip_forward"]': "update" });
            expect(sysctls!.live.values).toMatchObject({ "net.ipv4.ip_forward": "0" });
            expect(table!.diff).toEqual({
                'realServers["192.168.2.100:80"].weight': "update",
                'realServers["192.168.2.101:80"]': "add",
                saved: "update",
            });
            expect(table!.live.realServers).toEqual({ "192.168.2.100:80": { forwarding: "nat", weight: 5 } });
            expect(httpd!.diff).toEqual({ running: "update" });
            expect(page!.diff).toEqual({ content: "update" });
            expect(page!.live.content).toBe("hacked\n");

            const { steps } = await up();
            expect(steps.map((s) => `${s.op} ${s.name}`)).toEqual(planned.map((s) => `${s.op} ${s.name}`));
            expect(onVm("director", "ipvsadm-save -n -t 192.168.145.100:80 2>/dev/null || ipvsadm-save -n")).toContain(
                "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1",
            );
            expect(onVm("director", "sysctl -n net.ipv4.ip_forward").trim()).toBe("1");
            expect(onVm("rs1", "systemctl is-active lighttpd").trim()).toBe("active");
            expect(tally(servers(requests(4)))).toEqual({ rs1: 2, rs2: 2 });
            await noOp();
        });

        it("a scheduler changed by hand and a removed VIP show in a preview and are repaired", async () => {
            onVm("director", "ipvsadm -E -t 192.168.145.100:80 -s sh && ip address del 192.168.145.100/24 dev eth1");
            const planned = await preview();
            expect(planned.map((s) => `${s.op} ${s.name}`)).toEqual(["update lvs-director-addresses", "update lvs-director-tcp-80"]);
            expect(planned[0]!.diff).toEqual({ 'addresses["192.168.145.100/24"]': "add" });
            expect(planned[1]!.diff).toEqual({ scheduler: "update", saved: "update" });
            expect(planned[1]!.live.scheduler).toBe("sh");
            await up();
            expect(onVm("director", "ipvsadm -Ln -t 192.168.145.100:80")).toMatch(/TCP\s+192\.168\.145\.100:80 rr/);
            expect(tally(servers(requests(4)))).toEqual({ rs1: 2, rs2: 2 });
            await noOp();
        });

        it("a deleted virtual service shows as missing, comes back, and a service added by hand is never touched", async () => {
            onVm("director", `ipvsadm -D -t 192.168.145.100:80 && ipvsadm ${FOREIGN[0]} && ipvsadm ${FOREIGN[1]}`);
            const planned = await preview();
            expect(planned.map((s) => `${s.op} ${s.name}`)).toEqual(["update lvs-director-tcp-80"]);
            expect(planned[0]!.diff).toEqual({
                present: "update",
                'realServers["192.168.2.100:80"]': "add",
                'realServers["192.168.2.101:80"]': "add",
                saved: "update",
            });
            await up();
            expect(onVm("director", "ipvsadm-save -n").trimEnd().split("\n")).toEqual(expect.arrayContaining(FOREIGN));
            expect(tally(servers(requests(4)))).toEqual({ rs1: 2, rs2: 2 });
            await noOp();
        });

        it("previews a change of settings as the table entries that change", async () => {
            await configure({ scheduler: "wrr", rs2Weight: 3 });
            const planned = await preview();
            expect(planned.map((s) => `${s.op} ${s.name}`)).toEqual(["update lvs-director-tcp-80"]);
            expect(planned[0]!.diff).toEqual({ scheduler: "update", 'realServers["192.168.2.101:80"].weight': "update" });
            await configure({ scheduler: "rr", rs2Weight: 1 });
        });

        describe("changes under a keep-alive load through the VIP: not one failed request, no stall", () => {
            it("scheduler wrr, in place (same resource, no replacement)", async () => {
                const id = await resourceId("lvs-director-tcp-80");
                await configure({ scheduler: "wrr" });
                await underLoad(async () => {
                    const { changes } = await up();
                    expect(changes).toEqual({ update: 1, same: expect.any(Number) });
                });
                expect(await resourceId("lvs-director-tcp-80")).toBe(id);
                expect(onVm("director", "ipvsadm -Ln -t 192.168.145.100:80")).toMatch(/TCP\s+192\.168\.145\.100:80 wrr/);
            });

            it("weight 3 for rs2: three requests of four go to it", async () => {
                await configure({ rs2Weight: 3 });
                await underLoad(async () => void (await up()));
                expect(onVm("director", "ipvsadm-save -n")).toContain("-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 3");
                // wrr repeats a cycle of four (rs2 thrice, rs1 once): any 40 new connections split 10:30.
                expect(tally(servers(requests(40)))).toEqual({ rs1: 10, rs2: 30 });
            });

            it("rs2 removed: quiesced, drained of its active connections, then deleted, and its host set back", async () => {
                const rs2 = JSON.parse((await stack.getConfig("lvs:realServers[1]", true)).value) as Record<string, unknown>;
                await stack.removeConfig("lvs:realServers[1]", true);
                const sampler = drainSampler("192.168.2.101", 80);
                // The load's keep-alive connections end within a second (lighttpd closes them after so many
                // requests), sooner than a delete would follow a quiesce: connections held open for 20 s (most of
                // them on rs2, whose weight is 3 of 4) are what the drain must wait for.
                const held = holdConnections(4, 20);
                try {
                    await underLoad(async () => {
                        const { steps } = await up();
                        expect(steps.filter((s) => s.op === "delete").map((s) => s.name)).toEqual([
                            "lvs-rs2",
                            "lvs-rs2-addresses",
                            "lvs-rs2-httpd",
                            "lvs-rs2-lighttpd",
                            "lvs-rs2-test-page",
                        ]);
                    });
                } finally {
                    sampler.stop();
                    await held.closed;
                }
                const seen = sampler.states();
                log(`rs2's entry on the director, as it changed: ${seen.map((s) => s.text).join(" → ")}\n`);
                const gone = seen.findIndex((s) => s.weight === undefined);
                expect(gone, "rs2's entry was deleted").toBeGreaterThan(0);
                expect(
                    seen.slice(gone).every((s) => s.weight === undefined),
                    "and stays deleted",
                ).toBe(true);
                const present = seen.slice(0, gone);
                expect(present[0]!.weight, "weight 3 before the change").toBe(3);
                const quiesced = present.findIndex((s) => s.weight === 0);
                expect(quiesced, "quiesced (weight 0) before it went").toBeGreaterThan(0);
                expect(
                    present.slice(quiesced).some((s) => s.active > 0),
                    "active connections left to drain when it was quiesced",
                ).toBe(true);
                expect(present.at(-1), "no active connection left when its entry went").toMatchObject({ weight: 0, active: 0 });
                expect(onVm("director", "ipvsadm-save -n")).not.toContain("192.168.2.101");
                expect(onVm("rs2", FINGERPRINT)).toBe(before.rs2);
                await stack.setAllConfig(leafSettings("lvs:realServers[1]", rs2), true);
            });

            it("rs2 added back: ready first, then in the table", async () => {
                await underLoad(async () => void (await up()));
                expect(onVm("director", "ipvsadm-save -n")).toContain("-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 3");
                await noOp();
            });
        });

        it("scheduler dh: updated in place, and every request answered by one and the same server", async () => {
            // (rs2's weight back to 1 with it: one change of the service's entries.)
            await configure({ scheduler: "dh", rs2Weight: 1 });
            const planned = await preview();
            expect(planned.map((s) => `${s.op} ${s.name}`)).toEqual(["update lvs-director-tcp-80"]);
            expect(planned[0]!.diff).toEqual({ scheduler: "update", 'realServers["192.168.2.101:80"].weight': "update" });
            const { changes } = await up();
            expect(changes).toEqual({ update: 1, same: expect.any(Number) });
            expectOneServer(requests(REQUESTS), REQUESTS, servers, ["rs1", "rs2"]);
        });

        it("a user without passwordless sudo gets one line saying which host and user, and what to do", async () => {
            const pool = new SshPool(() => undefined);
            try {
                const key = readFileSync(path.join(CI_LAB_ENV.PULUMI_LVS_LAB_DIR, "ssh", "id_ed25519"), "utf8");
                const transport = new SshTransport(
                    pool,
                    { host: "127.0.0.1", port: 2322, user: "nosudo", privateKey: key, dialErrorLimit: 3, perDialTimeout: 15 },
                    "rs1",
                );
                await expect(transport.run("true")).rejects.toThrow(
                    "rs1 (nosudo@127.0.0.1:2322): user nosudo cannot run `sudo -n` (sudo asks for a password or refuses): " +
                        'give nosudo passwordless sudo (a file /etc/sudoers.d/nosudo with "nosudo ALL=(ALL) ' +
                        'NOPASSWD:ALL"), or connect as root (lvs:ssh.user)',
                );
            } finally {
                pool.close();
            }
        });

        it("the cluster survives a reboot of the director: rules, kernel settings and addresses come back", () => {
            rebootAndWait("director");
            expect(onVm("director", "ipvsadm-save -n")).toContain(
                "-A -t 192.168.145.100:80 -s dh\n-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1\n-a -t " +
                    "192.168.145.100:80 -r 192.168.2.101:80 -m -w 1\n",
            );
            expect(onVm("director", "sysctl -n net.ipv4.ip_forward net.ipv4.vs.expire_nodest_conn").trim().split("\n")).toEqual(["1", "1"]);
            const addresses = onVm("director", "ip -4 -o address show | awk '{ print $2, $4 }'").trim().split("\n");
            expect(addresses).toEqual(expect.arrayContaining(["eth1 192.168.145.100/24", "eth2 192.168.2.1/24"]));
            expectOneServer(requests(4), 4, servers, ["rs1", "rs2"]);
        });

        it("pulumi destroy leaves every host exactly as it was found, the service added by hand included", async () => {
            const result = await stack.destroy({ onOutput: log });
            expect(result.summary.result).toBe("succeeded");
            expect(onVm("director", "ipvsadm-save -n").trimEnd().split("\n")).toEqual(FOREIGN);
            expect(fromNamespace(curl(`http://${VIP}/`), 1)).toEqual(["FAILED"]);
            for (const rs of ["rs1", "rs2"]) {
                expect(onVm(rs, "curl -s --max-time 5 http://127.0.0.1/ || echo nothing-served").trim()).toBe("nothing-served");
            }
            // pulumi-lvs loaded ip_vs and left it loaded, as the hand-made service still uses it.
            expect(onVm("director", "[ -d /sys/module/ip_vs ] && echo loaded").trim()).toBe("loaded");
            // What someone added by hand is theirs to remove, with the module it needs; then every host is as it was found.
            onVm(
                "director",
                "ipvsadm -D -t 192.168.145.100:8080 && for h in /sys/module/ip_vs/holders/*; do modprobe -r ${h##*/}; done; modprobe -r ip_vs",
            );
            await expectAsFound(before);
        });
    });
}
