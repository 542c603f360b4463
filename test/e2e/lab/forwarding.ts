// VS/DR and VS/TUN on the VM lab, end to end, with the virtual services
// keepalived users write, on the lab's real VMs and real IPVS, with the real
// Pulumi engine. VS/DR (stacks/Pulumi.ci-dr.yaml): the VIP on the real
// servers' lo with ARP kept off it, replies through the lab's router past the
// director (its interface counters and IPVS's OutPkts show it), wrr 3:1, a UDP
// service, a firewall-mark service over two ports, persistence with a netmask,
// sh against dh with two clients, and every scheduler the kernel offers.
// VS/TUN (stacks/Pulumi.ci-tun.yaml): ipip and the VIP on tunl0. Destroy
// leaves every host as it was found, ARP, reverse-path and tunnel settings
// included. Requests come from the lab's namespace, its two addresses
// 192.168.145.1 and .13 being the two clients. rs2 has lighttpd from the
// start here (installed with apt before the suite's fingerprint): the
// tutorial proves pulumi-lvs's own install and purge.
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { Stack } from "@pulumi/pulumi/automation";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { virtualServiceFact } from "../../../resources/virtualService/server";
import { VirtualServiceState } from "../../../resources/virtualService/state";
import { SshTransport } from "../../../provider/host";
import { SshPool } from "../../../pluginKit/ssh";
import { SCHEDULER_FLAGS, SCHEDULERS } from "../../../src/ipvs/model";
import {
    curl,
    curl6,
    expectOneServer,
    fromNamespace,
    log,
    noOpUp,
    previewSteps,
    SECOND_CLIENT,
    tally,
    upStack,
    VIP,
    VIP6,
} from "../../support/e2e";
import { CI_LAB_ENV, onVm } from "../../support/lab";
import { expectAsFound, LabContext, npmRunStatus, startWithHttpdOnBoth } from "./context";

const REAL_SERVERS = ["rs1", "rs2"] as const;

/**
 * A user's own program (plain JavaScript, as `pulumi new` could give): the library's cluster from the
 * stack's settings, then their application's step on each real server on the cluster's connections.
 */
const USER_PROGRAM = `const command = require("@pulumi/command");
const { clusterFromStackSettings, LvsCluster } = require("./dist/lib");

const { spec, privateKey } = clusterFromStackSettings();
const cluster = new LvsCluster("lvs", { ...spec, privateKey });
for (const rs of spec.realServers) {
    new command.remote.Command(\`app-\${rs.name}\`, {
        connection: cluster.connections[rs.name],
        create: \`sudo -n install -d /var/www/html/app && echo "ok \${rs.name}" | sudo -n tee /var/www/html/app/health >/dev/null\`,
        delete: "sudo -n rm -rf /var/www/html/app",
    }, { dependsOn: [cluster] });
}
exports.vipUrl = cluster.vipUrl;
`;
const ADDRESS = { rs1: "192.168.2.100", rs2: "192.168.2.101" };
const PAGES = { rs1: "<h1>rs1 (192.168.2.100)</h1>", rs2: "<h1>rs2 (192.168.2.101)</h1>" };

/**
 * The test's own responders on a real server, in a transient unit (gone once
 * stopped): HTTP on 81-83, 8080 and 8081 answering `<host> <port>`, and the
 * same over UDP on the VIP's port 53 (bound to the VIP, so that the answer
 * comes from it, as the client expects).
 */
const START_RESPONDERS = `set -eu
mkdir -p /run/lvs-test
cat > /run/lvs-test/http.sh <<'EOF'
#!/bin/sh
cr=$(printf '\\r')
while IFS= read -r line; do { [ "$line" = "$cr" ] || [ -z "$line" ]; } && break; done
printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n%s %s\\n' "$(hostname)" "$SOCAT_SOCKPORT"
EOF
cat > /run/lvs-test/udp.sh <<'EOF'
#!/bin/sh
printf '%s 53\\n' "$(hostname)"
EOF
cat > /run/lvs-test/run.sh <<'EOF'
#!/bin/sh
for port in 81 82 83 8080 8081; do socat TCP4-LISTEN:$port,reuseaddr,fork SYSTEM:"sh /run/lvs-test/http.sh" & done
socat UDP4-RECVFROM:53,bind=${VIP},fork SYSTEM:"sh /run/lvs-test/udp.sh" &
wait
EOF
# (/run is mounted noexec: the scripts run by sh.)
systemd-run --quiet --collect --unit=lvs-test-responders sh /run/lvs-test/run.sh
for i in $(seq 50); do ss -ltn | grep -q ':8081 ' && ss -lun | grep -q ':53 ' && exit 0; sleep 0.2; done
echo "responders did not start" >&2; exit 1`;

const STOP_RESPONDERS = "systemctl stop lvs-test-responders 2>/dev/null || true; rm -rf /run/lvs-test";

/** Which real server answered each line (a test page or a responder's `<host> <port>`). */
function servers(lines: string[]): string[] {
    return lines.map((line) => REAL_SERVERS.find((rs) => line === PAGES[rs] || line.startsWith(`${rs} `)) ?? `unexpected: ${line}`);
}

/** The director's packet counters per interface: eth1 faces the clients (VIP), eth2 the real servers (DIP). */
function interfaceCounters(): Record<string, number> {
    const out = onVm(
        "director",
        "for d in eth1 eth2; do for c in rx_packets tx_packets; do echo $d.$c $(cat /sys/class/net/$d/statistics/$c); done; done",
    );
    return Object.fromEntries(
        out
            .trim()
            .split("\n")
            .map((l) => l.split(" "))
            .map(([k, v]) => [k!, Number(v)]),
    );
}

/** A service's totals from `ipvsadm -Ln --stats --exact` (bounded wait: the kernel's counters lag a little). */
async function serviceStats(service: string, minConnections: number): Promise<{ conns: number; inPkts: number; outPkts: number }> {
    const read = () => {
        // The service's line (TCP, UDP, SCTP or FWM), not the header nor its real servers' lines.
        const m = /^(?:TCP|UDP|SCTP|FWM)\s+\S+\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(onVm("director", `ipvsadm -Ln --stats --exact ${service}`));
        return { conns: Number(m?.[1] ?? 0), inPkts: Number(m?.[2] ?? 0), outPkts: Number(m?.[3] ?? 0) };
    };
    let stats = read();
    for (let i = 0; i < 10 && stats.conns < minConnections; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        stats = read();
    }
    return stats;
}

/** Requests through the VIP leave the director only towards the real servers: replies pass it by. */
async function repliesBypassTheDirector(requests: () => string[], count: number): Promise<string[]> {
    const start = interfaceCounters();
    const answered = requests();
    const end = interfaceCounters();
    const delta = (k: string) => end[k]! - start[k]!;
    log(`director packets during ${count} requests: ${JSON.stringify(Object.fromEntries(Object.keys(end).map((k) => [k, delta(k)])))}\n`);
    // Each request is at least 4 packets in from the client (SYN, ACK, request, FIN); the director sends them on to
    // the real servers and nothing back (a few ARP or neighbour packets aside).
    expect(delta("eth1.rx_packets")).toBeGreaterThanOrEqual(count * 4);
    expect(delta("eth2.tx_packets")).toBeGreaterThanOrEqual(count * 4);
    expect(delta("eth1.tx_packets")).toBeLessThanOrEqual(10);
    expect(delta("eth2.rx_packets")).toBeLessThanOrEqual(10);
    return answered;
}

/** Each line of `ipvsadm -Ln` as printed that lists a service (`TCP  192.168.145.100:9000 sh (sh-fallback,sh-port)`). */
function printedServices(listing: string): string[] {
    return listing
        .split("\n")
        .filter((l) => /^(TCP|UDP|SCTP|FWM) /.test(l))
        .map((l) => l.trim().replace(/\s+/g, " "));
}

export function forwardingSuite(context: LabContext): void {
    let before: Record<string, string> = {};

    async function destroyLeavesHostsAsFound(stack: Stack): Promise<void> {
        for (const rs of REAL_SERVERS) onVm(rs, STOP_RESPONDERS);
        const result = await stack.destroy({ onOutput: log });
        expect(result.summary.result).toBe("succeeded");
        expect(fromNamespace(curl(`http://${VIP}/`), 1)).toEqual(["FAILED"]);
        await expectAsFound(before);
    }

    describe("VS/DR and VS/TUN, with the services keepalived users write", () => {
        beforeAll(async () => {
            // Both real servers with lighttpd installed but not serving, as rs1 was found: no apt run per stack here.
            before = await startWithHttpdOnBoth(context);
        });

        afterAll(() => {
            for (const rs of REAL_SERVERS) {
                try {
                    onVm(rs, STOP_RESPONDERS);
                } catch {
                    // The lab may be gone already.
                }
            }
        });

        describe("VS/DR", () => {
            let stack: Stack;

            it("pulumi up sets up both sides: the VIP on each real server's lo, ARP kept off it, replies through the router", async () => {
                stack = await context.project.stack("ci-dr");
                await upStack(stack);
                for (const rs of REAL_SERVERS) {
                    expect(onVm(rs, "ip -o -4 address show dev lo | awk '{ print $4 }'").split("\n")).toContain(`${VIP}/32`);
                    expect(
                        onVm(rs, "sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce net.ipv4.conf.eth1.arp_ignore")
                            .trim()
                            .split("\n"),
                    ).toEqual(["1", "2", "1"]);
                    expect(onVm(rs, "ip -4 route show default").trim()).toBe("default via 192.168.2.254 dev eth1");
                }
                // rs1's page is a file of the project (its pageFile): planned as the file's path and digest, on rs1 as written.
                const page = (await stack.exportStack()).deployment.resources.find((r: { urn: string }) =>
                    r.urn.endsWith("::lvs-rs1-test-page"),
                );
                const file = readFileSync(path.join(context.project.dir, "stacks/pages/rs1.html"));
                expect(page.inputs.content).toBeUndefined();
                expect(page.inputs.contentFile).toEqual({
                    path: path.join(context.project.dir, "stacks/pages/rs1.html"),
                    sha256: createHash("sha256").update(file).digest("hex"),
                });
                expect(onVm("rs1", "sha256sum < /var/www/html/index.html").split(" ")[0]).toBe(page.inputs.contentFile.sha256);
                // Direct routing needs no forwarding on the director: it stays as found.
                expect(onVm("director", "sysctl -n net.ipv4.ip_forward").trim()).toBe("0");
                expect(onVm("director", "ipvsadm -Ln")).toMatch(/FWM {2}1 rr\n\s+-> 192\.168\.2\.100:0\s+Route/);
                expect(onVm("director", "nft list table ip pulumi_lvs_director")).toMatch(
                    /ip daddr 192\.168\.145\.100 tcp dport \{ 8080, 8081 \} meta mark set 0x00000001/,
                );
                for (const rs of REAL_SERVERS) onVm(rs, START_RESPONDERS);
            });

            it("a further pulumi up, refresh included, changes nothing", async () => {
                await noOpUp(stack);
            });

            it("wrr with weights 3:1 gives 3:1 over 40 new connections, and the replies pass the director by", async () => {
                const answered = await repliesBypassTheDirector(() => fromNamespace(curl(`http://${VIP}/`), 40), 40);
                expect(tally(servers(answered))).toEqual({ rs1: 30, rs2: 10 });
                const stats = await serviceStats(`-t ${VIP}:80`, 40);
                expect(stats.conns).toBe(40);
                expect(stats.inPkts).toBeGreaterThanOrEqual(160);
                // IPVS itself sees no packet of a reply.
                expect(stats.outPkts).toBe(0);
            });

            it("a UDP service answers through the VIP, each real server in turn", () => {
                const query = `timeout 3 bash -c 'exec 3<>/dev/udp/${VIP}/53; echo query >&3; head -n 1 <&3'`;
                const answered = fromNamespace(query, 8);
                expect(answered.filter((a) => !/^rs[12] 53$/.test(a))).toEqual([]);
                const names = servers(answered);
                names.slice(1).forEach((n, i) => expect(n, `query ${i + 2}`).not.toBe(names[i]));
            });

            it("an IPv6 service on the same port, by VS/NAT: requests over IPv6 alternate between rs1 and rs2, answered through the director", () => {
                // The director forwards IPv6 only (its IPv4 services pass it by); the real servers' IPv6 route is its dip6.
                expect(onVm("director", "sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding").trim().split("\n")).toEqual([
                    "0",
                    "1",
                ]);
                expect(onVm("director", "ip -6 -o address show scope global | awk '{ print $2, $4 }'").trim().split("\n").sort()).toEqual([
                    "eth1 fd00:145::100/64",
                    "eth2 fd00:2::1/64",
                ]);
                for (const rs of REAL_SERVERS) {
                    expect(onVm(rs, "ip -6 route show default").trim()).toMatch(/^default via fd00:2::1 dev eth1\b/);
                    expect(onVm(rs, "ip -4 route show default").trim()).toBe("default via 192.168.2.254 dev eth1");
                }
                const names = servers(fromNamespace(curl6(), 8));
                expect(tally(names)).toEqual({ rs1: 4, rs2: 4 });
                names.slice(1).forEach((n, i) => expect(n, `request ${i + 2}`).not.toBe(names[i]));
                // As ipvsadm itself prints it: the addresses in brackets, masqueraded, each real server having had connections.
                const listing = onVm("director", `ipvsadm -Ln -t [${VIP6}]:80`);
                expect(listing).toMatch(/TCP {2}\[fd00:145::100\]:80 rr/);
                for (const address of ["fd00:2::100", "fd00:2::101"])
                    expect(listing).toMatch(new RegExp(`-> \\[${address}\\]:80\\s+Masq\\s+1\\s+\\d+\\s+[1-9]`));
            });

            it("IPv6 drift, the service deleted by hand and a real server's address removed, shows in a preview and up repairs it", async () => {
                onVm("director", `ipvsadm -D -t [${VIP6}]:80`);
                onVm("rs2", "ip -6 address del fd00:2::101/64 dev eth1");
                const steps = await previewSteps(stack);
                expect(steps.map((s) => `${s.op} ${s.name}`)).toEqual(["update lvs-director-tcp6-80", "update lvs-rs2-addresses"]);
                // (The kernel may take rs2's IPv6 default route with the address: then the diff names it too.)
                expect(Object.keys(steps[1]!.diff)).toContain('addresses["fd00:2::101/64"]');
                await upStack(stack);
                expect(tally(servers(fromNamespace(curl6(), 4)))).toEqual({ rs1: 2, rs2: 2 });
                // npm run status reads the IPv6 service back as the stack has it (and the scheduler test's last up
                // shows nothing left to change).
                expect(npmRunStatus(context, "ci-dr")).toContain(`service tcp [${VIP6}]:80 rr: matches the stack`);
            });

            it("a firewall-mark service balances two ports together: one round robin across 8080 and 8081", () => {
                const answered = fromNamespace(`curl -s --max-time 5 http://${VIP}:$((8080 + i % 2))/`, 8);
                expect(answered.map((a) => a.split(" ")[1])).toEqual(["8081", "8080", "8081", "8080", "8081", "8080", "8081", "8080"]);
                // Two services would each start their round robin afresh; one service alternates across the ports.
                const names = servers(answered);
                names.slice(1).forEach((n, i) => expect(n, `request ${i + 2}`).not.toBe(names[i]));
                expect(onVm("director", "ipvsadm -Ln -f 1")).toMatch(
                    /FWM {2}1 rr\n(.*\n)*\s+-> 192\.168\.2\.101:0\s+Route\s+1\s+\d+\s+[1-9]/,
                );
            });

            it("persistence pins a client network to one real server for its timeout", () => {
                const pinned = expectOneServer(fromNamespace(curl(`http://${VIP}:81/`), 8), 8, servers, [...REAL_SERVERS]) as "rs1" | "rs2";
                // The netmask 255.255.255.0 makes the second client, on the same /24, share the first one's real server.
                expect(servers(fromNamespace(curl(`http://${VIP}:81/`, SECOND_CLIENT), 4))).toEqual(Array(4).fill(pinned));
                const template = new RegExp(
                    // The template: the client network (port 0) with its real server (shown as NONE or ASSURED, by kernel).
                    `TCP\\s+00:([0-2]\\d|30)\\s+(NONE|ASSURED)\\s+192\\.168\\.145\\.0:0\\s+${VIP.replace(/\./g, "\\.")}:81\\s+${ADDRESS[pinned].replace(/\./g, "\\.")}:81`,
                );
                expect(onVm("director", "ipvsadm -Lnc")).toMatch(template);
            });

            it("sh pins each of two clients to its own real server; dh sends both to the same one", () => {
                const shFirst = expectOneServer(fromNamespace(curl(`http://${VIP}:82/`), 6), 6, servers, [...REAL_SERVERS]);
                const shSecond = expectOneServer(fromNamespace(curl(`http://${VIP}:82/`, SECOND_CLIENT), 6), 6, servers, [...REAL_SERVERS]);
                expect(shFirst).not.toBe(shSecond);

                const dh = [...fromNamespace(curl(`http://${VIP}:83/`), 4), ...fromNamespace(curl(`http://${VIP}:83/`, SECOND_CLIENT), 4)];
                expectOneServer(dh, 8, servers, [...REAL_SERVERS]);
            });

            it("every scheduler the kernel offers, and the flags of sh and mh, are set in place on the director", async () => {
                const pool = new SshPool(() => undefined);
                const key = readFileSync(path.join(CI_LAB_ENV.PULUMI_LVS_LAB_DIR, "ssh", "id_ed25519"), "utf8");
                const transport = new SshTransport(
                    pool,
                    { host: "127.0.0.1", port: 2321, user: "root", privateKey: key, dialErrorLimit: 3, perDialTimeout: 15 },
                    "director",
                );
                const ctx = { transport, status: () => undefined, warn: (m: string) => log(`warning: ${m}\n`) };
                // One service per scheduler (and per flag set of sh and mh), each on a port of its own, converged concurrently.
                const variants = SCHEDULERS.flatMap((scheduler) => [
                    { scheduler, flags: [] as string[] },
                    ...(SCHEDULER_FLAGS[scheduler] ? [{ scheduler, flags: [...SCHEDULER_FLAGS[scheduler]!].sort() }] : []),
                ]);
                const service = (i: number, scheduler: (typeof SCHEDULERS)[number], flags: string[]): VirtualServiceState => ({
                    hostName: "director",
                    protocol: "tcp",
                    address: VIP,
                    port: 9000 + i,
                    scheduler,
                    flags,
                    realServers: {
                        [`${ADDRESS.rs1}:${9000 + i}`]: { forwarding: "dr", weight: 1 },
                        [`${ADDRESS.rs2}:${9000 + i}`]: { forwarding: "dr", weight: 2 },
                    },
                    drainTimeout: 0,
                    present: true,
                    saved: true,
                    restoreAtBoot: true,
                });
                const first = variants.map((_, i) => service(i, "rr", []));
                const wanted = variants.map((v, i) => service(i, v.scheduler, v.flags));
                try {
                    await Promise.all(first.map((d) => virtualServiceFact.create(ctx, d)));
                    // In place: each service's scheduler changes from rr to its own (`ipvsadm -E`).
                    await Promise.all(wanted.map((d, i) => virtualServiceFact.update(ctx, first[i]!, d)));
                    const live = await Promise.all(wanted.map((d) => virtualServiceFact.read(ctx, d)));
                    live.forEach((l, i) =>
                        expect(l, `${variants[i]!.scheduler} ${variants[i]!.flags.join(",")}`).toMatchObject(variants[i]!),
                    );
                    // And as ipvsadm itself prints them, not through the project's parser: the scheduler, and its flags in parentheses.
                    const printed = printedServices(onVm("director", "ipvsadm -Ln"));
                    variants.forEach((v, i) =>
                        expect(printed, `${v.scheduler} ${v.flags.join(",")}`).toContain(
                            `TCP ${VIP}:${9000 + i} ${v.scheduler}${v.flags.length > 0 ? ` (${v.flags.join(",")})` : ""}`,
                        ),
                    );
                    await Promise.all(wanted.map((d) => virtualServiceFact.delete(ctx, d)));
                    expect(onVm("director", "ipvsadm-save -n")).not.toMatch(/:90\d\d /);
                } finally {
                    pool.close();
                }
                // The stack's own services were never touched.
                await noOpUp(stack);
            });

            it("pulumi destroy leaves every host as found: ARP settings, the VIP on lo, routes, the director's marks", async () => {
                await destroyLeavesHostsAsFound(stack);
            });
        });

        // VS/TUN is deployed by a program of a user's own: the library's LvsCluster from the stack's settings,
        // and a step of theirs on each real server through @pulumi/command (the command plugin), on the
        // cluster's own connections (host keys pinned from the lab's known_hosts included).
        describe("VS/TUN, from a user's own program with a @pulumi/command step", () => {
            let stack: Stack;
            const pulumiYaml = () => path.join(context.project.dir, "Pulumi.yaml");
            let original = "";

            beforeAll(() => {
                original = readFileSync(pulumiYaml(), "utf8");
                writeFileSync(path.join(context.project.dir, "user.js"), USER_PROGRAM);
                writeFileSync(pulumiYaml(), original.replace(/^main: program\.js$/m, "main: user.js"));
                expect(readFileSync(pulumiYaml(), "utf8")).toMatch(/^main: user\.js$/m);
            });
            afterAll(() => {
                if (original) writeFileSync(pulumiYaml(), original);
            });

            it("pulumi up sets up both sides: ipip, the VIP on tunl0, reverse-path filtering relaxed", async () => {
                stack = await context.project.stack("ci-tun");
                await upStack(stack);
                for (const rs of REAL_SERVERS) {
                    expect(onVm(rs, "[ -d /sys/module/ipip ] && echo loaded").trim()).toBe("loaded");
                    expect(onVm(rs, "ip -o -4 address show dev tunl0 | awk '{ print $4 }'").trim()).toBe(`${VIP}/32`);
                    expect(onVm(rs, "sysctl -n net.ipv4.conf.all.rp_filter net.ipv4.conf.tunl0.rp_filter").trim().split("\n")).toEqual([
                        "0",
                        "0",
                    ]);
                }
                expect(onVm("director", `ipvsadm -Ln -t ${VIP}:80`)).toMatch(/-> 192\.168\.2\.100:80\s+Tunnel\s+1/);
            });

            it("a further pulumi up, refresh included, changes nothing", async () => {
                await noOpUp(stack);
            });

            it("requests through the VIP reach both real servers in turn, and the replies pass the director by", async () => {
                const answered = await repliesBypassTheDirector(() => fromNamespace(curl(`http://${VIP}/`), 20), 20);
                const names = servers(answered);
                expect(tally(names)).toEqual({ rs1: 10, rs2: 10 });
                names.slice(1).forEach((n, i) => expect(n, `request ${i + 2}`).not.toBe(names[i]));
                expect((await serviceStats(`-t ${VIP}:80`, 20)).outPkts).toBe(0);
            });

            it("an IPv6 service by VS/DR beside it: the IPv6 VIP on each real server's lo, requests alternate, replies pass the director by", async () => {
                for (const rs of REAL_SERVERS) {
                    expect(onVm(rs, "ip -6 -o address show dev lo scope global | awk '{ print $4 }'").trim()).toBe(`${VIP6}/128`);
                    expect(onVm(rs, "ip -6 route show default").trim()).toMatch(/^default via fd00:2::254 dev eth1\b/);
                }
                // Direct routing needs no IPv6 forwarding on the director.
                expect(onVm("director", "sysctl -n net.ipv6.conf.all.forwarding").trim()).toBe("0");
                const names = servers(fromNamespace(curl6(), 8));
                expect(tally(names)).toEqual({ rs1: 4, rs2: 4 });
                names.slice(1).forEach((n, i) => expect(n, `request ${i + 2}`).not.toBe(names[i]));
                expect(onVm("director", `ipvsadm -Ln -t [${VIP6}]:80`)).toMatch(/-> \[fd00:2::100\]:80\s+Route\s+1/);
                // IPVS sees no packet of a reply: they went through the lab's router.
                expect((await serviceStats(`-t [${VIP6}]:80`, 8)).outPkts).toBe(0);
            });

            it("the user's step ran on each real server through the command plugin: its file is served through the VIP", async () => {
                const state = await stack.exportStack();
                const commands = state.deployment.resources.filter((r: { type: string }) => r.type === "command:remote:Command");
                expect(commands.map((r: { urn: string }) => r.urn.split("::").pop()).sort()).toEqual(["app-rs1", "app-rs2"]);
                const answers = fromNamespace(curl(`http://${VIP}/app/health`), 4);
                expect(tally(answers)).toEqual({ "ok rs1": 2, "ok rs2": 2 });
                answers.slice(1).forEach((a, i) => expect(a, `request ${i + 2}`).not.toBe(answers[i]));
            });

            it("pulumi destroy leaves every host as found: no tunnel device, ipip unloaded, no IPv6 VIP, every setting back", async () => {
                await destroyLeavesHostsAsFound(stack);
                for (const rs of REAL_SERVERS) expect(onVm(rs, "ip -o link show | awk '{ print $2 }'")).not.toContain("tunl0");
            });
        });
    });
}
