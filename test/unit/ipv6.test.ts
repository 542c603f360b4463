// IPv6 and dual stack from the settings to the host: the spec (addresses in the
// spelling the host prints), the tables and ipvsadm's bracketed forms both
// ways, keepalived.conf, the addresses read back, and each bad input's exact
// words.
import { describe, expect, it } from "vitest";
import { parseClusterConfig } from "../../src/config";
import { clusterTables } from "../../src/desiredTables";
import { parseCounters, parseSavedRules } from "../../src/ipvs/parse";
import { listing, savedRules } from "../../src/ipvs/render";
import { serviceArgument, serviceKey } from "../../src/ipvs/model";
import { keepalivedConf } from "../../src/keepalived/render";
import { parseAddressesRead } from "../../resources/addresses/scripts";
import { stateOf, virtualServiceStateSchema } from "../../resources/virtualService/state";
import { keyFileEnv, problemsOf, tutorialConfig } from "../support/specs";

type Config = ReturnType<typeof tutorialConfig>;

/** The tutorial's cluster with an IPv6 service beside its IPv4 one (as stacks/Pulumi.ci-dr.yaml has it). */
function dualStackConfig(): Config {
    const c = tutorialConfig();
    delete (c as unknown as Record<string, unknown>).virtualService;
    Object.assign(c.director, { vip6: "fd00:145:0::0100/64", dip6: "fd00:2::1/64" });
    c.virtualServices = [{ port: 80 }, { port: 80, family: "ipv6" }];
    const rs = c.realServers as Record<string, unknown>[];
    rs[0]!.address6 = "fd00:2::100/64";
    rs[1]!.address6 = "fd00:2::101/64";
    return c;
}

describe("IPv6 services", () => {
    it("turn into the spec with the director's IPv6 VIP and DIP on the interfaces of their IPv4 peers, spelt as the host prints them", () => {
        const { spec } = parseClusterConfig(dualStackConfig(), keyFileEnv);
        expect(spec.director.vip6).toEqual({ interface: "eth1", address: "fd00:145::100", prefixLength: 64 });
        expect(spec.director.dip6).toEqual({ interface: "eth2", address: "fd00:2::1", prefixLength: 64 });
        expect(spec.realServers[0]!.address6).toEqual({ interface: "eth1", address: "fd00:2::100", prefixLength: 64 });
        expect(spec.virtualServices.map((vs) => vs.family)).toEqual(["ipv4", "ipv6"]);
    });

    it("are tables on the IPv6 VIP with the real servers' IPv6 addresses, in ipvsadm's bracketed forms both ways", () => {
        const { spec } = parseClusterConfig(dualStackConfig(), keyFileEnv);
        const [v4, v6] = clusterTables(spec);
        expect(serviceKey(v4!.service)).toBe("tcp 192.168.145.100:80");
        expect(serviceKey(v6!.service)).toBe("tcp [fd00:145::100]:80");
        expect(serviceArgument(v6!.service)).toEqual(["-t", "[fd00:145::100]:80"]);
        const rules = savedRules(v6!);
        expect(rules).toEqual([
            "-A -t [fd00:145::100]:80 -s rr",
            "-a -t [fd00:145::100]:80 -r [fd00:2::100]:80 -m -w 1",
            "-a -t [fd00:145::100]:80 -r [fd00:2::101]:80 -m -w 1",
        ]);
        // What ipvsadm-save -n prints reads back into the same table.
        expect(parseSavedRules(rules.join("\n"))).toEqual([{ service: v6!.service, realServers: v6!.realServers }]);
        expect(listing(v6!).split("\n")[0]).toBe("TCP  [fd00:145::100]:80 rr");
        // The state keys the real servers as ipvsadm prints them, and its check takes them.
        const state = stateOf(v6!);
        expect(Object.keys(state.realServers)).toEqual(["[fd00:2::100]:80", "[fd00:2::101]:80"]);
        expect(virtualServiceStateSchema.safeParse({ hostName: "director", ...state }).success).toBe(true);
        // An IPv6 entry without its brackets is not the key ipvsadm prints: refused.
        const unbracketed = { hostName: "director", ...state, realServers: { "fd00:2::100:80": { forwarding: "nat", weight: 1 } } };
        expect(virtualServiceStateSchema.safeParse(unbracketed).success).toBe(false);
    });

    it("read their connections back from ipvsadm's listing", () => {
        const counters = parseCounters(
            [
                "IP Virtual Server version 1.2.1 (size=4096)",
                "Prot LocalAddress:Port Scheduler Flags",
                "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
                "TCP  [fd00:145::100]:80 rr",
                "  -> [fd00:2::100]:80             Masq    1      2          5",
            ].join("\n"),
        );
        expect(counters.get("tcp [fd00:145::100]:80")?.get("[fd00:2::100]:80")).toMatchObject({
            forwarding: "nat",
            weight: 1,
            activeConnections: 2,
            inactiveConnections: 5,
        });
    });

    it("are virtual_server blocks of keepalived.conf on the IPv6 addresses", () => {
        const { spec } = parseClusterConfig(dualStackConfig(), keyFileEnv);
        const conf = keepalivedConf("director", clusterTables(spec));
        expect(conf).toContain("virtual_server fd00:145::100 80 {");
        expect(conf).toContain("    real_server fd00:2::101 80 {");
    });

    it("have their addresses and IPv6 default route read back from ip's one-line output", () => {
        const fact = {
            hostName: "rs1",
            description: "real server rs1",
            addresses: {
                "192.168.2.100/24": { interface: "eth1" },
                "fd00:2::100/64": { interface: "eth1" },
                "fd00:145::100/128": { interface: "lo" },
            },
            defaultRoute6: { via: "fd00:2::1", interface: "eth1" },
            interfaceSetting: "lvs:realServers[].interface",
        };
        const live = parseAddressesRead(
            [
                "1: lo    inet6 fd00:145::100/128 scope global nodad \\       valid_lft forever preferred_lft forever",
                "2: eth1    inet 192.168.2.100/24 brd 192.168.2.255 scope global eth1\\       valid_lft forever preferred_lft forever",
                "2: eth1    inet6 fd00:2::100/64 scope global nodad \\       valid_lft forever preferred_lft forever",
                "2: eth1    inet6 fe80::5054:ff:fe00:102/64 scope link \\       valid_lft forever preferred_lft forever",
                "inet6-route default via fd00:2::1 dev eth1 metric 1024 pref medium",
            ].join("\n"),
            fact,
        );
        expect(live).toEqual({ addresses: fact.addresses, defaultRoute6: { via: "fd00:2::1", interface: "eth1" }, persisted: true });
    });

    it.each<[string, (c: Config) => void, string[]]>([
        [
            "an IPv4 address as vip6",
            (c) => Object.assign(c.director, { vip6: "192.168.145.200/24" }),
            ['lvs:director.vip6: "192.168.145.200/24" is not an IPv6 address with a prefix length, like fd00:2::100/64'],
        ],
        [
            "a link-local vip6",
            (c) => Object.assign(c.director, { vip6: "fe80::100/64" }),
            ['lvs:director.vip6: "fe80::100" is a linkLocal address: use a global or unique local (fd00::/8) one'],
        ],
        [
            "a prefix over 128",
            (c) => Object.assign(c.director, { dip6: "fd00:2::1/129" }),
            ['lvs:director.dip6: "fd00:2::1/129" needs a prefix length from 1 to 128, like /64'],
        ],
        [
            "the network's own address as dip6",
            (c) => Object.assign(c.director, { dip6: "fd00:2::/64" }),
            ['lvs:director.dip6: "fd00:2::/64" is the subnet-router anycast address of its network: pick a host address in it'],
        ],
        [
            "an ipv6 service without vip6",
            (c) => delete (c.director as Record<string, unknown>).vip6,
            ["lvs:director.vip6: missing: lvs:virtualServices[1].family is ipv6: give the director an IPv6 VIP, like fd00:145::100/64"],
        ],
        [
            "an ipv6 VS/NAT service without dip6",
            (c) => delete (c.director as Record<string, unknown>).dip6,
            [
                "lvs:director.dip6: missing: VS/NAT and VS/DR need the director's IPv6 address on the real servers' network " +
                    "(the DIP, e.g. fd00:2::1/64), and its interface",
            ],
        ],
        [
            "a real server of an ipv6 service without address6",
            (c) => delete (c.realServers as Record<string, unknown>[])[1]!.address6,
            [
                "lvs:realServers[1].address6: missing: rs2 is in an ipv6 service: give it an IPv6 address on the real servers' " +
                    "network, like fd00:2::100/64",
            ],
        ],
        [
            "a real server's address6 off dip6's network",
            (c) => ((c.realServers as Record<string, unknown>[])[0]!.address6 = "fd00:3::100/64"),
            [
                "lvs:realServers[0].address6: fd00:3::100/64 is outside the director's inside network fd00:2::/64 " +
                    "(lvs:director.dip6): in NAT mode real servers reply through the director, so put the real server on " +
                    "fd00:2::/64 or change lvs:director.dip6",
            ],
        ],
        [
            "two real servers on one IPv6 address",
            (c) => ((c.realServers as Record<string, unknown>[])[1]!.address6 = "fd00:2::100/64"),
            [
                "lvs:realServers[1].address6: duplicate real server address fd00:2::100, already used by " +
                    "lvs:realServers[0].address6: each host appears once",
            ],
        ],
        [
            "dip6 on vip6's network with VS/NAT",
            (c) => Object.assign(c.director, { dip6: "fd00:145::1/64" }),
            [
                "lvs:director.dip6: fd00:145::1/64 is on the VIP's network fd00:145::/64: VS/NAT needs the real servers on a " +
                    "separate inside network; give the DIP an address of that network",
            ],
        ],
        [
            "a gateway6 on a VS/NAT real server of an ipv6 service",
            (c) => ((c.realServers as Record<string, unknown>[])[0]!.gateway6 = "fd00:2::254"),
            [
                "lvs:realServers[0].gateway6: a VS/NAT real server's default route goes through the director's dip6: leave " +
                    "gateway6 out (it is set for you)",
            ],
        ],
        [
            "a gateway6 without address6",
            (c) => {
                (c.virtualServices as Record<string, unknown>[]).pop();
                const rs = (c.realServers as Record<string, unknown>[])[0]!;
                delete rs.address6;
                rs.gateway6 = "fd00:2::254";
            },
            ["lvs:realServers[0].gateway6: rs1 has no address6: set it too, or leave gateway6 out"],
        ],
        [
            "VS/TUN over IPv6",
            (c) => ((c.virtualServices as Record<string, unknown>[])[1]!.forwarding = "tun"),
            [
                "lvs:virtualServices[1].forwarding: VS/TUN over IPv6 is not supported (the real servers would need ip6tnl " +
                    "tunnels): use nat or dr for an ipv6 service",
            ],
        ],
        [
            "a firewall mark over IPv6",
            (c) => Object.assign((c.virtualServices as Record<string, unknown>[])[1]!, { port: undefined, fwmark: 3, ports: [8080] }),
            [
                "lvs:virtualServices[1].fwmark: a firewall-mark service is IPv4 only (the director marks packets in an IPv4 " +
                    "nftables table): give the ipv6 service a port",
            ],
        ],
        [
            "a persistence netmask over IPv6",
            (c) =>
                Object.assign((c.virtualServices as Record<string, unknown>[])[1]!, {
                    persistence: 60,
                    persistenceNetmask: "255.255.255.0",
                }),
            [
                "lvs:virtualServices[1].persistenceNetmask: a netmask is IPv4's: an ipv6 service's persistence holds each client " +
                    "address on its own; leave the netmask out",
            ],
        ],
        [
            "an unknown family",
            (c) => ((c.virtualServices as Record<string, unknown>[])[1]!.family = "inet6"),
            ['lvs:virtualServices[1].family: unknown address family "inet6": use ipv4 (the VIP) or ipv6 (the director\'s vip6)'],
        ],
        [
            "the same IPv6 port twice",
            (c) => (c.virtualServices as Record<string, unknown>[]).push({ port: 80, family: "ipv6" }),
            [
                "lvs:virtualServices[2].port: duplicate virtual service tcp port 80 over IPv6, already used by " +
                    "lvs:virtualServices[1].port: each protocol and port, and each mark, is one virtual service",
            ],
        ],
        [
            "an ipv6 service on a director pair",
            (c) => {
                Object.assign(c.director, { address: "192.168.145.2/24", insideAddress: "192.168.2.2/24" });
                c.backup = { ssh: { host: "127.0.0.1", port: 2225 }, address: "192.168.145.3/24", insideAddress: "192.168.2.3/24" };
            },
            [
                "lvs:virtualServices[1].family: a director pair moves IPv4 addresses only (one VRRP instance): ipv6 services " +
                    "need a single director",
            ],
        ],
    ])("refuse %s, in words that name the setting and the fix", (_what, mutate, expected) => {
        expect(problemsOf(dualStackConfig(), mutate)).toEqual(expected);
    });
});
