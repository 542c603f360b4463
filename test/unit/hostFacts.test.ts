// Each host fact's scripts run for real on a throwaway host (test/support/
// fakeHost.ts): create converges, a second create changes nothing, read
// reports what is there (also drift), and delete leaves the host exactly as
// it was found, files and state alike.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Fact, Props } from "../../provider/fact";
import { addressesFact } from "../../resources/addresses/server";
import { fileScripts } from "../../resources/file/scripts";
import { fileFact } from "../../resources/file/server";
import { firewallMarksFact } from "../../resources/firewallMarks/server";
import { packageFact } from "../../resources/package/server";
import { serviceFact } from "../../resources/service/server";
import { sysctlsFact } from "../../resources/sysctls/server";
import { HostError } from "../../provider/host";
import { unitEnabled } from "../../src/hostScript";
import { debianHost, FakeHost, FakeHostState } from "../support/fakeHost";
import {
    directorAddresses,
    directorMarks,
    directorPackage,
    directorSysctls,
    factContext,
    rs1Addresses,
    rs1DrAddresses,
    rs1DrSysctls,
    rs1Httpd,
    rs1HttpdPackage,
    rs1Page,
    rs1TunAddresses,
    rs1TunSysctls,
} from "../support/facts";

const hosts: FakeHost[] = [];
afterEach(() => hosts.splice(0).forEach((h) => h.cleanup()));

function host(state: FakeHostState = debianHost()): FakeHost {
    const h = new FakeHost(state);
    hosts.push(h);
    return h;
}

/** A host without the packages pulumi-lvs installs, whose apt reaches a repository that has them. */
function bareHost(): FakeHostState {
    return { ...debianHost(), packages: ["base-files"], units: {} };
}

/** A fact, its desired state, and whether it needs a package installed first (then a bare host is not its case). */
const cases: [string, Fact, Props, "needs its package"?][] = [
    ["package", packageFact as unknown as Fact, { ...directorPackage, installed: true }],
    ["httpd's package", packageFact as unknown as Fact, { ...rs1HttpdPackage, installed: true }],
    ["service", serviceFact as unknown as Fact, { ...rs1Httpd, enabled: true, running: true }, "needs its package"],
    ["sysctls", sysctlsFact as unknown as Fact, { ...directorSysctls, persisted: true }],
    ["director addresses", addressesFact as unknown as Fact, { ...directorAddresses, persisted: true }],
    ["real server addresses", addressesFact as unknown as Fact, { ...rs1Addresses, persisted: true }],
    ["test page", fileFact as unknown as Fact, rs1Page as unknown as Props],
    ["firewall marks", firewallMarksFact as unknown as Fact, { ...directorMarks, persisted: true } as unknown as Props],
    ["VS/DR real server sysctls", sysctlsFact as unknown as Fact, { ...rs1DrSysctls, persisted: true }],
    ["VS/DR real server addresses (VIP on lo)", addressesFact as unknown as Fact, { ...rs1DrAddresses, persisted: true }],
    ["VS/TUN real server sysctls (ipip)", sysctlsFact as unknown as Fact, { ...rs1TunSysctls, persisted: true }],
];

describe.each(cases)("%s", (_name, fact, desired, needs) => {
    it.each([["a host as the lab image has it", debianHost], ...(needs ? [] : [["a bare host", bareHost]])] as [
        string,
        () => FakeHostState,
    ][])("on %s: create converges, twice is once, read agrees, delete restores everything", async (_what, initial) => {
        const h = host(initial());
        const ctx = factContext(h);
        const before = h.snapshot();

        await fact.create(ctx, desired);
        const once = h.snapshot();
        expect(await fact.read(ctx, desired)).toEqual(expect.objectContaining(readable(desired)));

        await fact.create(ctx, desired);
        expect(h.snapshot()).toEqual(once);

        await fact.delete(ctx, desired);
        expect(h.snapshot()).toEqual(before);
        expect(ctx.warnings).toEqual([]);
    });
});

/** The part of a desired state that a read gives back. */
function readable(desired: Props): Props {
    const {
        hostName: _h,
        description: _d,
        interfaceSetting: _i,
        package: _p,
        keepWhileUsed: _k,
        unit: _u,
        listens: _l,
        listenTimeout: _t,
        modules: _m,
        path: _path,
        ...rest
    } = desired;
    return rest;
}

describe("package", () => {
    it("installs a missing package with apt (refreshing the lists once) and purges exactly what that brought", async () => {
        const h = host(bareHost());
        await packageFact.create(factContext(h), { ...directorPackage, installed: true });
        expect(h.state().packages.sort()).toEqual(["base-files", "ipvsadm", "libnl-3-200", "libpopt0"]);
        expect(h.calls("apt-get")).toEqual([
            "apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends ipvsadm",
            "apt-get -q -y -o DPkg::Lock::Timeout=300 update",
            "apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends ipvsadm",
        ]);
        expect(h.readFile("/var/lib/pulumi-lvs/director/ipvsadm.installed")).toBe("ipvsadm\nlibnl-3-200\nlibpopt0\n");
        await packageFact.delete(factContext(h), { ...directorPackage, installed: true });
        expect(h.state().packages).toEqual(["base-files"]);
    });

    it("keeps a package that was there before, and what depends on it", async () => {
        const h = host();
        await packageFact.create(factContext(h), { ...directorPackage, installed: true });
        await packageFact.delete(factContext(h), { ...directorPackage, installed: true });
        expect(h.state().packages).toContain("ipvsadm");
        expect(h.calls("apt-get")).toEqual([]);
    });

    it("keeps ipvsadm it installed while the IPVS table holds services someone added by hand, and says so", async () => {
        const h = host(bareHost());
        const ctx = factContext(h);
        await packageFact.create(ctx, { ...directorPackage, installed: true });
        h.run("ipvsadm -A -t 10.0.0.1:8080 -s lc");
        await packageFact.delete(ctx, { ...directorPackage, installed: true });
        expect(h.state().packages).toContain("ipvsadm");
        expect(ctx.warnings).toEqual(["fake (root@fake:22): kept ipvsadm: the IPVS table still holds services pulumi-lvs does not own"]);
    });

    it("does not purge what it installed when a package installed since needs it, and says so", async () => {
        const h = host({ ...bareHost(), dependents: { "libnl-3-200": ["keepalived"] } });
        const ctx = factContext(h);
        await packageFact.create(ctx, { ...directorPackage, installed: true });
        h.update((s) => s.packages.push("keepalived"));
        await packageFact.delete(ctx, { ...directorPackage, installed: true });
        expect(h.state().packages).toContain("ipvsadm");
        expect(ctx.warnings).toEqual([
            "fake (root@fake:22): kept ipvsadm: purging what pulumi-lvs installed would also remove keepalived ",
        ]);
    });

    it("fails in one line naming the package when apt reaches no repository", async () => {
        const h = host({ ...bareHost(), aptUnreachable: true });
        const error = await packageFact.create(factContext(h), { ...directorPackage, installed: true }).catch((e: Error) => e);
        expect(error).toBeInstanceOf(HostError);
        expect((error as Error).message).toBe(
            "fake (root@fake:22): cannot install ipvsadm: apt could not reach a package repository " +
                "(Err:1 http://deb.debian.org/debian bookworm InRelease): make one reachable (/etc/apt/sources.list) " +
                "or install ipvsadm by hand",
        );
        expect(h.files()).toEqual(host(bareHost()).files());
    });

    it("reads a package someone removed as not installed", async () => {
        const h = host();
        h.update((s) => (s.packages = s.packages.filter((p) => p !== "ipvsadm")));
        expect(await packageFact.read(factContext(h), { ...directorPackage, installed: true })).toEqual({ installed: false });
    });
});

describe("service", () => {
    it("enables and starts httpd, and on delete stops and disables it only if it was not enabled before", async () => {
        const h = host();
        const desired = { ...rs1Httpd, enabled: true as const, running: true as const };
        await serviceFact.create(factContext(h), desired);
        expect(h.state().units.lighttpd).toEqual({ enabled: true, active: true });
        h.update((s) => (s.units.lighttpd!.active = false));
        expect(await serviceFact.read(factContext(h), desired)).toEqual({ enabled: true, running: false });
        await serviceFact.delete(factContext(h), desired);
        expect(h.state().units.lighttpd).toEqual({ enabled: false, active: false });

        const enabledBefore = host({ ...debianHost(), units: { lighttpd: { enabled: true, active: true } } });
        await serviceFact.create(factContext(enabledBefore), desired);
        await serviceFact.delete(factContext(enabledBefore), desired);
        expect(enabledBefore.state().units.lighttpd).toEqual({ enabled: true, active: true });
    });

    it("counts as started only once httpd listens on its port: a simple service's start returns before it binds", async () => {
        const h = host({ ...debianHost(), bindLag: 5 });
        const desired = { ...rs1Httpd, enabled: true as const, running: true as const };
        await serviceFact.create(factContext(h), desired);
        expect(h.state().bindLag).toBe(0);
        expect(h.calls("ss")).toEqual(Array(6).fill("ss -Hltn sport = :80"));
        expect(await serviceFact.read(factContext(h), desired)).toEqual({ enabled: true, running: true });
        // Running, but its port given up (another configuration): not running as the real server needs it.
        h.update((s) => (s.listens = {}));
        expect(await serviceFact.read(factContext(h), desired)).toEqual({ enabled: true, running: false });
    });

    it("fails in one line when the service runs but never listens: the host, the unit, the port and where to look", async () => {
        const h = host({ ...debianHost(), listens: {} });
        const desired = { ...rs1Httpd, listenTimeout: 1, enabled: true as const, running: true as const };
        await expect(serviceFact.create(factContext(h), desired)).rejects.toThrow(
            "fake (root@fake:22): lighttpd runs but nothing listens on TCP port 80 after 1 s: see journalctl -u lighttpd, and the port in its configuration",
        );
        expect(h.calls("ss").length).toBeGreaterThanOrEqual(10);
    });

    it("reads enabled and running from the files systemd keeps, without a systemctl process", async () => {
        const h = host({ ...debianHost(), units: { lighttpd: { enabled: true, active: true } } });
        const desired = { ...rs1Httpd, enabled: true as const, running: true as const };
        h.clearCalls();
        expect(await serviceFact.read(factContext(h), desired)).toEqual({ enabled: true, running: true });
        expect(h.calls("systemctl")).toEqual([]);
        // Masked (`systemctl mask`: the unit file is /dev/null), its enablement link left in place: not enabled.
        h.writeLink("/etc/systemd/system/lighttpd.service", "/dev/null");
        h.update((s) => (s.units.lighttpd!.active = false));
        expect(await serviceFact.read(factContext(h), desired)).toEqual({ enabled: false, running: false });
    });

    it("reads a SysV init script (Debian's ipvsadm) as enabled by its start link in a multi-user runlevel", () => {
        const h = host({ ...debianHost(), units: {} });
        const enabled = `${unitEnabled("ipvsadm")} && echo enabled || echo disabled`;
        expect(h.run(enabled).stdout).toBe("disabled\n");
        h.writeLink("/etc/rc3.d/S01ipvsadm", "../init.d/ipvsadm");
        expect(h.run(enabled).stdout).toBe("enabled\n");
        h.writeLink("/etc/rc3.d/K01ipvsadm", "../init.d/ipvsadm");
        h.removeFile("/etc/rc3.d/S01ipvsadm");
        expect(h.run(enabled).stdout).toBe("disabled\n");
    });
});

describe("sysctls", () => {
    it("sets the values now and at boot, loads ip_vs first, and reads a changed value back", async () => {
        const h = host();
        const desired = { ...directorSysctls, persisted: true as const };
        await sysctlsFact.create(factContext(h), desired);
        expect(h.state().sysctl).toMatchObject({ "net.ipv4.ip_forward": "1", "net.ipv4.vs.expire_nodest_conn": "1" });
        expect(h.calls("modprobe")).toEqual(["modprobe ip_vs"]);
        expect(h.readFile("/etc/sysctl.d/90-pulumi-lvs-director.conf")).toBe(
            "# Written by pulumi-lvs for director: removed, and the values found before restored, when the stack lets go of it.\n" +
                "net.ipv4.ip_forward = 1\nnet.ipv4.vs.expire_nodest_conn = 1\nnet.ipv4.vs.conn_reuse_mode = 1\n",
        );
        expect(h.readFile("/etc/modules-load.d/pulumi-lvs-director.conf")).toContain("\nip_vs\n");
        h.update((s) => (s.sysctl["net.ipv4.ip_forward"] = "0"));
        h.writeFile("/etc/sysctl.d/90-pulumi-lvs-director.conf", "edited\n");
        h.clearCalls();
        expect(await sysctlsFact.read(factContext(h), desired)).toEqual({
            values: { "net.ipv4.ip_forward": "0", "net.ipv4.vs.expire_nodest_conn": "1", "net.ipv4.vs.conn_reuse_mode": "1" },
            persisted: false,
        });
        // Read from /proc/sys by the shell; a setting the kernel lacks is left out, as `sysctl -e` does.
        expect(h.calls("sysctl")).toEqual([]);
        h.update((s) => delete s.sysctl["net.ipv4.vs.conn_reuse_mode"]);
        expect((await sysctlsFact.read(factContext(h), desired)).values).toEqual({
            "net.ipv4.ip_forward": "0",
            "net.ipv4.vs.expire_nodest_conn": "1",
        });
    });

    it("puts back the value of a setting it no longer wants, and names a kernel without IPVS", async () => {
        const h = host();
        await sysctlsFact.create(factContext(h), { ...directorSysctls, persisted: true });
        const fewer = { ...directorSysctls, values: { "net.ipv4.ip_forward": "1" }, persisted: true as const };
        await sysctlsFact.update(factContext(h), { ...directorSysctls, persisted: true }, fewer);
        expect(h.state().sysctl["net.ipv4.vs.expire_nodest_conn"]).toBe("0");
        expect(h.files()["/var/lib/pulumi-lvs/director/sysctl/net.ipv4.vs.expire_nodest_conn.orig"]).toBeUndefined();

        const noIpvs = host({ ...debianHost(), missingModules: ["ip_vs"] });
        await expect(sysctlsFact.create(factContext(noIpvs), { ...directorSysctls, persisted: true })).rejects.toThrow(
            "fake (root@fake:22): this kernel has no IPVS (module ip_vs): use a kernel built with CONFIG_IP_VS (Debian's and Ubuntu's are)",
        );
    });
});

describe("addresses", () => {
    it(
        "applies the addresses and route at once and in a unit, reads a removed address back, and restores the route on " + "delete",
        async () => {
            const h = host();
            const desired = { ...rs1Addresses, persisted: true as const };
            await addressesFact.create(factContext(h), desired);
            expect(h.state().addresses.eth1).toEqual(["192.168.2.100/24"]);
            expect(h.state().defaultRoute).toBe("default via 192.168.2.1 dev eth1");
            expect(h.readFile("/etc/systemd/system/pulumi-lvs-rs1-addresses.service")).toContain(
                "ExecStart=/sbin/ip route replace default via 192.168.2.1 dev eth1\n",
            );
            expect(h.state().units["pulumi-lvs-rs1-addresses"]).toEqual({ enabled: true, active: true });

            h.update((s) => (s.addresses.eth1 = []));
            expect(await addressesFact.read(factContext(h), desired)).toEqual({
                addresses: {},
                defaultRoute: { via: "192.168.2.1", interface: "eth1" },
                persisted: true,
            });
            await addressesFact.create(factContext(h), desired);
            expect(h.state().addresses.eth1).toEqual(["192.168.2.100/24"]);

            // A unit someone disabled, or edited, is not kept at boot any more.
            h.run("systemctl disable pulumi-lvs-rs1-addresses.service");
            expect(await addressesFact.read(factContext(h), desired)).toMatchObject({ persisted: false });
            await addressesFact.create(factContext(h), desired);
            expect(await addressesFact.read(factContext(h), desired)).toMatchObject({ persisted: true });
            h.writeFile("/etc/systemd/system/pulumi-lvs-rs1-addresses.service", "[Unit]\n");
            expect(await addressesFact.read(factContext(h), desired)).toMatchObject({ persisted: false });
            await addressesFact.create(factContext(h), desired);

            await addressesFact.delete(factContext(h), desired);
            expect(h.state().defaultRoute).toBe("default via 10.77.0.1 dev eth0");
        },
    );

    it("stops the old unit before writing a changed one, so that its stop removes the old address", async () => {
        const h = host();
        await addressesFact.create(factContext(h), { ...rs1Addresses, persisted: true });
        h.clearCalls();
        const moved = { ...rs1Addresses, addresses: { "192.168.2.110/24": { interface: "eth1" } }, persisted: true as const };
        await addressesFact.update(factContext(h), { ...rs1Addresses, persisted: true }, moved);
        expect(h.calls("systemctl").slice(0, 2)).toEqual(["systemctl stop pulumi-lvs-rs1-addresses.service", "systemctl daemon-reload"]);
    });

    it("on delete reloads systemd only when it still has the removed unit loaded, as after a reboot", async () => {
        const desired = { ...rs1Addresses, persisted: true as const };
        // Enabled without a reload, stopped and removed: systemd lets go of it by itself (no reload, seconds saved).
        const h = host();
        await addressesFact.create(factContext(h), desired);
        h.clearCalls();
        await addressesFact.delete(factContext(h), desired);
        expect(h.calls("systemctl")).not.toContain("systemctl daemon-reload");
        expect(h.state().units["pulumi-lvs-rs1-addresses"]).toBeUndefined();
        // Still loaded once its file is gone (a target wants it since a boot): a reload, or a later unit of that name
        // would start as this one.
        const booted = host();
        await addressesFact.create(factContext(booted), desired);
        booted.run("systemctl daemon-reload");
        booted.clearCalls();
        await addressesFact.delete(factContext(booted), desired);
        expect(booted.calls("systemctl").at(-1)).toBe("systemctl daemon-reload");
        expect(booted.state().units["pulumi-lvs-rs1-addresses"]).toBeUndefined();
    });

    it("names the setting when an interface is missing", async () => {
        const h = host();
        const wrong = {
            ...rs1Addresses,
            addresses: { "192.168.2.100/24": { interface: "ens9" } },
            defaultRoute: undefined,
            persisted: true as const,
        };
        await expect(addressesFact.create(factContext(h), wrong)).rejects.toThrow(
            "fake (root@fake:22): interface ens9 not found on this host (see lvs:realServers[].interface); it has: eth0 eth1 eth2 lo ",
        );
        expect(h.files()).toEqual(host().files());
    });
});

describe("test page", () => {
    it("keeps the page found before and puts it back; removes directories it had to create", async () => {
        const h = host();
        h.writeFile("/var/www/html/index.html", "the host's own page\n");
        await fileFact.create(factContext(h), rs1Page);
        expect(h.readFile("/var/www/html/index.html")).toBe(rs1Page.content);
        h.writeFile("/var/www/html/index.html", "hacked\n");
        expect(await fileFact.read(factContext(h), rs1Page)).toEqual({ content: "hacked\n" });
        // Compared on the host exactly: only the last newline taken away, or one more, is a change too.
        for (const edited of [rs1Page.content.replace(/\n$/, ""), `${rs1Page.content}\n`, rs1Page.content]) {
            h.writeFile("/var/www/html/index.html", edited);
            expect(await fileFact.read(factContext(h), rs1Page)).toEqual({ content: edited });
        }
        h.removeFile("/var/www/html/index.html");
        expect(await fileFact.read(factContext(h), rs1Page)).toEqual({});
        h.writeFile("/var/www/html/index.html", "hacked\n");
        await fileFact.delete(factContext(h), rs1Page);
        expect(h.readFile("/var/www/html/index.html")).toBe("the host's own page\n");

        const bare = host();
        await fileFact.create(factContext(bare), rs1Page);
        expect(bare.files()["/var/www/"]).toBe("");
        await fileFact.delete(factContext(bare), rs1Page);
        expect(bare.files()["/var/www/"]).toBeUndefined();
    });

    it("from a local file (pageFile): written from the file, told by its digest, refused once the file changed", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-page-"));
        try {
            const local = path.join(dir, "page.html");
            const text = "<p>a page larger than a setting may hold</p>\n".repeat(4000);
            writeFileSync(local, text);
            const digest = (t: string) => createHash("sha256").update(t).digest("hex");
            const page = { hostName: "rs1", path: "/var/www/html/index.html", contentFile: { path: local, sha256: digest(text) } };
            const h = host();
            h.writeFile("/var/www/html/index.html", "the host's own page\n");
            await fileFact.create(factContext(h), page);
            expect(h.readFile("/var/www/html/index.html")).toBe(text);
            expect(await fileFact.read(factContext(h), page)).toEqual({ contentFile: page.contentFile });
            // Neither the read script nor its answer carries the page.
            expect(fileScripts(page).read).not.toContain("larger than a setting");
            h.writeFile("/var/www/html/index.html", "hacked\n");
            expect(await fileFact.read(factContext(h), page)).toEqual({ contentFile: { path: local, sha256: digest("hacked\n") } });

            writeFileSync(local, "edited after the program read it\n");
            await expect(fileFact.update(factContext(h), page, page)).rejects.toThrow(
                `rs1: ${local} changed since the program read it (sha256 ${digest(text).slice(0, 12)}…, now ` +
                    `${digest("edited after the program read it\n").slice(0, 12)}…): run pulumi up again to write what it holds now`,
            );
            expect(h.readFile("/var/www/html/index.html")).toBe("hacked\n");
            await fileFact.delete(factContext(h), page);
            expect(h.readFile("/var/www/html/index.html")).toBe("the host's own page\n");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("firewall marks", () => {
    const marks = { ...directorMarks, persisted: true as const };

    it("marks the service's packets in a table of its own, reads a removed table back, and replaces changed marks whole", async () => {
        const h = host();
        const ctx = factContext(h);
        await firewallMarksFact.create(ctx, marks);
        expect(h.state().nft).toEqual({
            pulumi_lvs_director: [{ address: "192.168.145.100", protocol: "tcp", ports: [8080, 8081], mark: 1 }],
        });
        expect(h.state().units["pulumi-lvs-director-marks"]).toEqual({ enabled: true, active: true });

        h.run("nft delete table ip pulumi_lvs_director");
        expect(await firewallMarksFact.read(ctx, marks)).toEqual({ marks: {}, persisted: true });

        const moved = { ...marks, marks: { "2": { protocol: "udp" as const, address: "192.168.145.100", ports: [5353] } } };
        await firewallMarksFact.update(ctx, marks, moved);
        expect(h.state().nft).toEqual({ pulumi_lvs_director: [{ address: "192.168.145.100", protocol: "udp", ports: [5353], mark: 2 }] });
        expect(await firewallMarksFact.read(ctx, moved)).toEqual({ marks: moved.marks, persisted: true });
    });

    it("leaves a table of the host's own alone", async () => {
        const h = host();
        h.update((s) => (s.nft = { filter: [] }));
        await firewallMarksFact.create(factContext(h), marks);
        await firewallMarksFact.delete(factContext(h), marks);
        expect(h.state().nft).toEqual({ filter: [] });
    });
});

describe("VS/TUN real server", () => {
    it("loads ipip for tunl0, puts the VIP on it, and on delete leaves no tunnel device and every setting as found", async () => {
        const h = host();
        const ctx = factContext(h);
        const before = h.snapshot();
        const sysctls = { ...rs1TunSysctls, persisted: true as const };
        const addresses = { ...rs1TunAddresses, persisted: true as const };
        await sysctlsFact.create(ctx, sysctls);
        await addressesFact.create(ctx, addresses);
        const state = h.state();
        expect(state.addresses.tunl0).toEqual(["192.168.145.100/32"]);
        expect(state.up).toContain("tunl0");
        expect(state.sysctl["net.ipv4.conf.tunl0.rp_filter"]).toBe("0");
        expect(state.sysctl["net.ipv4.conf.all.arp_ignore"]).toBe("1");

        await addressesFact.delete(ctx, addresses);
        await sysctlsFact.delete(ctx, sysctls);
        expect(h.state().links).not.toContain("tunl0");
        expect(h.snapshot()).toEqual(before);
        expect(ctx.warnings).toEqual([]);
    });
});
