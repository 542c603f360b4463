// One model: a virtual service written in the stack's settings, in code for a
// cluster, or for a director alone is judged by the same schema and gets the
// same defaults; the provider's check of a VirtualService gives the ones it
// shares; and the resource's wire form is the model's, both ways.
import { describe, expect, it } from "vitest";
import { parseClusterConfig } from "../../src/config";
import { clusterTables } from "../../src/desiredTables";
import { stateOf, tableOf, virtualServiceStateSchema } from "../../resources/virtualService/state";
import { checkCluster, checkDirectorArgs } from "../../src/validate";
import { keyFileEnv, tutorialConfig, tutorialSpec } from "../support/specs";

/** Services as a user might write them, each in every form. */
const SERVICES: Record<string, Record<string, unknown>> = {
    "nothing at all": {},
    "a NAT port of its own": { port: 8080, scheduler: "wlc" },
    "a VS/DR port": { port: 8080, forwarding: "dr" },
    "a firewall mark": { fwmark: 3, ports: [8080, 8081], forwarding: "dr", protocol: "udp" },
    "persistence and flags": { port: 443, scheduler: "sh", flags: ["sh-port"], persistence: { timeout: 60 } },
};

/** The service as the stack's list form takes it (persistence as two settings). */
function asSetting(vs: Record<string, unknown>): Record<string, unknown> {
    const { persistence, ...rest } = vs as { persistence?: { timeout: number } };
    return { ...rest, ...(persistence ? { persistence: persistence.timeout } : {}) };
}

function fromSettings(vs: Record<string, unknown>) {
    const { virtualService: _single, ...config } = tutorialConfig();
    return parseClusterConfig({ ...config, virtualServices: [asSetting(vs)] }, keyFileEnv).spec.virtualServices[0]!;
}

function fromCode(vs: Record<string, unknown>) {
    const { director, realServers, drainTimeout } = tutorialSpec();
    const checked = checkCluster({ director, realServers, drainTimeout, virtualServices: [vs] });
    expect(checked.problems).toEqual([]);
    return checked.value!.virtualServices[0]!;
}

function forDirector(vs: Record<string, unknown>) {
    const { director } = tutorialSpec();
    const checked = checkDirectorArgs({
        hostName: "director",
        vip: director.vip,
        dip: director.dip,
        virtualServices: [{ ...vs, realServers: [{ address: "192.168.2.100" }, { address: "192.168.2.101" }] }],
    });
    expect(checked.problems).toEqual([]);
    return checked.value!.virtualServices[0]!;
}

describe("one model", () => {
    it.each(Object.entries(SERVICES))("gives %s the same defaults from settings, from code and on a director alone", (_what, vs) => {
        const settings = fromSettings(vs);
        expect(fromCode(vs)).toEqual(settings);
        const { realServers, ...service } = forDirector(vs);
        const { realServers: byName, ...same } = settings;
        expect(service).toEqual(same);
        expect(realServers.map(({ port, weight }) => ({ port, weight }))).toEqual(byName.map(({ port, weight }) => ({ port, weight })));
    });

    it("gives each default once: TCP over IPv4 on port 80, round robin, no flags, VS/NAT onto httpd's port 80, weight 1", () => {
        expect(fromCode({})).toEqual({
            protocol: "tcp",
            family: "ipv4",
            port: 80,
            scheduler: "rr",
            flags: [],
            forwarding: "nat",
            realServers: [
                { name: "rs1", weight: 1, port: 80 },
                { name: "rs2", weight: 1, port: 80 },
            ],
        });
        // VS/NAT maps a port onto httpd's; VS/DR cannot map ports; a firewall-mark service keeps the packet's.
        expect(fromCode(SERVICES["a NAT port of its own"]!).realServers.map((e) => e.port)).toEqual([80, 80]);
        expect(fromCode(SERVICES["a VS/DR port"]!).realServers.map((e) => e.port)).toEqual([8080, 8080]);
        const mark = fromCode(SERVICES["a firewall mark"]!);
        expect([mark.port, mark.realServers.map((e) => e.port)]).toEqual([undefined, [0, 0]]);
    });

    it("gives a VirtualService the defaults it shares with the cluster, from its own check", () => {
        const { scheduler, flags } = fromCode({});
        const { drainTimeout } = tutorialSpec();
        const state = virtualServiceStateSchema.parse({
            hostName: "director",
            protocol: "tcp",
            address: "192.168.145.100",
            port: 80,
            realServers: { "192.168.2.100:80": { forwarding: "nat", weight: 1 } },
        });
        expect({ scheduler: state.scheduler, flags: state.flags, drainTimeout: state.drainTimeout }).toEqual({
            scheduler,
            flags,
            drainTimeout,
        });
    });

    it("refuses in the provider's check what the cluster's check refuses, in the same words", () => {
        const bad = { scheduler: "rr", flags: ["sh-port"], persistence: { timeout: 60, netmask: "255.0.255.0" } };
        const fromCluster = checkCluster({ ...tutorialSpec(), virtualServices: [{ port: 80, ...bad }] }).problems.map((p) =>
            p.split(": ").slice(1).join(": "),
        );
        const state = virtualServiceStateSchema.safeParse({
            hostName: "director",
            protocol: "tcp",
            address: "192.168.145.100",
            port: 80,
            ...bad,
            realServers: {},
        });
        expect(state.success).toBe(false);
        expect(state.error!.issues.map((i) => i.message).sort()).toEqual(fromCluster.sort());
    });

    it.each(Object.entries(SERVICES))("carries %s through the resource's wire form and back unchanged", (_what, vs) => {
        const { director, realServers, drainTimeout } = tutorialSpec();
        const spec = checkCluster({ director, realServers, drainTimeout, virtualServices: [vs] });
        expect(spec.problems).toEqual([]);
        const [table] = clusterTables(spec.value!);
        expect(tableOf(virtualServiceStateSchema.parse({ hostName: "director", ...stateOf(table!) }))).toEqual(table);
    });
});
