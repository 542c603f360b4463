// What runs on hosts, for a reviewer: every script of every host fact is
// snapshot-tested (test/unit/__snapshots__), parses as POSIX sh, and stays
// inert whatever value reaches it: hostile values fed through every
// interpolation point never execute, on a throwaway host.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tableOf, VirtualServiceState } from "../../resources/virtualService/state";
import { serviceArgument } from "../../src/ipvs";
import { planSync } from "../../src/ipvs/plan";
import { addressesScripts } from "../../resources/addresses/scripts";
import { FactScripts } from "../../resources/virtualService/scripts";
import { fileScripts } from "../../resources/file/scripts";
import { firewallMarksScripts } from "../../resources/firewallMarks/scripts";
import { packageScripts } from "../../resources/package/scripts";
import { serviceScripts } from "../../resources/service/scripts";
import { sysctlsScripts } from "../../resources/sysctls/scripts";
import { applyTableScript, listServiceScript, readTableScript, removeServiceScript } from "../../resources/virtualService/scripts";
import { applyConfigScript, placeConfigScript, readKeepalivedScript, removeKeepalivedScript } from "../../resources/keepalived/scripts";
import { asRoot } from "../../src/shell";
import { FakeHost } from "../support/fakeHost";
import {
    directorAddresses,
    directorMarks,
    directorPackage,
    directorSysctls,
    rs1Addresses,
    rs1Httpd,
    rs1Page,
    rs1TunAddresses,
    rs1TunSysctls,
    tutorialService,
} from "../support/facts";

function virtualServiceScripts(d: VirtualServiceState): FactScripts {
    const svc = serviceArgument(tableOf(d).service);
    return {
        read: readTableScript(d.hostName),
        apply: applyTableScript(d.hostName, svc, planSync(tableOf(d), undefined).apply) + listServiceScript(d.hostName, svc),
        remove: removeServiceScript(d.hostName, svc),
    };
}

/** keepalived holding the tutorial's service: its file placed and applied, its read, its stop. */
function keepalivedScripts(): FactScripts {
    const svc = serviceArgument(tableOf(tutorialService()).service);
    return {
        apply: placeConfigScript("director", [svc]) + applyConfigScript("director"),
        read: readKeepalivedScript("director"),
        remove: removeKeepalivedScript("director", [svc]),
    };
}

const facts: [string, () => FactScripts][] = [
    ["director ipvsadm package", () => packageScripts(directorPackage)],
    ["director sysctls", () => sysctlsScripts(directorSysctls)],
    ["director addresses", () => addressesScripts(directorAddresses)],
    ["director virtual service", () => virtualServiceScripts(tutorialService())],
    ["director keepalived", keepalivedScripts],
    ["real server addresses", () => addressesScripts(rs1Addresses)],
    ["real server httpd", () => serviceScripts(rs1Httpd)],
    ["real server test page", () => fileScripts(rs1Page)],
    ["director firewall marks", () => firewallMarksScripts(directorMarks)],
    ["VS/TUN real server sysctls", () => sysctlsScripts(rs1TunSysctls)],
    ["VS/TUN real server addresses", () => addressesScripts(rs1TunAddresses)],
];

describe.each(facts)("%s", (_name, scripts) => {
    it("apply, read and remove, as they run on the host", () => {
        const s = scripts();
        expect(s.apply).toMatchSnapshot("apply");
        expect(s.read).toMatchSnapshot("read");
        expect(s.remove).toMatchSnapshot("remove");
    });

    it("each is valid POSIX sh, also wrapped for sudo", () => {
        const s = scripts();
        for (const script of [s.apply, s.read, s.remove]) {
            for (const wrapped of [script, asRoot(script, "root"), asRoot(script, "deploy")])
                expect(() => execFileSync("sh", ["-n"], { input: wrapped })).not.toThrow();
        }
    });
});

describe("hostile values through every interpolation point", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-hostile-"));
    const canary = path.join(dir, "executed");
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const hostile = [
        `x$(touch ${canary})`,
        `x\`touch ${canary}\``,
        `x'; touch ${canary}; '`,
        `x"; touch ${canary}; "`,
        `x;touch ${canary}`,
        `x|touch ${canary}`,
        `x\ntouch ${canary}\n`,
        `-x && touch ${canary}`,
    ];

    /** Each fact with the hostile value in every string it takes. */
    const builders: [string, (v: string) => FactScripts][] = [
        ["package", (v) => packageScripts({ hostName: v, package: v })],
        ["service", (v) => serviceScripts({ hostName: v, unit: v, listens: [80], listenTimeout: 30 })],
        ["sysctls", (v) => sysctlsScripts({ hostName: v, values: { [v]: v, "net.ipv4.ip_forward": v }, modules: [v] })],
        [
            "addresses",
            (v) =>
                addressesScripts({
                    hostName: v,
                    description: v,
                    addresses: { [v]: { interface: v } },
                    defaultRoute: { via: v, interface: v },
                    interfaceSetting: v,
                }),
        ],
        ["file", (v) => fileScripts({ hostName: v, path: `/var/www/${v}`, content: v })],
        [
            "firewall marks",
            (v) =>
                firewallMarksScripts({
                    hostName: v,
                    marks: { [v]: { protocol: v as "tcp", address: v, ports: [v as unknown as number] } },
                }),
        ],
        [
            "virtual service",
            (v) => {
                const d = tutorialService();
                return virtualServiceScripts({
                    ...d,
                    hostName: v,
                    address: v,
                    scheduler: v as "rr",
                    flags: [v],
                    persistence: { timeout: 60, netmask: v },
                    realServers: { [`${v}:80`]: { forwarding: "nat", weight: 1 } },
                });
            },
        ],
    ];

    it.each(builders)("%s: never executes a value, on a throwaway host", (_name, build) => {
        for (const value of hostile) {
            let scripts: FactScripts;
            try {
                scripts = build(value);
            } catch (err) {
                // A value no script may hold (a unit file line) is refused before any script exists.
                expect((err as Error).message).toMatch(/^not a value for a systemd unit/);
                continue;
            }
            const host = new FakeHost();
            try {
                for (const script of [scripts.apply, scripts.read, scripts.remove]) {
                    expect(() => execFileSync("sh", ["-n"], { input: script })).not.toThrow();
                    host.run(script, scripts.stdin);
                }
            } finally {
                host.cleanup();
            }
            expect(existsSync(canary), `executed ${JSON.stringify(value)}`).toBe(false);
        }
    });
});
