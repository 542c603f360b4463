// The benchmark's breakdown of a `pulumi up`: engine steps joined with the
// lvs provider's script timings, slowest first.
import { describe, expect, it } from "vitest";
import { breakdown, formatBreakdown } from "../../tools/benchBreakdown";

const urn = (name: string, type = "lvs:host:Sysctls") => `urn:pulumi:ci::lvs::lvs:index:LvsCluster$${type}::${name}`;
const event = (timestamp: number, kind: "resourcePreEvent" | "resOutputsEvent", name: string, op = "create", type = "lvs:host:Sysctls") =>
    JSON.stringify({ timestamp, [kind]: { metadata: { op, urn: urn(name, type), type } } });

const events = [
    event(100, "resourcePreEvent", "stack", "create", "pulumi:pulumi:Stack"),
    event(100, "resourcePreEvent", "lvs", "create", "lvs:index:LvsCluster"),
    event(101, "resourcePreEvent", "lvs-director-sysctls"),
    event(102, "resourcePreEvent", "lvs-rs1-addresses", "same"),
    event(103, "resOutputsEvent", "lvs-director-sysctls"),
    event(104, "resourcePreEvent", "lvs-director-tcp-80", "update", "lvs:ipvs:VirtualService"),
    event(109, "resOutputsEvent", "lvs-director-tcp-80", "update", "lvs:ipvs:VirtualService"),
].join("\n");
const timings = [
    { urn: urn("lvs-director-sysctls"), connectMs: 400, runMs: 900 },
    { urn: urn("lvs-director-tcp-80", "lvs:ipvs:VirtualService"), connectMs: 0, runMs: 1200 },
    { urn: urn("lvs-director-tcp-80", "lvs:ipvs:VirtualService"), connectMs: 0, runMs: 2300 },
]
    .map((t) => JSON.stringify(t))
    .join("\n");

describe("benchmark breakdown", () => {
    it("times each step from the engine's events and adds the provider's SSH and script times; same steps, the stack and components are left out", () => {
        expect(breakdown(events, timings)).toEqual([
            {
                name: "lvs-director-tcp-80",
                type: "lvs:ipvs:VirtualService",
                op: "update",
                startedAt: 4,
                seconds: 5,
                connectMs: 0,
                scriptMs: 3500,
                scripts: 2,
            },
            {
                name: "lvs-director-sysctls",
                type: "lvs:host:Sysctls",
                op: "create",
                startedAt: 1,
                seconds: 2,
                connectMs: 400,
                scriptMs: 900,
                scripts: 1,
            },
        ]);
    });

    it("prints one aligned row per resource", () => {
        const table = formatBreakdown(breakdown(events, timings)).split("\n");
        expect(table[0]).toMatch(/^resource +op +starts at +takes +ssh connect +scripts \(n\)$/);
        expect(table[1]).toMatch(/^lvs-director-tcp-80 +update +4 s +5 s +0\.00 s +3\.50 s \(2\)$/);
        expect(table).toHaveLength(3);
    });
});
