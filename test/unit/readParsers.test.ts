// The reads print what the host's tools print, raw or prefixed (no sed or awk
// on the host); the parsers pick out the facts. Lines here are the lab's own output.
import { describe, expect, it } from "vitest";
import { AddressesFact } from "../../resources/addresses/state";
import { parseAddressesRead } from "../../resources/addresses/scripts";
import { parsePackageRead } from "../../resources/package/scripts";
import { parseServiceRead } from "../../resources/service/scripts";
import { parseSysctlsRead } from "../../resources/sysctls/scripts";
import { parseTableRead } from "../../resources/virtualService/scripts";

const rs1: AddressesFact = {
    hostName: "rs1",
    description: "real server rs1",
    addresses: { "192.168.2.100/24": { interface: "eth1" }, "10.1.0.5/24": { interface: "eth1.100" } },
    defaultRoute: { via: "192.168.2.1", interface: "eth1" },
    interfaceSetting: "lvs:realServers[].interface",
};

describe("parseAddressesRead", () => {
    it("reports the wanted addresses on their interfaces, and the first default route", () => {
        const stdout = [
            "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
            "2: eth0    inet 10.77.0.12/24 brd 10.77.0.255 scope global eth0\\       valid_lft forever preferred_lft forever",
            "3: eth1    inet 192.168.2.100/24 scope global eth1\\       valid_lft forever preferred_lft forever",
            "4: eth1.100@eth1    inet 10.1.0.5/24 scope global eth1.100\\       valid_lft forever preferred_lft forever",
            "default via 192.168.2.1 dev eth1 ",
            "default via 10.77.0.1 dev eth0 metric 200",
        ].join("\n");
        expect(parseAddressesRead(stdout, rs1)).toEqual({
            addresses: { "192.168.2.100/24": { interface: "eth1" }, "10.1.0.5/24": { interface: "eth1.100" } },
            defaultRoute: { via: "192.168.2.1", interface: "eth1" },
            persisted: true,
        });
    });

    it("counts a wanted address on another interface as missing, and notes an unpersisted unit", () => {
        const stdout = ["2: eth0    inet 192.168.2.100/24 scope global eth0", "persisted false"].join("\n");
        expect(parseAddressesRead(stdout, rs1)).toEqual({ addresses: {}, persisted: false });
    });
});

describe("parseTableRead", () => {
    it("takes the live and saved rules, and restores at boot only when the last AUTO says true and the service is enabled", () => {
        const read = (defaults: string[], service: string) =>
            parseTableRead(
                [
                    "saved -A -t 192.168.145.100:80 -s rr",
                    ...defaults.map((l) => `default ${l}`),
                    `boot-service ${service}`,
                    "live table:",
                    "-A -t 192.168.145.100:80 -s rr",
                    "-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1",
                ].join("\n"),
            );
        expect(read(["# ipvsadm", 'AUTO="true"', 'DAEMON="none"'], "enabled")).toEqual({
            live: "-A -t 192.168.145.100:80 -s rr\n-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1",
            saved: "-A -t 192.168.145.100:80 -s rr",
            restoreAtBoot: true,
        });
        expect(read(['AUTO="true"', "AUTO=false"], "enabled").restoreAtBoot).toBe(false);
        expect(read(['AUTO="false"', "AUTO='true'"], "enabled").restoreAtBoot).toBe(true);
        expect(read(['AUTO="true"'], "disabled").restoreAtBoot).toBe(false);
        expect(read([], "enabled").restoreAtBoot).toBe(false);
    });

    it("reads an empty live table when ipvsadm printed nothing, and a rule file's lines never as live ones", () => {
        expect(parseTableRead(["saved -A -t 192.168.145.100:80 -s rr", "boot-service enabled", "live table:", ""].join("\n"))).toEqual({
            live: "",
            saved: "-A -t 192.168.145.100:80 -s rr",
            restoreAtBoot: false,
        });
    });
});

describe("installedIn", () => {
    it("counts a package installed only when dpkg says install ok installed (the last line of several architectures)", () => {
        const installed = (stdout: string) => parsePackageRead(stdout).installed;
        expect(installed("installed install ok installed\n")).toBe(true);
        expect(installed("installed deinstall ok config-files\n")).toBe(false);
        expect(installed("installed install ok half-configured\n")).toBe(false);
        expect(installed("installed install ok installed\ninstalled deinstall ok config-files\n")).toBe(false);
        // dpkg-query prints nothing for a package it does not know.
        expect(installed("")).toBe(false);
        expect(parseServiceRead("enabled true\nrunning false\n")).toEqual({ enabled: true, running: false });
    });
});

describe("parseSysctlsRead", () => {
    it("takes each key sysctl printed, leaves out the ones the kernel lacks, and notes files not in place", () => {
        const stdout = [
            "value net.ipv4.ip_forward = 1",
            "value net.ipv4.vs.conn_reuse_mode = 0",
            "value net.ipv4.ip_local_port_range = 32768\t60999",
            "persisted false",
        ].join("\n");
        expect(parseSysctlsRead(stdout)).toEqual({
            values: { "net.ipv4.ip_forward": "1", "net.ipv4.vs.conn_reuse_mode": "0", "net.ipv4.ip_local_port_range": "32768\t60999" },
            persisted: false,
        });
        expect(parseSysctlsRead("value net.ipv4.ip_forward = 0\n")).toEqual({ values: { "net.ipv4.ip_forward": "0" }, persisted: true });
    });
});
