// The director's table sync (lvs:ipvs:VirtualService), run against a fake
// IPVS as kube-proxy tests its proxier: for each change, the exact ipvsadm
// commands and the resulting table. The table is never flushed, another
// service on the director is never touched, and a real server that goes is
// quiesced and drained before it is deleted.
import { afterEach, describe, expect, it } from "vitest";
import { virtualServiceFact } from "../../resources/virtualService/server";
import { VirtualServiceState } from "../../resources/virtualService/state";
import { debianHost, FakeHost } from "../support/fakeHost";
import { factContext, tutorialService } from "../support/facts";

const hosts: FakeHost[] = [];
afterEach(() => hosts.splice(0).forEach((h) => h.cleanup()));

function director(state = debianHost()): FakeHost {
    const h = new FakeHost(state);
    hosts.push(h);
    return h;
}

/** The fake's table in ipvsadm-save form. */
function table(h: FakeHost): string[] {
    return h.run("ipvsadm-save -n").stdout.trimEnd().split("\n").filter(Boolean);
}

/** The commands that changed the table (not the reads: listings and saves). */
function changes(h: FakeHost): string[] {
    return h.calls("ipvsadm").filter((c) => !/^ipvsadm -[LS]\b/.test(c));
}

async function converged(h: FakeHost, desired: VirtualServiceState): Promise<string[]> {
    h.clearCalls();
    await virtualServiceFact.update(factContext(h), desired, desired);
    return changes(h);
}

const TUTORIAL_TABLE = [
    "-A -t 192.168.145.100:80 -s rr",
    "-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1",
    "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1",
];

describe("the virtual service's table sync, against a fake IPVS", () => {
    it("creates the service and its real servers, saves them, and turns the restore at boot on", async () => {
        const h = director();
        const ctx = factContext(h);
        const out = await virtualServiceFact.create(ctx, tutorialService());
        expect(changes(h)).toEqual([
            "ipvsadm -A -t 192.168.145.100:80 -s rr",
            "ipvsadm -a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1",
            "ipvsadm -a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1",
        ]);
        expect(table(h)).toEqual(TUTORIAL_TABLE);
        expect(h.readFile("/etc/ipvsadm.rules")).toBe(TUTORIAL_TABLE.join("\n") + "\n");
        expect(h.readFile("/etc/default/ipvsadm")).toBe('AUTO="true"\nDAEMON="none"\n');
        expect(out.ipvsTable).toContain("TCP  192.168.145.100:80 rr\n  -> 192.168.2.100:80             Masq    1");
        expect(ctx.statuses).toEqual([
            "service tcp 192.168.145.100:80 added (scheduler rr, no persistence)",
            "service tcp 192.168.145.100:80: real server 192.168.2.100:80 added (nat, weight 1)",
            "service tcp 192.168.145.100:80: real server 192.168.2.101:80 added (nat, weight 1)",
        ]);
    });

    it.each<[string, (d: VirtualServiceState) => void, string[], string[]]>([
        ["nothing changed: no command", () => undefined, [], TUTORIAL_TABLE],
        [
            "scheduler wrr: one edit of the service",
            (d) => (d.scheduler = "wrr"),
            ["ipvsadm -E -t 192.168.145.100:80 -s wrr"],
            ["-A -t 192.168.145.100:80 -s wrr", ...TUTORIAL_TABLE.slice(1)],
        ],
        [
            "persistence and sh flags: one edit",
            (d) => Object.assign(d, { scheduler: "sh", flags: ["sh-port"], persistence: { timeout: 300 } }),
            ["ipvsadm -E -t 192.168.145.100:80 -s sh -p 300 -b sh-port"],
            ["-A -t 192.168.145.100:80 -s sh -p 300 -b sh-port", ...TUTORIAL_TABLE.slice(1)],
        ],
        [
            "weight 3 for rs2: one edit of its entry",
            (d) => (d.realServers["192.168.2.101:80"]!.weight = 3),
            ["ipvsadm -e -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 3"],
            [...TUTORIAL_TABLE.slice(0, 2), "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 3"],
        ],
        [
            "a third real server: one add",
            (d) => (d.realServers["192.168.2.102:80"] = { forwarding: "nat", weight: 1 }),
            ["ipvsadm -a -t 192.168.145.100:80 -r 192.168.2.102:80 -m -w 1"],
            [...TUTORIAL_TABLE, "-a -t 192.168.145.100:80 -r 192.168.2.102:80 -m -w 1"],
        ],
        [
            "rs2 removed: quiesced, then deleted",
            (d) => delete d.realServers["192.168.2.101:80"],
            ["ipvsadm -e -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 0", "ipvsadm -d -t 192.168.145.100:80 -r 192.168.2.101:80"],
            TUTORIAL_TABLE.slice(0, 2),
        ],
    ])("%s", async (_name, edit, commands, resulting) => {
        const h = director();
        await virtualServiceFact.create(factContext(h), tutorialService());
        const desired = tutorialService();
        edit(desired);
        expect(await converged(h, desired)).toEqual(commands);
        expect(table(h)).toEqual(resulting);
        expect(h.readFile("/etc/ipvsadm.rules")).toBe(resulting.join("\n") + "\n");
        expect(h.calls().join("\n")).not.toMatch(/ipvsadm (-C|--clear)|ipvsadm-restore|ipvsadm -R/);
    });

    it("repairs drift it did not make: a deleted service, a changed weight, a removed real server", async () => {
        const h = director();
        await virtualServiceFact.create(factContext(h), tutorialService());
        h.run("ipvsadm -e -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 5 && ipvsadm -d -t 192.168.145.100:80 -r 192.168.2.101:80");
        expect(await virtualServiceFact.read(factContext(h), tutorialService())).toMatchObject({
            present: true,
            realServers: { "192.168.2.100:80": { forwarding: "nat", weight: 5 } },
            saved: false,
        });
        expect(await converged(h, tutorialService())).toEqual([
            "ipvsadm -e -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1",
            "ipvsadm -a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1",
        ]);
        h.run("ipvsadm -D -t 192.168.145.100:80");
        expect(await virtualServiceFact.read(factContext(h), tutorialService())).toEqual({
            present: false,
            realServers: {},
            saved: false,
            restoreAtBoot: true,
        });
        expect(await converged(h, tutorialService())).toEqual(TUTORIAL_TABLE.map((r) => `ipvsadm ${r}`));
    });

    it("waits for a removed real server's active connections to end before deleting it", async () => {
        const h = director();
        await virtualServiceFact.create(factContext(h), tutorialService());
        h.update((s) => (s.ipvs.services[0]!.dests[1]!.active = 3));
        const desired = tutorialService();
        delete desired.realServers["192.168.2.101:80"];
        const ctx = factContext(h);
        await virtualServiceFact.update(ctx, tutorialService(), desired);
        // The fake ends one connection of a quiesced server per listing (the change's own listing is the first):
        // two polls that find some left, a third that finds none, then the delete. The second poll comes about a
        // second later, more on a loaded machine (a fresh CI run found 3 s left): less than the first, before the deadline.
        expect(ctx.statuses.filter((s) => s.includes("draining"))).toEqual([
            "service tcp 192.168.145.100:80: draining 192.168.2.101:80: 2 active connections (5 s left)",
            expect.stringMatching(
                /^service tcp 192\.168\.145\.100:80: draining 192\.168\.2\.101:80: 1 active connection \([1-4] s left\)$/,
            ),
        ]);
        expect(changes(h).slice(-1)).toEqual(["ipvsadm -d -t 192.168.145.100:80 -r 192.168.2.101:80"]);
        expect(table(h)).toEqual(TUTORIAL_TABLE.slice(0, 2));
    });

    it("goes ahead at the drain deadline, with a warning that says which setting waits longer", async () => {
        const h = director();
        await virtualServiceFact.create(factContext(h), tutorialService());
        h.update((s) => (s.ipvs.services[0]!.dests[1]!.active = 1000));
        const desired = { ...tutorialService(), drainTimeout: 0 };
        delete desired.realServers["192.168.2.101:80"];
        const ctx = factContext(h);
        await virtualServiceFact.update(ctx, tutorialService(), desired);
        expect(ctx.warnings).toEqual([
            "service tcp 192.168.145.100:80: drain deadline of 0 s reached with 192.168.2.101:80: 999 active " +
                "connections; going ahead (raise lvs:drainTimeout to wait longer)",
        ]);
        expect(table(h)).toEqual(TUTORIAL_TABLE.slice(0, 2));
    });

    it("on a container director (no init system), saves the rules for its start command and never calls systemctl", async () => {
        const h = director({ ...debianHost(), systemd: false, units: {} });
        await virtualServiceFact.create(factContext(h), tutorialService());
        // The container's start command runs Debian's ipvsadm init script, which restores the rules once AUTO is true.
        expect(h.readFile("/etc/default/ipvsadm")).toBe('AUTO="true"\nDAEMON="none"\n');
        expect(h.readFile("/etc/ipvsadm.rules")).toBe(TUTORIAL_TABLE.join("\n") + "\n");
        expect(await virtualServiceFact.read(factContext(h), tutorialService())).toMatchObject({ saved: true, restoreAtBoot: true });
        await virtualServiceFact.delete(factContext(h), tutorialService());
        expect(h.readFile("/etc/default/ipvsadm")).toBe('AUTO="false"\nDAEMON="none"\n');
        expect(h.calls("systemctl")).toEqual([]);
    });

    it("on a systemd director, enables Debian's ipvsadm service and gives its state back on delete", async () => {
        const h = director({ ...debianHost(), units: { ipvsadm: { enabled: false, active: false } } });
        await virtualServiceFact.create(factContext(h), tutorialService());
        expect(h.calls("systemctl")).toContain("systemctl enable --quiet --no-reload ipvsadm");
        await virtualServiceFact.delete(factContext(h), tutorialService());
        expect(h.calls("systemctl")).toContain("systemctl disable --quiet ipvsadm");
    });

    it("leaves a service someone added by hand alone, through create, update and delete", async () => {
        const h = director();
        h.run("ipvsadm -A -t 192.168.145.100:8080 -s lc && ipvsadm -a -t 192.168.145.100:8080 -r 192.168.2.50:8080 -m -w 2");
        const foreign = ["-A -t 192.168.145.100:8080 -s lc", "-a -t 192.168.145.100:8080 -r 192.168.2.50:8080 -m -w 2"];
        await virtualServiceFact.create(factContext(h), tutorialService());
        await converged(h, { ...tutorialService(), scheduler: "dh" });
        expect(h.calls("ipvsadm").filter((c) => c.includes(":8080"))).toEqual([]);
        const before = h.snapshot();
        await virtualServiceFact.delete(factContext(h), tutorialService());
        expect(table(h)).toEqual(foreign);
        // The boot-time restore and the rules file are given back as found (none, AUTO false); the hand-made service stays in the kernel.
        expect(h.readFile("/etc/default/ipvsadm")).toBe('AUTO="false"\nDAEMON="none"\n');
        expect(h.readFile("/etc/ipvsadm.rules")).toBeUndefined();
        expect(h.files()["/var/lib/pulumi-lvs/"]).toBeUndefined();
        expect(before.files["/var/lib/pulumi-lvs/director/services/t_192.168.145.100:80"]).toBe("");
    });

    it("gives back a rules file found before, with its own content, when its last service goes", async () => {
        const h = director();
        h.writeFile("/etc/ipvsadm.rules", "-A -t 10.9.9.9:25 -s wlc\n");
        await virtualServiceFact.create(factContext(h), tutorialService());
        expect(h.readFile("/etc/ipvsadm.rules")).toBe(TUTORIAL_TABLE.join("\n") + "\n");
        await virtualServiceFact.delete(factContext(h), tutorialService());
        expect(h.readFile("/etc/ipvsadm.rules")).toBe("-A -t 10.9.9.9:25 -s wlc\n");
    });

    it("on delete of the last service gives back the boot-time restore as found", async () => {
        // IPVS's module loaded, as the director's kernel settings have it before its table (lvs:host:Sysctls, which
        // unloads it): ipvsadm's first call would load it, and this resource leaves the module to that one.
        const h = director({ ...debianHost(), modules: ["ip_vs"] });
        const before = h.snapshot();
        await virtualServiceFact.create(factContext(h), tutorialService());
        await virtualServiceFact.delete(factContext(h), tutorialService());
        expect(table(h)).toEqual([]);
        expect(h.snapshot()).toEqual(before);
    });
});

describe("several services of one director, converged at once (as one `pulumi up` does)", () => {
    it("applies and saves every one: the host's steps take turns at the rules file", async () => {
        const h = director();
        const services = [80, 81, 82, 83, 84, 85].map((port) => {
            const d = tutorialService();
            return {
                ...d,
                port,
                realServers: Object.fromEntries(Object.entries(d.realServers).map(([k, v]) => [k.replace(/:80$/, `:${port}`), v])),
            };
        });
        await Promise.all(services.map((d) => virtualServiceFact.create(factContext(h), d)));
        const live = table(h);
        expect(live.filter((l) => l.startsWith("-A "))).toHaveLength(6);
        expect(live).toHaveLength(18);
        expect(h.readFile("/etc/ipvsadm.rules")).toBe(live.join("\n") + "\n");

        await Promise.all(services.map((d) => virtualServiceFact.delete(factContext(h), d)));
        expect(table(h)).toEqual([]);
        expect(h.readFile("/etc/ipvsadm.rules")).toBeUndefined();
    });
});
