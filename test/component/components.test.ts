// What LvsCluster, Director and RealServer declare, under Pulumi mocks (no
// engine, no hosts): which lvs resources, named after their parent, with
// which inputs; validation of arguments in code, also computed ones; and the
// outputs users look up, computed by the components.
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import type { LvsClusterArgs } from "../../components";
import { parseClusterConfig } from "../../src/config";
import type { ClusterSpec } from "../../src/spec";
import { Declared, recordDeclarations, value } from "../support/mocks";
import { drConfig, keyFileEnv, tutorialSpec } from "../support/specs";

const declared = recordDeclarations();

async function collectingUnhandled(work: () => Promise<void>): Promise<unknown[]> {
    const saved = process.listeners("unhandledRejection");
    const seen: unknown[] = [];
    const collect = (reason: unknown) => seen.push(reason);
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", collect);
    try {
        await work();
        await new Promise((r) => setTimeout(r, 200));
    } finally {
        process.removeListener("unhandledRejection", collect);
        for (const listener of saved) process.on("unhandledRejection", listener as NodeJS.UnhandledRejectionListener);
    }
    return seen;
}

/** Waits until the engine mock has seen every registration in flight. */
async function settled(): Promise<void> {
    await new Promise((r) => setTimeout(r, 50));
}

function custom(prefix = ""): Map<string, Declared> {
    return new Map(
        declared
            .filter((d) => d.type.startsWith("lvs:") && !d.type.startsWith("lvs:index:") && d.name.startsWith(prefix))
            .map((d) => [d.name, d]),
    );
}

async function tutorialCluster(name = "lvs", change: (args: LvsClusterArgs) => void = () => undefined) {
    const { LvsCluster } = await import("../../components");
    const args: LvsClusterArgs = { ...tutorialSpec(), privateKey: "PRIVATE KEY" };
    change(args);
    const cluster = new LvsCluster(name, args);
    await value(cluster.vipUrl);
    await settled();
    return cluster;
}

describe("LvsCluster", () => {
    it("declares a director and one real server per entry, each child named after its parent", async () => {
        await tutorialCluster();
        expect(
            declared
                .filter((d) => d.type.startsWith("lvs:index:"))
                .map((d) => `${d.type} ${d.name}`)
                .sort(),
        ).toEqual([
            "lvs:index:Director lvs-director",
            "lvs:index:LvsCluster lvs",
            "lvs:index:RealServer lvs-rs1",
            "lvs:index:RealServer lvs-rs2",
        ]);
        expect([...custom().values()].map((d) => `${d.type} ${d.name}`).sort()).toEqual([
            "lvs:host:Addresses lvs-director-addresses",
            "lvs:host:Addresses lvs-rs1-addresses",
            "lvs:host:Addresses lvs-rs2-addresses",
            "lvs:host:File lvs-rs1-test-page",
            "lvs:host:File lvs-rs2-test-page",
            "lvs:host:Package lvs-director-ipvsadm",
            "lvs:host:Package lvs-rs1-lighttpd",
            "lvs:host:Package lvs-rs2-lighttpd",
            "lvs:host:Service lvs-rs1-httpd",
            "lvs:host:Service lvs-rs2-httpd",
            "lvs:host:Sysctls lvs-director-sysctls",
            "lvs:ipvs:VirtualService lvs-director-tcp-80",
        ]);
    });

    it("maps a VS/NAT service's port onto httpd's 80 by default; VS/DR keeps the service's port", async () => {
        await tutorialCluster("nat", (a) => (a.virtualServices = [{ port: 443 }]));
        expect(Object.keys(custom("nat-director-").get("nat-director-tcp-443")!.inputs.realServers)).toEqual([
            "192.168.2.100:80",
            "192.168.2.101:80",
        ]);
        await tutorialCluster("dr", (a) => {
            a.virtualServices = [{ name: "dns", protocol: "udp", port: 53, forwarding: "dr" }];
            a.realServers = a.realServers.map((rs) => ({ ...rs, gateway: "192.168.2.254" }));
        });
        expect(Object.keys(custom("dr-director-").get("dr-director-dns")!.inputs.realServers)).toEqual([
            "192.168.2.100:53",
            "192.168.2.101:53",
        ]);
    });

    it("two clusters in one program do not collide", async () => {
        await tutorialCluster("blue");
        await tutorialCluster("green");
        const names = declared.map((d) => `${d.type} ${d.name}`);
        expect(new Set(names).size).toBe(names.length);
        expect(names).toContain("lvs:ipvs:VirtualService green-director-tcp-80");
    });

    it("gives every resource its host's connection, the whole of it secret, with the shared key", async () => {
        await tutorialCluster();
        const all = custom();
        expect(all.get("lvs-director-ipvsadm")!.inputs.connection).toEqual({
            [specialSigKey]: specialSecretSig,
            value: { host: "127.0.0.1", port: 2221, user: "root", privateKey: "PRIVATE KEY" },
        });
        expect(all.get("lvs-rs2-httpd")!.inputs.connection.value).toMatchObject({ host: "127.0.0.1", port: 2223 });
        for (const d of all.values()) expect(d.inputs.hostName).toBe(d.name.split("-")[1]);
    });

    it("gives the director the tutorial's table and kernel settings, in the model's terms", async () => {
        await tutorialCluster();
        const all = custom();
        expect(all.get("lvs-director-tcp-80")!.inputs).toMatchObject({
            hostName: "director",
            protocol: "tcp",
            address: "192.168.145.100",
            port: 80,
            scheduler: "rr",
            flags: [],
            realServers: { "192.168.2.100:80": { forwarding: "nat", weight: 1 }, "192.168.2.101:80": { forwarding: "nat", weight: 1 } },
            drainTimeout: 30,
        });
        expect(all.get("lvs-director-sysctls")!.inputs).toMatchObject({
            values: { "net.ipv4.ip_forward": "1", "net.ipv4.vs.expire_nodest_conn": "1", "net.ipv4.vs.conn_reuse_mode": "1" },
            modules: ["ip_vs"],
        });
        expect(all.get("lvs-director-addresses")!.inputs.addresses).toEqual({
            "192.168.145.100/24": { interface: "eth1" },
            "192.168.2.1/24": { interface: "eth2" },
        });
        expect(all.get("lvs-director-ipvsadm")!.inputs.package).toBe("ipvsadm");
    });

    it("asks IPVS to expire persistence templates of quiesced servers only when a service is persistent", async () => {
        await tutorialCluster("p", (args) => (args.virtualServices![0]!.persistence = { timeout: 300 }));
        expect(custom("p-director-sysctls").get("p-director-sysctls")!.inputs.values["net.ipv4.vs.expire_quiescent_template"]).toBe("1");
        expect(custom("p-director-tcp-80").get("p-director-tcp-80")!.inputs.persistence).toEqual({ timeout: 300 });
    });

    it("gives each real server the DIP as default gateway, lighttpd, and its own test page", async () => {
        await tutorialCluster();
        const all = custom();
        expect(all.get("lvs-rs1-addresses")!.inputs).toMatchObject({
            addresses: { "192.168.2.100/24": { interface: "eth1" } },
            defaultRoute: { via: "192.168.2.1", interface: "eth1" },
        });
        expect(all.get("lvs-rs1-lighttpd")!.inputs).toMatchObject({ package: "lighttpd" });
        expect(all.get("lvs-rs1-httpd")!.inputs).toMatchObject({ unit: "lighttpd" });
        expect(all.get("lvs-rs1-test-page")!.inputs).toMatchObject({
            path: "/var/www/html/index.html",
            content: "<h1>rs1 (192.168.2.100)</h1>\n",
        });
        expect(all.get("lvs-rs2-test-page")!.inputs.content).toBe("<h1>rs2 (192.168.2.101)</h1>\n");
    });

    it("keeps the DIP as default gateway of a real server taken out of every service, whose drained connections need it", async () => {
        await tutorialCluster("out", (args) => {
            args.virtualServices = [{ port: 80, realServers: [{ name: "rs1" }] }];
        });
        expect(custom("out").get("out-rs2-addresses")!.inputs).toMatchObject({ defaultRoute: { via: "192.168.2.1", interface: "eth1" } });
    });

    it("computes the outputs users look up", async () => {
        const cluster = await tutorialCluster("lvs", (args) => (args.realServers[1] = { ...args.realServers[1]!, page: "two\n" }));
        expect(await value(cluster.vipUrl)).toBe("http://192.168.145.100:80/");
        expect(await value(cluster.scheduler)).toBe("rr");
        expect(await value(cluster.ipvsRules)).toEqual([
            "-A -t 192.168.145.100:80 -s rr",
            "-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1",
            "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1",
        ]);
        expect(await value(cluster.realServerAddresses)).toEqual({
            rs1: { address: "192.168.2.100", weight: 1 },
            rs2: { address: "192.168.2.101", weight: 1 },
        });
        expect(custom().get("lvs-rs2-test-page")!.inputs.content).toBe("two\n");
    });

    it("gives each host's SSH connection, as @pulumi/command's remote.ConnectionArgs, a secret, with a pinned host key", async () => {
        const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHR7DMoTkjfcUMhoTkDjpmHwcXXqjNzvQmOpyNDExB6N";
        const cluster = await tutorialCluster(
            "lvs",
            (args) => (args.realServers[0] = { ...args.realServers[0]!, ssh: { host: "127.0.0.1", port: 2222, hostKey } }),
        );
        expect(Object.keys(cluster.connections)).toEqual(["director", "rs1", "rs2"]);
        for (const output of Object.values(cluster.connections)) expect(await pulumi.isSecret(output)).toBe(true);
        expect(await value(cluster.connections.director!)).toEqual({
            host: "127.0.0.1",
            port: 2221,
            user: "root",
            privateKey: "PRIVATE KEY",
        });
        expect(await value(cluster.connections.rs1!)).toEqual({
            host: "127.0.0.1",
            port: 2222,
            user: "root",
            privateKey: "PRIVATE KEY",
            hostKey,
        });
        // The same connection the cluster's own resources on that host get.
        expect(custom().get("lvs-rs1-addresses")!.inputs.connection).toEqual({
            [specialSigKey]: specialSecretSig,
            value: { host: "127.0.0.1", port: 2222, user: "root", privateKey: "PRIVATE KEY", hostKey },
        });
    });

    it("refuses a bad spec in code with every problem, in the same words as for stack settings, before declaring anything", async () => {
        const { LvsCluster } = await import("../../components");
        const spec = tutorialSpec();
        spec.realServers[1]!.address = { interface: "eth1", address: "192.168.3.101", prefixLength: 24 };
        spec.virtualServices[0]!.scheduler = "fastest" as "rr";
        let error: unknown;
        try {
            new LvsCluster("bad", { ...spec, privateKey: "K" });
        } catch (err) {
            error = err;
        }
        expect(pulumi.ResourceError.isInstance(error)).toBe(true);
        expect((error as Error).message).toBe(
            "Invalid LvsCluster bad arguments (1 problem); nothing was changed:\n" +
                '  - virtualServices[0].scheduler: unknown scheduler "fastest": use one of rr, wrr, lc, wlc, lblc, ' +
                "lblcr, dh, sh, sed, nq, fo, ovf, mh (see ipvsadm(8))",
        );
        spec.virtualServices[0]!.scheduler = "rr";
        expect(() => new LvsCluster("bad2", { ...spec, privateKey: "K" })).toThrow(
            "realServers[1].address: 192.168.3.101/24 is outside the director's inside network 192.168.2.0/24 (director.dip): " +
                "in NAT mode real servers reply through the director, so put the real server on 192.168.2.0/24 or change director.dip",
        );
        await settled();
        expect(custom("bad")).toEqual(new Map());
    });

    it("checks computed values as soon as they are known, and no host resource gets them", async () => {
        const { LvsCluster } = await import("../../components");
        const spec = tutorialSpec();
        // In a program the runtime reports the failed registrations' error once, on the component; here the test collects them.
        const failures = await collectingUnhandled(async () => {
            const cluster = new LvsCluster("late", {
                ...spec,
                director: { ...spec.director, dip: pulumi.output({ interface: "eth2", address: "192.168.145.1", prefixLength: 24 }) },
                privateKey: "K",
            });
            await expect(value(cluster.ipvsRules)).rejects.toThrow(
                "director.dip: 192.168.145.1/24 is on the VIP's network 192.168.145.0/24: VS/NAT needs the real " +
                    "servers on a separate inside network; give the DIP an address of that network",
            );
            await settled();
        });
        expect(failures.length).toBeGreaterThan(0);
        for (const f of failures) expect(String(f)).toContain("Invalid LvsCluster late arguments (1 problem); nothing was changed");
        expect(custom("late")).toEqual(new Map());
    });
});

describe("LvsCluster with VS/DR, VS/TUN and firewall-mark services", () => {
    async function drCluster(name: string, change: (spec: ClusterSpec) => void = () => undefined) {
        const { LvsCluster } = await import("../../components");
        const spec = parseClusterConfig(drConfig(), keyFileEnv).spec;
        change(spec);
        const cluster = new LvsCluster(name, { ...spec, privateKey: "K" });
        await value(cluster.ipvsRules);
        await settled();
        return cluster;
    }

    it("gives VS/DR real servers the VIP on lo, ARP kept off it, and the router as default route", async () => {
        await drCluster("dr");
        const all = custom("dr-");
        expect(all.get("dr-rs1-sysctls")!.inputs).toMatchObject({
            values: {
                "net.ipv4.conf.all.arp_ignore": "1",
                "net.ipv4.conf.all.arp_announce": "2",
                "net.ipv4.conf.eth1.arp_ignore": "1",
                "net.ipv4.conf.eth1.arp_announce": "2",
            },
            modules: [],
        });
        expect(all.get("dr-rs2-addresses")!.inputs).toMatchObject({
            addresses: { "192.168.2.101/24": { interface: "eth1" }, "192.168.145.100/32": { interface: "lo" } },
            defaultRoute: { via: "192.168.2.254", interface: "eth1" },
        });
    });

    it("does not make a VS/DR director forward, and marks packets for a firewall-mark service", async () => {
        await drCluster("drd");
        const all = custom("drd-director");
        expect(Object.keys(all.get("drd-director-sysctls")!.inputs.values)).not.toContain("net.ipv4.ip_forward");
        expect(all.get("drd-director-nftables")!.inputs.package).toBe("nftables");
        expect(all.get("drd-director-firewall-marks")!.inputs.marks).toEqual({
            "1": { protocol: "tcp", address: "192.168.145.100", ports: [8080, 8081] },
        });
        expect(all.get("drd-director-fwmark-1")!.inputs).toMatchObject({
            fwmark: 1,
            realServers: { "192.168.2.100:0": { forwarding: "dr", weight: 1 }, "192.168.2.101:0": { forwarding: "dr", weight: 1 } },
        });
        expect(all.get("drd-director-fwmark-1")!.inputs.port).toBeUndefined();
        expect([...all.keys()].filter((n) => all.get(n)!.type === "lvs:ipvs:VirtualService").sort()).toEqual([
            "drd-director-fwmark-1",
            "drd-director-tcp-80",
            "drd-director-tcp-81",
            "drd-director-tcp-82",
            "drd-director-udp-53",
        ]);
    });

    it("renders every service's rules as ipvsadm-save does", async () => {
        const cluster = await drCluster("rules");
        expect(await value(cluster.ipvsRules)).toEqual([
            "-A -t 192.168.145.100:80 -s wrr",
            "-a -t 192.168.145.100:80 -r 192.168.2.100:80 -g -w 3",
            "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -g -w 1",
            "-A -u 192.168.145.100:53 -s rr",
            "-a -u 192.168.145.100:53 -r 192.168.2.100:53 -g -w 1",
            "-a -u 192.168.145.100:53 -r 192.168.2.101:53 -g -w 1",
            "-A -f 1 -s rr",
            "-a -f 1 -r 192.168.2.100:0 -g -w 1",
            "-a -f 1 -r 192.168.2.101:0 -g -w 1",
            "-A -t 192.168.145.100:81 -s rr -p 30 -M 255.255.255.0",
            "-a -t 192.168.145.100:81 -r 192.168.2.100:81 -g -w 1",
            "-a -t 192.168.145.100:81 -r 192.168.2.101:81 -g -w 1",
            "-A -t 192.168.145.100:82 -s sh",
            "-a -t 192.168.145.100:82 -r 192.168.2.100:82 -g -w 1",
            "-a -t 192.168.145.100:82 -r 192.168.2.101:82 -g -w 1",
        ]);
    });

    it("gives VS/TUN real servers ipip, the VIP on tunl0 and reverse-path filtering off; the director needs no DIP", async () => {
        await drCluster("tun", (spec) => {
            delete spec.director.dip;
            for (const vs of spec.virtualServices) vs.forwarding = "tun";
        });
        const all = custom("tun-");
        expect(all.get("tun-rs1-sysctls")!.inputs).toMatchObject({
            values: { "net.ipv4.conf.all.rp_filter": "0", "net.ipv4.conf.tunl0.rp_filter": "0", "net.ipv4.conf.all.arp_ignore": "1" },
            modules: ["ipip"],
        });
        expect(all.get("tun-rs1-addresses")!.inputs.addresses).toEqual({
            "192.168.2.100/24": { interface: "eth1" },
            "192.168.145.100/32": { interface: "tunl0" },
        });
        expect(all.get("tun-director-addresses")!.inputs.addresses).toEqual({ "192.168.145.100/24": { interface: "eth1" } });
        expect(all.get("tun-director-tcp-80")!.inputs.realServers["192.168.2.100:80"]).toEqual({ forwarding: "tun", weight: 3 });
    });

    it("gives VS/NAT real servers no VIP and no ARP settings, and leaves a DR real server's route alone without a gateway", async () => {
        await drCluster("mixed", (spec) => {
            delete spec.realServers[0]!.gateway;
            spec.virtualServices = [
                { ...spec.virtualServices[0]!, realServers: [{ name: "rs1", weight: 1, port: 80 }] },
                {
                    protocol: "tcp",
                    family: "ipv4",
                    port: 8000,
                    scheduler: "rr",
                    flags: [],
                    forwarding: "nat",
                    realServers: [{ name: "rs2", weight: 1, port: 80 }],
                },
            ];
            delete spec.realServers[1]!.gateway;
        });
        const all = custom("mixed-");
        expect(all.get("mixed-rs1-addresses")!.inputs.defaultRoute).toBeUndefined();
        expect(all.has("mixed-rs2-sysctls")).toBe(false);
        expect(all.get("mixed-rs2-addresses")!.inputs).toMatchObject({
            addresses: { "192.168.2.101/24": { interface: "eth1" } },
            defaultRoute: { via: "192.168.2.1", interface: "eth1" },
        });
        expect(all.get("mixed-director-sysctls")!.inputs.values["net.ipv4.ip_forward"]).toBe("1");
    });
});

describe("LvsCluster with IPv6 services beside IPv4 ones", () => {
    /** The VS/DR cluster with the director's IPv6 addresses, each real server's, and one IPv6 service by `forwarding`. */
    async function dualStack(name: string, forwarding: "nat" | "dr") {
        const { LvsCluster } = await import("../../components");
        const config = drConfig();
        Object.assign(config.director, { vip6: "fd00:145::100/64", dip6: "fd00:2::1/64" });
        config.virtualServices.push({ port: 80, family: "ipv6", forwarding });
        config.realServers.forEach((rs, i) =>
            Object.assign(rs, { address6: `fd00:2::${100 + i}/64`, gateway6: forwarding === "dr" ? "fd00:2::254" : undefined }),
        );
        const cluster = new LvsCluster(name, { ...parseClusterConfig(config, keyFileEnv).spec, privateKey: "K" });
        await value(cluster.ipvsRules);
        await settled();
        return { cluster, all: custom(`${name}-`) };
    }

    it("VS/NAT over IPv6: the director holds both VIPs and forwards IPv6 only; real servers route IPv6 through its dip6", async () => {
        const { cluster, all } = await dualStack("v6nat", "nat");
        expect(all.get("v6nat-director-addresses")!.inputs.addresses).toEqual({
            "192.168.145.100/24": { interface: "eth1" },
            "192.168.2.1/24": { interface: "eth2" },
            "fd00:145::100/64": { interface: "eth1" },
            "fd00:2::1/64": { interface: "eth2" },
        });
        expect(all.get("v6nat-director-sysctls")!.inputs.values).toMatchObject({ "net.ipv6.conf.all.forwarding": "1" });
        expect(all.get("v6nat-director-sysctls")!.inputs.values).not.toHaveProperty(["net.ipv4.ip_forward"]);
        expect(all.get("v6nat-rs1-addresses")!.inputs).toMatchObject({
            addresses: {
                "192.168.2.100/24": { interface: "eth1" },
                "fd00:2::100/64": { interface: "eth1" },
                "192.168.145.100/32": { interface: "lo" },
            },
            defaultRoute: { via: "192.168.2.254", interface: "eth1" },
            defaultRoute6: { via: "fd00:2::1", interface: "eth1" },
        });
        // One resource per service, the IPv6 one named apart from the IPv4 one on the same port.
        expect(all.get("v6nat-director-tcp6-80")!.inputs).toMatchObject({
            address: "fd00:145::100",
            port: 80,
            realServers: { "[fd00:2::100]:80": { forwarding: "nat", weight: 1 }, "[fd00:2::101]:80": { forwarding: "nat", weight: 1 } },
        });
        expect(await value(cluster.ipvsRules)).toContain("-A -t [fd00:145::100]:80 -s rr");
    });

    it("VS/DR over IPv6: the IPv6 VIP on each real server's lo as /128, its IPv6 route the router, the director not forwarding", async () => {
        const { all } = await dualStack("v6dr", "dr");
        expect(all.get("v6dr-rs2-addresses")!.inputs).toMatchObject({
            addresses: {
                "fd00:2::101/64": { interface: "eth1" },
                "fd00:145::100/128": { interface: "lo" },
                "192.168.145.100/32": { interface: "lo" },
            },
            defaultRoute6: { via: "fd00:2::254", interface: "eth1" },
        });
        expect(all.get("v6dr-director-sysctls")!.inputs.values).not.toHaveProperty(["net.ipv6.conf.all.forwarding"]);
    });
});

describe("Director and RealServer on their own", () => {
    it("take Input values, and a director needs of a real server only its address, port and weight", async () => {
        const { Director } = await import("../../components");
        const director = new Director("edge", {
            connection: { host: pulumi.output("edge.example.internal"), user: "deploy", privateKey: "K" },
            vip: { interface: "ens18", address: pulumi.output("203.0.113.10"), prefixLength: 24 },
            dip: { interface: "ens19", address: "10.20.0.1", prefixLength: 24 },
            virtualServices: [
                {
                    port: 443,
                    scheduler: pulumi.output("wlc" as const),
                    realServers: [{ address: pulumi.output("10.20.0.11"), port: 443, weight: 2 }],
                },
            ],
        });
        expect(await value(director.ipvsRules)).toEqual([
            "-A -t 203.0.113.10:443 -s wlc",
            "-a -t 203.0.113.10:443 -r 10.20.0.11:443 -m -w 2",
        ]);
        await settled();
        expect(custom("edge").get("edge-tcp-443")!.inputs.connection.value).toMatchObject({
            host: "edge.example.internal",
            user: "deploy",
        });
    });

    it("ask for a service's name when its protocol, port or mark is computed (the resource's name must be known now)", async () => {
        const { Director, LvsCluster } = await import("../../components");
        const computedPort = pulumi.output(Promise.resolve(8080));
        expect(
            () =>
                new Director("edge2", {
                    connection: { host: "h", privateKey: "K" },
                    vip: { interface: "eth1", address: "192.168.145.100", prefixLength: 24 },
                    dip: { interface: "eth2", address: "192.168.2.1", prefixLength: 24 },
                    virtualServices: [
                        { port: 80, realServers: [] },
                        { port: computedPort, realServers: [] },
                    ],
                }),
        ).toThrow("Director edge2: virtualServices[1] needs a name when its protocol, family, port or fwmark is computed");
        expect(() => new LvsCluster("lvs2", { ...tutorialSpec(), privateKey: "K", virtualServices: [{ port: computedPort }] })).toThrow(
            "LvsCluster lvs2: virtualServices[0] needs a name when its protocol, family, port or fwmark is computed",
        );
        // Named, or with the cluster's default port 80, they need nothing more.
        await tutorialCluster("lvs3", (args) => (args.virtualServices = [{ name: "web", port: computedPort }, {}]));
        const services = [...custom("lvs3-").values()].filter((d) => d.type === "lvs:ipvs:VirtualService");
        expect(services.map((d) => d.name).sort()).toEqual(["lvs3-director-tcp-80", "lvs3-director-web"]);
    });

    it("refuse arguments that would reach a host unchecked, naming each", async () => {
        const { Director, RealServer } = await import("../../components");
        expect(
            () =>
                new RealServer("web8", {
                    connection: { host: "h", privateKey: "K" },
                    address: { interface: "ens18", address: "10.20.0.300", prefixLength: 24 },
                    gateway: "10.20.0.1; reboot",
                }),
        ).toThrow(
            'Invalid RealServer web8 arguments (2 problems); nothing was changed:\n  - address: "10.20.0.300/24" is ' +
                "not an IPv4 address with a prefix length, like 192.168.2.100/24\n" +
                '  - gateway: "10.20.0.1; reboot" is not an IPv4 address',
        );
        expect(
            () =>
                new RealServer("web9", {
                    connection: { host: "h", privateKey: "K" },
                    address: { interface: "ens18", address: "10.20.0.19", prefixLength: 24 },
                    page: "<h1>web9</h1>",
                    pageFile: { path: "/srv/web9.html", sha256: "ab".repeat(32) },
                }),
        ).toThrow(
            "Invalid RealServer web9 arguments (1 problem); nothing was changed:\n  - pageFile: web9 has a page given inline " +
                "too: keep one of page and pageFile",
        );
        expect(
            () =>
                new Director("bad", {
                    connection: { host: "h", privateKey: "K" },
                    vip: { interface: "eth1$(reboot)", address: "192.168.145.100", prefixLength: 24 },
                    dip: { interface: "eth2", address: "192.168.2.1", prefixLength: 24 },
                    virtualServices: [{ port: 80, realServers: [{ address: "192.168.2.100", weight: 70000 }] }],
                }),
        ).toThrow(
            new RegExp(
                'vip.interface: "eth1\\$\\(reboot\\)" is not a network interface name.*\\n' +
                    ".*virtualServices\\[0\\].realServers\\[0\\].weight: must be from 0 to 65535",
            ),
        );
    });
});

describe("LvsCluster with a health-checked service", () => {
    it("puts the director's whole table in keepalived's hands: its package and one Keepalived resource, no VirtualService", async () => {
        await tutorialCluster("hc", (args) => {
            args.virtualServices = [
                { port: 80, healthCheck: { type: "HTTP_GET", path: "/health" } },
                { port: 8080, scheduler: "wlc" },
            ];
        });
        const resources = custom("hc-director");
        expect([...resources.values()].map((d) => `${d.type} ${d.name}`).sort()).toEqual([
            "lvs:host:Addresses hc-director-addresses",
            "lvs:host:Package hc-director-ipvsadm",
            "lvs:host:Package hc-director-keepalived",
            "lvs:host:Sysctls hc-director-sysctls",
            "lvs:keepalived:Keepalived hc-director-keepalived-config",
        ]);
        const keepalived = declared.find((d) => d.type === "lvs:keepalived:Keepalived" && d.name === "hc-director-keepalived-config")!;
        expect(Object.keys(keepalived.inputs.virtualServices)).toEqual(["tcp 192.168.145.100:80", "tcp 192.168.145.100:8080"]);
        expect(keepalived.inputs.virtualServices["tcp 192.168.145.100:80"].healthCheck).toMatchObject({
            type: "HTTP_GET",
            path: "/health",
            delayLoop: 2,
            inhibitOnFailure: true,
        });
        expect(keepalived.inputs.virtualServices["tcp 192.168.145.100:8080"]).toMatchObject({
            scheduler: "wlc",
            realServers: { "192.168.2.100:80": { forwarding: "nat", weight: 1 }, "192.168.2.101:80": { forwarding: "nat", weight: 1 } },
        });
        expect(keepalived.inputs.virtualServices["tcp 192.168.145.100:8080"].healthCheck).toBeUndefined();
    });
});
