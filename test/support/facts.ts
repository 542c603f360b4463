// The tutorial's host facts as the components declare them (the desired
// state each lvs resource gets), for tests of the facts and their scripts.
import { FactContext } from "../../provider/facts/fact";
import { VirtualServiceState } from "../../provider/facts/virtualService";
import { AddressesFact } from "../../src/hostScripts/addresses";
import { FileFact } from "../../src/hostScripts/file";
import { PackageFact } from "../../src/hostScripts/package";
import { ServiceFact } from "../../src/hostScripts/service";
import { SysctlsFact } from "../../src/hostScripts/sysctls";
import { FakeHost } from "./fakeHost";

export const directorPackage: PackageFact = { hostName: "director", package: "ipvsadm", keepWhileUsed: "ipvs-services" };

export const directorSysctls: SysctlsFact = {
    hostName: "director",
    values: { "net.ipv4.ip_forward": "1", "net.ipv4.vs.expire_nodest_conn": "1", "net.ipv4.vs.conn_reuse_mode": "1" },
    modules: ["ip_vs"],
};

export const directorAddresses: AddressesFact = {
    hostName: "director",
    description: "director director: VIP 192.168.145.100/24 on eth1, DIP 192.168.2.1/24 on eth2",
    addresses: { "192.168.145.100/24": { interface: "eth1" }, "192.168.2.1/24": { interface: "eth2" } },
    interfaceSetting: "lvs:director.vipInterface/dipInterface",
};

export const rs1Addresses: AddressesFact = {
    hostName: "rs1",
    description: "real server rs1: 192.168.2.100/24 on eth1, default route via the director's DIP 192.168.2.1",
    addresses: { "192.168.2.100/24": { interface: "eth1" } },
    defaultRoute: { via: "192.168.2.1", interface: "eth1" },
    interfaceSetting: "lvs:realServers[].interface",
};

export const rs1Httpd: ServiceFact = { hostName: "rs1", unit: "lighttpd", package: "lighttpd" };

export const rs1Page: FileFact = { hostName: "rs1", path: "/var/www/html/index.html", content: "<h1>rs1 (192.168.2.100)</h1>\n" };

export function tutorialService(): VirtualServiceState {
    return {
        hostName: "director",
        protocol: "tcp",
        address: "192.168.145.100",
        port: 80,
        scheduler: "rr",
        flags: [],
        realServers: { "192.168.2.100:80": { forwarding: "nat", weight: 1 }, "192.168.2.101:80": { forwarding: "nat", weight: 1 } },
        drainTimeout: 5,
        present: true,
        saved: true,
        restoreAtBoot: true,
    };
}

/** What a fact operation gets: the fake host, and the status lines and warnings it reported. */
export function factContext(host: FakeHost): FactContext & { statuses: string[]; warnings: string[] } {
    const statuses: string[] = [];
    const warnings: string[] = [];
    return { transport: host.transport(), status: (m) => statuses.push(m), warn: (m) => warnings.push(m), statuses, warnings };
}
