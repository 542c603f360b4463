// keepalived.conf as a rendering of the model, the settings of a health check
// with their exact words, and the plan of a change that keepalived applies
// (forget what the kernel lacks, quiesce what leaves, wait for the table).
import { describe, expect, it } from "vitest";
import { parseClusterConfig } from "../../src/config";
import { clusterTables } from "../../src/desiredTables";
import type { ServiceTable } from "../../src/ipvs/model";
import { keepalivedConf } from "../../src/keepalived/render";
import { asFound, editedByHand, lacking, notYetLive, quiesceLeaving, withoutLacking } from "../../src/keepalived/plan";
import { configOf, keepalivedServicesOf, keepalivedStateSchema, keepalivedTables } from "../../resources/keepalived/state";
import { keepalivedFact } from "../../resources/keepalived/server";
import { differences, renderStatus } from "../../src/status";
import { keyFileEnv, problemsOf, tutorialConfig } from "../support/specs";

function healthChecked(): ReturnType<typeof tutorialConfig> {
    const c = tutorialConfig();
    c.virtualService = { port: 80, scheduler: "wrr", healthCheck: { type: "HTTP_GET", path: "/health" } } as typeof c.virtualService;
    c.realServers[1]!.weight = 3;
    return c;
}

function tables(c = healthChecked()): ServiceTable[] {
    return clusterTables(parseClusterConfig(c, keyFileEnv).spec);
}

describe("keepalived.conf, rendered from the model", () => {
    it("renders each service as a virtual_server block in keepalived's words, with the documented defaults", () => {
        expect(keepalivedConf("director", tables())).toMatchSnapshot();
        // The defaults a health check gets are the documented ones (delay_loop 2, retry 1, 1 s, 1 s, inhibit).
        expect(tables()[0]!.healthCheck).toEqual({
            type: "HTTP_GET",
            path: "/health",
            statusCode: 200,
            delayLoop: 2,
            retry: 1,
            delayBeforeRetry: 1,
            connectTimeout: 1,
            inhibitOnFailure: true,
        });
    });

    it("renders a firewall-mark service with TCP_CHECK on its connectPort, persistence and flags", () => {
        const c = tutorialConfig();
        Object.assign(c, {
            virtualService: undefined,
            virtualServices: [
                {
                    fwmark: 7,
                    ports: [80, 8080],
                    scheduler: "sh",
                    flags: ["sh-port"],
                    persistence: 300,
                    persistenceNetmask: "255.255.255.0",
                    healthCheck: { type: "TCP_CHECK", connectPort: 80, delayLoop: 5, inhibitOnFailure: false },
                },
                { port: 443 },
            ],
        });
        delete (c as { virtualService?: unknown }).virtualService;
        expect(keepalivedConf("director", tables(c))).toMatchSnapshot();
    });

    it.each<[string, (c: ReturnType<typeof tutorialConfig>) => void, string]>([
        [
            "a checker keepalived has but pulumi-lvs does not configure",
            (c) => (c.virtualService.healthCheck = { type: "MISC_CHECK" }),
            'lvs:virtualService.healthCheck.type: unknown health check "MISC_CHECK": use HTTP_GET (a request answered with a status) or TCP_CHECK (a connection accepted)',
        ],
        [
            "a misspelt health-check setting",
            (c) => (c.virtualService.healthCheck = { type: "HTTP_GET", delay_loop: 2 }),
            'lvs:virtualService.healthCheck: unknown health check setting "delay_loop": use type, path, statusCode, connectPort, delayLoop, retry, delayBeforeRetry, connectTimeout, inhibitOnFailure',
        ],
        [
            "an HTTP path that would break the file",
            (c) => (c.virtualService.healthCheck = { type: "HTTP_GET", path: "/a b\n}" }),
            'lvs:virtualService.healthCheck.path: "/a b\\n}" is not a URL path such as /health (no spaces or quotes)',
        ],
        [
            "HTTP_GET's path on a TCP_CHECK",
            (c) => (c.virtualService.healthCheck = { type: "TCP_CHECK", path: "/" }),
            "lvs:virtualService.healthCheck.path: is HTTP_GET's: a TCP_CHECK only connects; leave path out",
        ],
        [
            "a status that is not HTTP's",
            (c) => (c.virtualService.healthCheck = { type: "HTTP_GET", statusCode: 42 }),
            "lvs:virtualService.healthCheck.statusCode: must be an HTTP status from 100 to 599",
        ],
        [
            "a check interval of 0",
            (c) => (c.virtualService.healthCheck = { type: "TCP_CHECK", delayLoop: 0 }),
            "lvs:virtualService.healthCheck.delayLoop: must be from 1 to 3600 seconds (keepalived's delay_loop)",
        ],
        [
            "a health check on a UDP service",
            (c) => Object.assign(c.virtualService, { protocol: "udp", port: 53, healthCheck: { type: "TCP_CHECK" } }),
            "lvs:virtualService.healthCheck.type: keepalived's TCP_CHECK connects over TCP and cannot check a udp service: leave healthCheck out of it",
        ],
    ])("rejects %s, naming the setting and the fix", (_name, mutate, message) => {
        expect(problemsOf(tutorialConfig(), mutate)).toContain(message);
    });

    it("asks a firewall-mark service's check for its port", () => {
        const c = tutorialConfig();
        Object.assign(c, { virtualServices: [{ fwmark: 7, ports: [80], healthCheck: { type: "TCP_CHECK" } }] });
        delete (c as { virtualService?: unknown }).virtualService;
        expect(problemsOf(c, () => undefined)).toContain(
            "lvs:virtualServices[0].healthCheck.connectPort: missing: a firewall-mark service's real servers have no port of their own (0): give the port to check, such as 80",
        );
    });
});

describe("the Keepalived resource's state", () => {
    it("keys each service as ipvsadm names it, and the provider's check renders the file from them", () => {
        const services = keepalivedServicesOf(tables());
        expect(Object.keys(services)).toEqual(["tcp 192.168.145.100:80"]);
        const state = keepalivedStateSchema.parse({ hostName: "director", virtualServices: services });
        expect(keepalivedTables(state.virtualServices)).toEqual(tables());
        expect(keepalivedFact.derive!(state)).toEqual({ config: keepalivedConf("director", tables()) });
        expect(configOf(state)).toContain("virtual_server 192.168.145.100 80 {");
    });

    it("refuses a service under another service's key", () => {
        const services = keepalivedServicesOf(tables());
        const parsed = keepalivedStateSchema.safeParse({
            hostName: "director",
            virtualServices: { "tcp 192.168.145.100:81": services["tcp 192.168.145.100:80"] },
        });
        expect(parsed.error?.issues.map((i) => i.message)).toEqual([
            'is keyed "tcp 192.168.145.100:81" but is tcp 192.168.145.100:80: key each service as ipvsadm names it',
        ]);
    });
});

describe("a change keepalived applies", () => {
    const want = tables();
    const [rs1, rs2] = want[0]!.realServers;
    const live = (realServers = want[0]!.realServers, t = want[0]!): ServiceTable[] => [{ ...t, realServers }];

    it("finds nothing lacking, and nothing still to wait for, when the kernel holds the table (a failing server at 0 included)", () => {
        expect(lacking(want, live())).toEqual({ services: [], entries: [] });
        expect(notYetLive(want, live([rs1!, { ...rs2!, weight: 0 }]))).toEqual([]);
    });

    it("forgets a service deleted by hand before adding it back, and only what the kernel lacks", () => {
        expect(lacking(want, [])).toEqual({ services: ["tcp 192.168.145.100:80"], entries: [] });
        expect(withoutLacking(want, [])).toEqual([]);
        expect(lacking(want, live([rs1!]))).toEqual({
            services: [],
            entries: [{ service: "tcp 192.168.145.100:80", entry: "192.168.2.101:80" }],
        });
        expect(withoutLacking(want, live([rs1!]))).toEqual(live([rs1!]));
    });

    it("does not judge a missing entry where a failing check removes it (inhibitOnFailure off)", () => {
        const removing = want.map((t) => ({ ...t, healthCheck: { ...t.healthCheck!, inhibitOnFailure: false } }));
        expect(lacking(removing, live([rs1!], removing[0]))).toEqual({ services: [], entries: [] });
    });

    it("quiesces a real server on its way out at weight 0 in its old place, and only that", () => {
        const without = live([rs1!]);
        expect(quiesceLeaving(want, without)).toEqual({
            tables: live([rs1!, { ...rs2!, weight: 0 }]),
            leaving: [{ service: want[0]!.service, entries: ["192.168.2.101:80"] }],
        });
        expect(quiesceLeaving(want, want)).toEqual({ tables: want, leaving: [] });
    });

    it("takes in a scheduler and a weight changed by hand, so that a reload of the file as declared puts them back", () => {
        const edited = live([rs1!, { ...rs2!, weight: 5 }], { ...want[0]!, service: { ...want[0]!.service, scheduler: "sh" } });
        expect(editedByHand(want, edited)).toEqual([
            "service tcp 192.168.145.100:80 scheduler sh",
            "tcp 192.168.145.100:80 -> 192.168.2.101:80 weight 5",
        ]);
        expect(asFound(want, edited)).toEqual(edited);
        // A failing check's 0 is keepalived's own, not an edit; a service the kernel lacks is another step's.
        const failing = live([rs1!, { ...rs2!, weight: 0 }]);
        expect(editedByHand(want, failing)).toEqual([]);
        expect(asFound(want, failing)).toEqual(want);
        expect(editedByHand(want, [])).toEqual([]);
        expect(editedByHand(want, live())).toEqual([]);
        // What the stack changes now is keepalived's to apply (its file before said otherwise): not an edit.
        const before = live([rs1!, { ...rs2!, weight: 1 }], { ...want[0]!, service: { ...want[0]!.service, scheduler: "rr" } });
        expect(editedByHand(want, before, before)).toEqual([]);
        expect(asFound(want, before, before)).toEqual(want);
        expect(editedByHand(want, edited, before)).toEqual([]);
        // A value the stack keeps (the scheduler), changed by hand, is one; the weight the stack changes is not.
        expect(editedByHand(want, edited, live([rs1!, { ...rs2!, weight: 1 }]))).toEqual(["service tcp 192.168.145.100:80 scheduler sh"]);
    });

    it("reads back the scheduler and weights the kernel has, a failing check's 0 as declared", async () => {
        const state = keepalivedStateSchema.parse({ hostName: "director", virtualServices: keepalivedServicesOf(want) });
        const read = (saved: string) =>
            keepalivedFact.read(
                {
                    transport: { run: async () => ({ code: 0, stdout: `active yes\nenabled yes\nlive table:\n${saved}`, stderr: "" }) },
                    status: () => undefined,
                    warn: () => undefined,
                } as never,
                state,
            );
        const found = await read(
            "-A -t 192.168.145.100:80 -s sh\n-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1\n" +
                "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 5\n",
        );
        expect(found.virtualServices).toMatchObject({
            "tcp 192.168.145.100:80": {
                scheduler: "sh",
                realServers: { "192.168.2.100:80": { weight: 1 }, "192.168.2.101:80": { weight: 5 } },
            },
        });
        const checked = await read(
            "-A -t 192.168.145.100:80 -s wrr\n-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1\n" +
                "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 0\n",
        );
        expect(checked.virtualServices).toEqual(state.virtualServices);
    });

    it("waits for a new weight, an entry to go, a service to go; a wrong weight is not a failing check's 0", () => {
        expect(notYetLive(want, live([rs1!, { ...rs2!, weight: 1 }]))).toEqual([
            "tcp 192.168.145.100:80 -> 192.168.2.101:80 has weight 1, not 3",
        ]);
        expect(notYetLive(live([rs1!]), live())).toEqual(["tcp 192.168.145.100:80 -> 192.168.2.101:80 is still in the table"]);
        expect(notYetLive([], live(), ["tcp 192.168.145.100:80"])).toEqual(["service tcp 192.168.145.100:80 is still in the table"]);
        const unchecked = want.map(({ healthCheck: _h, ...t }) => t);
        expect(notYetLive(unchecked, live([rs1!, { ...rs2!, weight: 0 }], unchecked[0]))).toEqual([
            "tcp 192.168.145.100:80 -> 192.168.2.101:80 has weight 0, not 3",
        ]);
    });
});

describe("npm run status, where keepalived checks the service", () => {
    const want = tables();
    const [rs1, rs2] = want[0]!.realServers;
    const names = new Map([
        ["192.168.2.100", "rs1"],
        ["192.168.2.101", "rs2"],
    ]);

    it("shows a server its check took out as down, which is not a difference from the stack", () => {
        const live = [{ ...want[0]!, realServers: [rs1!, { ...rs2!, weight: 0 }] }];
        const report = renderStatus("director", want, live, new Map(), names);
        expect(report).toContain(
            "director: service tcp 192.168.145.100:80 wrr: matches the stack; health: keepalived's HTTP_GET /health every 2 s",
        );
        expect(report).toMatch(/rs1 192\.168\.2\.100:80 .*health: up$/m);
        expect(report).toMatch(/rs2 192\.168\.2\.101:80 .*health: DOWN \(failing its check: weight 0\)$/m);
    });

    it("still names a wrong weight, and a missing entry that a check would have kept at weight 0", () => {
        const live = [{ ...want[0]!, realServers: [{ ...rs1!, weight: 5 }] }];
        expect(differences(want[0]!, live[0])).toEqual([
            "real server 192.168.2.100:80 has weight 5 (stack: 1)",
            "real server 192.168.2.101:80 is missing",
        ]);
    });

    it("lists a server a check removed (no inhibit_on_failure) as down and out of the table", () => {
        const removing = want.map((t) => ({ ...t, healthCheck: { ...t.healthCheck!, inhibitOnFailure: false } }));
        const live = [{ ...removing[0]!, realServers: [rs1!] }];
        expect(differences(removing[0]!, live[0])).toEqual([]);
        expect(renderStatus("director", removing, live, new Map(), names)).toMatch(/rs2 192\.168\.2\.101:80\s+DOWN: out of the table$/m);
    });
});
