// A real server: its address, httpd (Debian's lighttpd) installed and running,
// and a test page naming the server; and what its forwarding methods need of
// it. VS/NAT: the default route through the director's DIP. VS/DR: the VIP on
// `lo` (/32) with the ARP settings that keep it from answering for it, and
// the default route through a router. VS/TUN: the `ipip` module, the VIP on
// `tunl0` and reverse-path filtering relaxed for it. Each piece is a resource
// of the lvs provider, read back on refresh; deleting the real server removes
// all of it and restores what it replaced.
import * as pulumi from "../resources/pulumiCore";
import { Addresses, File, HostConnection, Package, Service, Sysctls } from "../resources";
import { cidr, defaultPage } from "../src/spec";
import { familyOf } from "../src/patterns";
import { checkRealServerArgs, RealServerArgsInput, RealServerArgsSpec } from "../src/validate";
import { REAL_SERVER_PORT } from "../src/ipvs/serviceSchema";
import type { InputFields, InputOf } from "../resources/inputTypes";
import { ChangesAfter, changeDependsOn, checked } from "./inputs";

/** The web server package and unit that serve the test page, and where its page lives. */
export const HTTPD = "lighttpd";
export const TEST_PAGE = "/var/www/html/index.html";

/** A VIP the real server takes packets for without the director rewriting them (VS/DR on lo, VS/TUN on tunl0). */
export type RealServerVip = RealServerArgsSpec["vips"][number];

// The arguments are the real server's schema (src/validate.ts: each field's rule, default and meaning) with
// inputs for values; the number of VIPs stays plain, as it decides what is declared.
export type RealServerArgs = InputFields<
    Pick<RealServerArgsInput, "address" | "gateway" | "address6" | "gateway6" | "page" | "pageFile">
> & {
    /** How to reach the real server over SSH. */
    connection: pulumi.Input<HostConnection>;
    /** The real server's name on the host (its unit, state directory, and default page). Default: the resource name. */
    hostName?: string;
    /** The VIPs it serves by VS/DR or VS/TUN (none for VS/NAT). Their number is fixed; their values may be computed. */
    vips?: InputOf<RealServerVip>[];
    /**
     * What its host changes wait for besides its own package: in a cluster, every host's packages, so that a
     * host whose apt fails leaves all of them unchanged (LvsCluster sets it). Default: nothing else.
     */
    changesAfter?: ChangesAfter;
};

/** The kernel settings VS/DR and VS/TUN need on a real server (the kernel's LVS documentation). */
function realServerSysctls(spec: RealServerArgsSpec): Record<string, string> {
    const values: Record<string, string> = {};
    const dev = spec.address.interface;
    // Answer ARP only for addresses of the interface asked on, and announce only those: the VIP belongs to the director.
    // The kernel takes the larger of `all` and the interface's value; an interface name with a dot (a VLAN) would
    // need sysctl's slash spelling, so `all` alone stands for it.
    // (IPv6 needs nothing of the kind: a host answers neighbour solicitations only for addresses of the interface asked on.)
    if (!spec.vips.some((v) => familyOf(v.address) === "ipv4")) return values;
    for (const scope of dev.includes(".") ? ["all"] : ["all", dev]) {
        values[`net.ipv4.conf.${scope}.arp_ignore`] = "1";
        values[`net.ipv4.conf.${scope}.arp_announce`] = "2";
    }
    // Packets from clients arrive on tunl0 while the route back to them leaves by the real server's interface.
    if (spec.vips.some((v) => v.forwarding === "tun")) {
        values["net.ipv4.conf.all.rp_filter"] = "0";
        values["net.ipv4.conf.tunl0.rp_filter"] = "0";
    }
    return values;
}

export class RealServer extends pulumi.ComponentResource {
    /** The real server's address (RIP). */
    public readonly address: pulumi.Output<string>;
    /** `http://RIP/`, reachable from the director's inside network. */
    public readonly url: pulumi.Output<string>;
    /** What must be in place before the director sends it traffic. */
    public readonly ready: pulumi.Resource[];
    /** The packages it installs (httpd's), which come before any change of a cluster on any host. */
    public readonly packages: pulumi.Resource[];

    constructor(name: string, args: RealServerArgs, opts?: pulumi.ComponentResourceOptions) {
        const hostName = args.hostName ?? name;
        super("lvs:index:RealServer", name, {}, opts);
        const { connection: _connection, changesAfter: _changesAfter, ...own } = args;
        const spec = checked(this, `RealServer ${name} arguments`, { ...own, hostName }, (s) => checkRealServerArgs(s));
        const connection = args.connection;
        const vipCount = args.vips?.length ?? 0;
        const httpdPackage = new Package(`${name}-${HTTPD}`, { connection, hostName, package: HTTPD }, { parent: this });
        this.packages = [httpdPackage];
        const after = (own: pulumi.Resource[]) => changeDependsOn(own, args.changesAfter);

        // VS/DR and VS/TUN: the ARP and reverse-path settings (and ipip for tunl0) come first.
        const sysctls =
            vipCount > 0
                ? new Sysctls(
                      `${name}-sysctls`,
                      {
                          connection,
                          hostName,
                          values: spec.apply(realServerSysctls),
                          modules: spec.apply((s) => (s.vips.some((v) => v.forwarding === "tun") ? ["ipip"] : [])),
                      },
                      { parent: this, dependsOn: after([]) },
                  )
                : undefined;
        const addresses = new Addresses(
            `${name}-addresses`,
            {
                connection,
                hostName,
                description: spec.apply(
                    (s) =>
                        `real server ${hostName}: ${cidr(s.address)} on ${s.address.interface}` +
                        (s.address6 ? `, ${cidr(s.address6)} on ${s.address6.interface}` : "") +
                        s.vips.map((v) => `, VIP ${v.address} on ${v.forwarding === "dr" ? "lo" : "tunl0"}`).join("") +
                        (s.gateway ? `, default route via ${s.gateway}` : "") +
                        (s.gateway6 ? `, IPv6 default route via ${s.gateway6}` : ""),
                ),
                addresses: spec.apply((s) => ({
                    [cidr(s.address)]: { interface: s.address.interface },
                    ...(s.address6 ? { [cidr(s.address6)]: { interface: s.address6.interface } } : {}),
                    // A VIP of the host's own, alone on its device: /32, or /128.
                    ...Object.fromEntries(
                        s.vips.map((v) => [
                            `${v.address}/${familyOf(v.address) === "ipv6" ? 128 : 32}`,
                            { interface: v.forwarding === "dr" ? "lo" : "tunl0" },
                        ]),
                    ),
                })),
                ...(args.gateway !== undefined
                    ? { defaultRoute: spec.apply((s) => (s.gateway ? { via: s.gateway, interface: s.address.interface } : undefined)) }
                    : {}),
                ...(args.gateway6 !== undefined
                    ? {
                          defaultRoute6: spec.apply((s) =>
                              s.gateway6 && s.address6 ? { via: s.gateway6, interface: s.address6.interface } : undefined,
                          ),
                      }
                    : {}),
                interfaceSetting: "lvs:realServers[].interface",
            },
            { parent: this, dependsOn: after(sysctls ? [sysctls] : []) },
        );
        const httpd = new Service(
            `${name}-httpd`,
            // In the table only once it answers: its start returns before it listens.
            { connection, hostName, unit: HTTPD, listens: [REAL_SERVER_PORT] },
            { parent: this, dependsOn: after([httpdPackage]) },
        );
        // A page from a local file reaches the provider as its path and digest (the state holds no more), else its text.
        const page = new File(
            `${name}-test-page`,
            {
                connection,
                hostName,
                path: TEST_PAGE,
                content: spec.apply((s) => (s.pageFile ? undefined : (s.page ?? defaultPage(hostName, s.address.address)))),
                contentFile: spec.apply((s) => s.pageFile),
            },
            { parent: this, dependsOn: [httpd] },
        );
        this.ready = [addresses, httpd, page, ...(sysctls ? [sysctls] : [])];

        this.address = spec.address.address;
        this.url = pulumi.interpolate`http://${spec.address.address}/`;
        this.registerOutputs({ address: this.address, url: this.url });
    }
}
