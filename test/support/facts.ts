// The tutorial's host facts as the components declare them (the desired
// state each lvs resource gets), for tests of the facts and their scripts.
import { FactContext } from "../../provider/fact";
import { VirtualServiceState } from "../../resources/virtualService/state";
import { AddressesFact } from "../../resources/addresses/state";
import { FileFact } from "../../resources/file/state";
import { FirewallMarksFact } from "../../resources/firewallMarks/state";
import { PackageFact } from "../../resources/package/state";
import { ServiceFact } from "../../resources/service/state";
import { SysctlsFact } from "../../resources/sysctls/state";
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

export const rs1Httpd: ServiceFact = { hostName: "rs1", unit: "lighttpd", listens: [80], listenTimeout: 30 };

export const rs1HttpdPackage: PackageFact = { hostName: "rs1", package: "lighttpd" };

export const rs1Page: FileFact & { content: string } = {
    hostName: "rs1",
    path: "/var/www/html/index.html",
    content: "<h1>rs1 (192.168.2.100)</h1>\n",
};

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

/** The director's firewall marks for a firewall-mark service on 8080 and 8081. */
export const directorMarks: FirewallMarksFact = {
    hostName: "director",
    marks: { "1": { protocol: "tcp", address: "192.168.145.100", ports: [8080, 8081] } },
};

/** What VS/DR needs of rs1: ARP kept off the VIP, which sits on lo. */
export const rs1DrSysctls: SysctlsFact = {
    hostName: "rs1",
    values: {
        "net.ipv4.conf.all.arp_ignore": "1",
        "net.ipv4.conf.all.arp_announce": "2",
        "net.ipv4.conf.eth1.arp_ignore": "1",
        "net.ipv4.conf.eth1.arp_announce": "2",
    },
    modules: [],
};

export const rs1DrAddresses: AddressesFact = {
    hostName: "rs1",
    description: "real server rs1: 192.168.2.100/24 on eth1, VIP 192.168.145.100 on lo, default route via 192.168.2.254",
    addresses: { "192.168.2.100/24": { interface: "eth1" }, "192.168.145.100/32": { interface: "lo" } },
    defaultRoute: { via: "192.168.2.254", interface: "eth1" },
    interfaceSetting: "lvs:realServers[].interface",
};

/** What VS/TUN needs of rs1: the ipip module, reverse-path filtering off for tunl0, and the VIP on tunl0. */
export const rs1TunSysctls: SysctlsFact = {
    hostName: "rs1",
    values: { ...rs1DrSysctls.values, "net.ipv4.conf.all.rp_filter": "0", "net.ipv4.conf.tunl0.rp_filter": "0" },
    modules: ["ipip"],
};

export const rs1TunAddresses: AddressesFact = {
    ...rs1DrAddresses,
    description: "real server rs1: 192.168.2.100/24 on eth1, VIP 192.168.145.100 on tunl0, default route via 192.168.2.254",
    addresses: { "192.168.2.100/24": { interface: "eth1" }, "192.168.145.100/32": { interface: "tunl0" } },
};
