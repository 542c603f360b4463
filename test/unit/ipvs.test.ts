// The typed IPVS model: rendering, parsing what ipvsadm prints (fixtures
// captured from ipvsadm 1.31 on the lab's Debian VMs), and the in-place plan.
import { describe, expect, it } from "vitest";
import { describeChange, listing, parseCounters, parseSavedRules, planSync, savedRules, ServiceTable } from "../../src/ipvs";

const tutorial: ServiceTable = {
    service: { protocol: "tcp", address: "192.168.145.100", port: 80, scheduler: "rr", flags: [] },
    realServers: [
        { address: "192.168.2.100", port: 80, forwarding: "nat", weight: 1 },
        { address: "192.168.2.101", port: 80, forwarding: "nat", weight: 1 },
    ],
};

// `ipvsadm-save -n` on the lab's director after adding these services by hand.
const SAVED = `-A -t 192.168.145.100:80 -s rr
-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 3
-a -t 192.168.145.100:80 -r 192.168.2.101:80 -g -w 1
-A -t 192.168.145.100:443 -s sh -p 300 -M 255.255.255.0 -b sh-fallback,sh-port
-a -t 192.168.145.100:443 -r 192.168.2.102:443 -i -w 0 --tun-type ipip
-A -t 192.168.145.100:8080 -s rr -p 360
-A -u 192.168.145.100:53 -s wrr
-A -f 7 -s mh -b mh-fallback
-a -f 7 -r 192.168.2.100:0 -g -w 1
`;

// `ipvsadm -L -n` and `ipvsadm -L -n --stats --exact` of the same director.
const LISTED = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.168.145.100:80 rr
  -> 192.168.2.100:80             Masq    3      4          17        
  -> 192.168.2.101:80             Route   1      0          2         
FWM  7 mh (mh-fallback)
  -> 192.168.2.100:0              Route   1      0          0         
`;
const STATS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  192.168.145.100:80                 23      140      120    10210    30500
  -> 192.168.2.100:80                   21      130      110     9500    28000
  -> 192.168.2.101:80                    2       10       10      710     2500
`;

describe("savedRules (ipvsadm-save -n form)", () => {
    it.each<[string, ServiceTable, string[]]>([
        [
            "the tutorial: round robin, NAT",
            tutorial,
            [
                "-A -t 192.168.145.100:80 -s rr",
                "-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1",
                "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1",
            ],
        ],
        [
            "persistence with a netmask, flags, DR and TUN",
            {
                service: {
                    protocol: "tcp",
                    address: "192.168.145.100",
                    port: 443,
                    scheduler: "sh",
                    flags: ["sh-fallback", "sh-port"],
                    persistence: { timeout: 300, netmask: "255.255.255.0" },
                },
                realServers: [
                    { address: "192.168.2.102", port: 443, forwarding: "tun", weight: 0 },
                    { address: "192.168.2.103", port: 443, forwarding: "dr", weight: 2 },
                ],
            },
            [
                "-A -t 192.168.145.100:443 -s sh -p 300 -M 255.255.255.0 -b sh-fallback,sh-port",
                "-a -t 192.168.145.100:443 -r 192.168.2.102:443 -i -w 0 --tun-type ipip",
                "-a -t 192.168.145.100:443 -r 192.168.2.103:443 -g -w 2",
            ],
        ],
        [
            "UDP and a firewall mark",
            {
                service: { fwmark: 7, scheduler: "mh", flags: ["mh-fallback"] },
                realServers: [{ address: "192.168.2.100", port: 0, forwarding: "dr", weight: 1 }],
            },
            ["-A -f 7 -s mh -b mh-fallback", "-a -f 7 -r 192.168.2.100:0 -g -w 1"],
        ],
    ])("%s", (_name, table, expected) => {
        expect(savedRules(table)).toEqual(expected);
        // What the model renders, it reads back unchanged.
        expect(parseSavedRules(expected.join("\n"))).toEqual([table]);
    });
});

describe("parseSavedRules", () => {
    it("reads every service of a live table, with its options and real servers", () => {
        const tables = parseSavedRules(SAVED);
        expect(tables.map((t) => savedRules(t)).flat()).toEqual(SAVED.trimEnd().split("\n"));
        expect(tables[1]!.service).toEqual({
            protocol: "tcp",
            address: "192.168.145.100",
            port: 443,
            scheduler: "sh",
            flags: ["sh-fallback", "sh-port"],
            persistence: { timeout: 300, netmask: "255.255.255.0" },
        });
        expect(tables[2]!.service.persistence).toEqual({ timeout: 360 });
        expect(tables[3]!.service).toEqual({ protocol: "udp", address: "192.168.145.100", port: 53, scheduler: "wrr", flags: [] });
        expect(tables[4]!.realServers).toEqual([{ address: "192.168.2.100", port: 0, forwarding: "dr", weight: 1 }]);
    });

    it("ignores what is not a rule", () => {
        expect(parseSavedRules("\n# comment\n-a -t 1.2.3.4:80 -r 10.0.0.1:80 -m -w 1\n")).toEqual([]);
    });
});

describe("parseCounters", () => {
    it("merges active and inactive connections with the --stats counters, per service and real server", () => {
        const counters = parseCounters(LISTED, STATS);
        expect(counters.get("tcp 192.168.145.100:80")?.get("192.168.2.100:80")).toEqual({
            forwarding: "nat",
            weight: 3,
            activeConnections: 4,
            inactiveConnections: 17,
            connections: 21,
            inPackets: 130,
            outPackets: 110,
            inBytes: 9500,
            outBytes: 28000,
        });
        expect(counters.get("fwmark 7")?.get("192.168.2.100:0")).toMatchObject({ forwarding: "dr", activeConnections: 0 });
    });
});

describe("listing", () => {
    it("shows a service as ipvsadm -L -n does, without counters", () => {
        expect(listing(tutorial)).toBe(
            "TCP  192.168.145.100:80 rr\n  -> 192.168.2.100:80             Masq    1\n  -> 192.168.2.101:80             Masq    1",
        );
    });
});

describe("planSync: the live table into the desired one, in place", () => {
    const change = (edit: (t: ServiceTable) => void): ServiceTable => {
        const t = structuredClone(tutorial);
        edit(t);
        return t;
    };

    it("adds a missing service with its real servers", () => {
        expect(planSync(tutorial, undefined)).toMatchObject({
            apply: [
                "ipvsadm -A -t 192.168.145.100:80 -s rr",
                "ipvsadm -a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1",
                "ipvsadm -a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1",
            ],
            drain: [],
            remove: [],
        });
    });

    it("changes nothing when live and desired agree", () => {
        expect(planSync(tutorial, structuredClone(tutorial))).toEqual({ changes: [], apply: [], drain: [], remove: [] });
    });

    it.each<[string, (t: ServiceTable) => void, string[], string[], string[]]>([
        [
            "a new scheduler is an edit of the service",
            (t) => (t.service.scheduler = "wrr"),
            ["ipvsadm -E -t 192.168.145.100:80 -s wrr"],
            [],
            [],
        ],
        [
            "a new weight is an edit of the entry",
            (t) => (t.realServers[1]!.weight = 3),
            ["ipvsadm -e -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 3"],
            [],
            [],
        ],
        [
            "a new real server is added",
            (t) => t.realServers.push({ address: "192.168.2.102", port: 80, forwarding: "nat", weight: 2 }),
            ["ipvsadm -a -t 192.168.145.100:80 -r 192.168.2.102:80 -m -w 2"],
            [],
            [],
        ],
        [
            "a real server that goes is quiesced, drained, then deleted",
            (t) => t.realServers.pop(),
            ["ipvsadm -e -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 0"],
            ["192.168.2.101:80"],
            ["ipvsadm -d -t 192.168.145.100:80 -r 192.168.2.101:80"],
        ],
        [
            "weight 0 quiesces and drains, and keeps the entry",
            (t) => (t.realServers[0]!.weight = 0),
            ["ipvsadm -e -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 0"],
            ["192.168.2.100:80"],
            [],
        ],
    ])("%s", (_name, edit, apply, drain, remove) => {
        const plan = planSync(change(edit), tutorial);
        expect(plan.apply).toEqual(apply);
        expect(plan.drain).toEqual(drain);
        expect(plan.remove).toEqual(remove);
        expect([...plan.apply, ...plan.remove].join("\n")).not.toMatch(/ipvsadm (-C|--clear|-D)/);
    });

    it("turns persistence off with an edit that has no -p", () => {
        const live = change((t) => (t.service.persistence = { timeout: 60 }));
        expect(planSync(tutorial, live).apply).toEqual(["ipvsadm -E -t 192.168.145.100:80 -s rr"]);
    });

    it("says each change in the table's words", () => {
        const desired = change((t) => {
            t.service.scheduler = "wrr";
            t.realServers[1]!.weight = 3;
            t.realServers.shift();
        });
        expect(planSync(desired, tutorial).changes.map((c) => describeChange(desired.service, c))).toEqual([
            "service tcp 192.168.145.100:80 edited in place: scheduler rr, no persistence -> scheduler wrr, no persistence",
            "service tcp 192.168.145.100:80: real server 192.168.2.101:80 weight 1 -> 3",
            "service tcp 192.168.145.100:80: real server 192.168.2.100:80 quiesced (weight 0), drained, then removed",
        ]);
    });
});
