// The list form of the settings (`lvs:virtualServices`), VS/DR and VS/TUN,
// firewall-mark services: what they parse into, and every rule they must meet,
// each problem named after the setting to fix.
import { describe, expect, it } from "vitest";
import { parseClusterConfig, ParseEnvironment } from "../../src/config";
import { drConfig, keyFileEnv, problemsOf as problemsOfConfig, tutorialConfig } from "../support/specs";

type Config = ReturnType<typeof drConfig>;

function problemsOf(mutate: (c: Config) => void, env: ParseEnvironment = keyFileEnv): string[] {
    return problemsOfConfig(drConfig(), mutate, env);
}

describe("lvs:virtualServices", () => {
    it("turns each service into the spec: ports, marks, persistence, DR's own ports and the weights", () => {
        const { spec } = parseClusterConfig(drConfig(), keyFileEnv);
        expect(spec.virtualServices).toEqual([
            {
                protocol: "tcp",
                family: "ipv4",
                port: 80,
                scheduler: "wrr",
                flags: [],
                forwarding: "dr",
                realServers: [
                    { name: "rs1", weight: 3, port: 80 },
                    { name: "rs2", weight: 1, port: 80 },
                ],
            },
            {
                protocol: "udp",
                family: "ipv4",
                port: 53,
                scheduler: "rr",
                flags: [],
                forwarding: "dr",
                realServers: [
                    { name: "rs1", weight: 1, port: 53 },
                    { name: "rs2", weight: 1, port: 53 },
                ],
            },
            {
                protocol: "tcp",
                family: "ipv4",
                fwmark: 1,
                ports: [8080, 8081],
                scheduler: "rr",
                flags: [],
                forwarding: "dr",
                realServers: [
                    { name: "rs1", weight: 1, port: 0 },
                    { name: "rs2", weight: 1, port: 0 },
                ],
            },
            {
                protocol: "tcp",
                family: "ipv4",
                port: 81,
                scheduler: "rr",
                flags: [],
                persistence: { timeout: 30, netmask: "255.255.255.0" },
                forwarding: "dr",
                realServers: [
                    { name: "rs1", weight: 1, port: 81 },
                    { name: "rs2", weight: 1, port: 81 },
                ],
            },
            {
                protocol: "tcp",
                family: "ipv4",
                port: 82,
                scheduler: "sh",
                flags: [],
                forwarding: "dr",
                realServers: [
                    { name: "rs1", weight: 1, port: 82 },
                    { name: "rs2", weight: 1, port: 82 },
                ],
            },
        ]);
        expect(spec.realServers.map((rs) => rs.gateway)).toEqual(["192.168.2.254", "192.168.2.254"]);
    });

    it("gives a service without its own list every real server, with the weight set on each", () => {
        const config = drConfig();
        config.realServers[1]!.weight = 4;
        expect(parseClusterConfig(config, keyFileEnv).spec.virtualServices[1]!.realServers).toEqual([
            { name: "rs1", weight: 1, port: 53 },
            { name: "rs2", weight: 4, port: 53 },
        ]);
    });

    it("takes VS/TUN without a DIP", () => {
        const config = drConfig();
        delete config.director.dip;
        delete config.director.dipInterface;
        for (const vs of config.virtualServices) vs.forwarding = "tun";
        const { spec } = parseClusterConfig(config, keyFileEnv);
        expect(spec.director.dip).toBeUndefined();
        expect(new Set(spec.virtualServices.map((vs) => vs.forwarding))).toEqual(new Set(["tun"]));
    });

    it("keeps TCP and UDP on one port apart", () => {
        const config = drConfig();
        config.virtualServices[1]!.port = 80;
        expect(
            parseClusterConfig(config, keyFileEnv)
                .spec.virtualServices.slice(0, 2)
                .map((vs) => `${vs.protocol}/${vs.port}`),
        ).toEqual(["tcp/80", "udp/80"]);
    });

    it("maps the tutorial's single VS/DR service onto its own port (DR cannot map ports)", () => {
        const config = tutorialConfig();
        config.virtualService = { port: 8080, forwarding: "dr" };
        const { spec } = parseClusterConfig(config, keyFileEnv);
        expect(spec.virtualServices[0]!.realServers.map((e) => e.port)).toEqual([8080, 8080]);
    });

    it.each<[string, (c: Config) => void, string]>([
        [
            "a DR real server on another port",
            (c) => ((c.virtualServices[0]!.realServers as { port?: number }[])[0]!.port = 8080),
            "lvs:virtualServices[0].realServers[0].port: VS/DR cannot map ports: the real server's port must be the service's port 80",
        ],
        [
            "a port in a firewall-mark service",
            (c) => (c.virtualServices[2]!.realServers = [{ name: "rs1", port: 8080 }]),
            "lvs:virtualServices[2].realServers[0].port: VS/DR cannot map ports: the real server's port must be 0 (the packet's own) in " +
                "a firewall-mark service",
        ],
        [
            "VS/DR without a DIP",
            (c) => {
                delete c.director.dip;
                delete c.director.dipInterface;
            },
            "lvs:director.dip: missing: VS/NAT and VS/DR need the director's address on the real servers' network (the DIP, " +
                "e.g. 192.168.2.1/24), and its interface",
        ],
        [
            "a DIP interface without a DIP",
            (c) => {
                for (const vs of c.virtualServices) vs.forwarding = "tun";
                delete c.director.dip;
            },
            "lvs:director.dipInterface: set without lvs:director.dip: set the DIP too, or leave both out (VS/TUN only)",
        ],
        [
            "a DR real server off the director's segment",
            (c) => (c.realServers[1] = { ...c.realServers[1], address: "192.168.3.101/24", gateway: "192.168.3.254" }),
            "lvs:realServers[1].address: 192.168.3.101/24 is outside the director's inside network 192.168.2.0/24 (lvs:director.dip): " +
                "in DR mode the director hands real servers their packets on its own network segment, so put the real server on " +
                "192.168.2.0/24 or change lvs:director.dip",
        ],
        [
            "a real server in a NAT and a DR service",
            (c) => c.virtualServices.push({ port: 8000, forwarding: "nat", realServers: [{ name: "rs2" }] }),
            "lvs:realServers[1].name: rs2 is in a VS/NAT service and a VS/DR service: a NAT real server routes its replies " +
                "through the director, a DR or TUN one past it; use separate real servers",
        ],
        [
            "a DR real server routed through the director",
            (c) => (c.realServers[0]!.gateway = "192.168.2.1"),
            "lvs:realServers[0].gateway: 192.168.2.1 is the director's DIP: VS/DR and VS/TUN real servers answer clients past the " +
                "director, which does not route their replies; use the network's router",
        ],
        [
            "a gateway off the real server's network",
            (c) => (c.realServers[0]!.gateway = "10.0.0.1"),
            "lvs:realServers[0].gateway: 10.0.0.1 is not on rs1's network 192.168.2.0/24: the gateway must be directly reachable",
        ],
        [
            "a gateway that is no address",
            (c) => (c.realServers[0]!.gateway = "router"),
            'lvs:realServers[0].gateway: "router" is not an IPv4 address',
        ],
        [
            "a port and a mark on one service",
            (c) => (c.virtualServices[2]!.port = 8080),
            "lvs:virtualServices[2].fwmark: a virtual service has a port or a firewall mark, not both: leave one out",
        ],
        [
            "a mark without ports",
            (c) => delete c.virtualServices[2]!.ports,
            "lvs:virtualServices[2].ports: a firewall-mark service needs the ports it takes, such as [8080, 8081]",
        ],
        [
            "ports without a mark",
            (c) => (c.virtualServices[4]!.ports = [82, 83]),
            "lvs:virtualServices[4].ports: only a firewall-mark service takes ports: set fwmark, or leave ports out",
        ],
        [
            "a service with neither port nor mark (it takes port 80, taken here)",
            (c) => delete c.virtualServices[4]!.port,
            "lvs:virtualServices[4].port: duplicate virtual service tcp port 80, already used by lvs:virtualServices[0].port: each " +
                "protocol and port, and each mark, is one virtual service",
        ],
        [
            "one port twice",
            (c) => (c.virtualServices[4]!.port = 80),
            "lvs:virtualServices[4].port: duplicate virtual service tcp port 80, already used by lvs:virtualServices[0].port: each " +
                "protocol and port, and each mark, is one virtual service",
        ],
        [
            "a mark's port taken by a service",
            (c) => (c.virtualServices[4]!.port = 8081),
            "lvs:virtualServices[4].port: duplicate virtual service tcp port 8081, already used by lvs:virtualServices[2].ports: each " +
                "protocol and port, and each mark, is one virtual service",
        ],
        [
            "one mark twice",
            (c) => c.virtualServices.push({ fwmark: 1, ports: [9000], forwarding: "dr" }),
            "lvs:virtualServices[5].fwmark: duplicate virtual service fwmark 1, already used by lvs:virtualServices[2].fwmark: each " +
                "protocol and port, and each mark, is one virtual service",
        ],
        [
            "a mark out of range",
            (c) => (c.virtualServices[2]!.fwmark = 0),
            "lvs:virtualServices[2].fwmark: must be a firewall mark from 1 to 4294967295",
        ],
        [
            "a service naming an unknown real server",
            (c) => (c.virtualServices[0]!.realServers = [{ name: "rs9" }]),
            'lvs:virtualServices[0].realServers[0].name: no real server is named "rs9": use a name from lvs:realServers',
        ],
        [
            "a real server twice in one service",
            (c) => (c.virtualServices[0]!.realServers = [{ name: "rs1" }, { name: "rs1" }]),
            "lvs:virtualServices[0].realServers[1].name: duplicate real server rs1, already used by " +
                "lvs:virtualServices[0].realServers[0].name: list each real server once per service",
        ],
        [
            "a bad weight in a service's own list",
            (c) => ((c.virtualServices[0]!.realServers as { weight?: number }[])[1]!.weight = -1),
            "lvs:virtualServices[0].realServers[1].weight: must be from 0 to 65535 (0 takes the server out of rotation)",
        ],
        [
            "a bad weight on a real server a service takes by default",
            (c) => (c.realServers[1]!.weight = 1.5),
            "lvs:realServers[1].weight: must be a whole number from 0 to 65535",
        ],
        [
            "a bad persistence netmask",
            (c) => (c.virtualServices[3]!.persistenceNetmask = "255.0.255.0"),
            'lvs:virtualServices[3].persistenceNetmask: "255.0.255.0" is not a netmask such as 255.255.255.0',
        ],
        [
            "a misspelt key in a service",
            (c) => (c.virtualServices[1]!.protocl = "udp"),
            'lvs:virtualServices[1]: unknown setting "protocl": check the spelling against README.md',
        ],
        [
            "both forms at once",
            (c) => (c.virtualService = { port: 80 }),
            "lvs:virtualService: lvs:virtualServices is set too: keep one of them (move this service into the list, or remove the list)",
        ],
        [
            "an empty list",
            (c) => (c.virtualServices = []),
            "lvs:virtualServices: lists no virtual service: add one (port or fwmark, scheduler)",
        ],
    ])("rejects %s, naming the setting and the fix", (_name, mutate, message) => {
        expect(problemsOf(mutate)).toEqual([message]);
    });

    it("names a misspelt stack setting rather than ignoring it", () => {
        expect(problemsOf(() => undefined, { ...keyFileEnv, settingKeys: ["director", "virtualServices", "virtualservice"] })).toEqual([
            "lvs:virtualservice: unknown setting: use one of lvs:ssh, lvs:director, lvs:virtualService, lvs:virtualServices, " +
                "lvs:realServers, lvs:drainTimeout, lvs:containers, lvs:forget, lvs:backup, lvs:vrrp (README.md)",
        ]);
    });

    it("accepts every scheduler the kernel offers, and the flags of sh and mh", () => {
        for (const scheduler of ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"]) {
            const config = drConfig();
            config.virtualServices[4]!.scheduler = scheduler;
            if (scheduler === "sh" || scheduler === "mh") config.virtualServices[4]!.flags = [`${scheduler}-port`, `${scheduler}-fallback`];
            expect(parseClusterConfig(config, keyFileEnv).spec.virtualServices[4]!.scheduler).toBe(scheduler);
        }
        expect(
            problemsOf((c) => {
                c.virtualServices[4]!.scheduler = "wlc";
                c.virtualServices[4]!.flags = ["sh-port"];
            }),
        ).toEqual(["lvs:virtualServices[4].flags: scheduler wlc takes no flags (only sh and mh do)"]);
    });
});
