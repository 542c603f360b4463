// An LVS director: ipvsadm, the kernel settings that forwarding and draining
// need, the VIP (and the DIP, its address on the real servers' network), one
// IPVS virtual service per entry with its real servers, saved for reboots, and
// the firewall marks of firewall-mark services. Every piece is a resource of
// the lvs provider, read back on refresh: drift shows in a preview and
// `pulumi up` repairs it. Deleting the director removes exactly what it added.
import * as pulumi from "../resources/pulumiCore";
import { Addresses, FirewallMarks, HostConnection, Keepalived, Package, Sysctls, VirtualService } from "../resources";
import type { KeepalivedArgs } from "../resources/keepalived";
import type { InputFields, InputOf } from "../resources/inputTypes";
import { serviceTable, ServiceByAddress } from "../src/desiredTables";
import { savedRules } from "../src/ipvs/render";
import { DEFAULT_FAMILY, DEFAULT_PROTOCOL, servicePort } from "../src/ipvs/serviceSchema";
import { stateOf, TABLE_FIELDS } from "../resources/virtualService/state";
import { keepalivedServicesOf } from "../resources/keepalived/state";
import { cidr, InterfaceAddress, serviceName } from "../src/spec";
import { hostPort } from "../src/patterns";
import { checkDirectorArgs, DirectorArgsInput, DirectorArgsSpec } from "../src/validate";
import { ChangesAfter, changeDependsOn, checked, fieldsOf } from "./inputs";

// The arguments are the director's schema (src/validate.ts, its services' fields in src/ipvs/serviceSchema.ts:
// each field's rule, default and meaning) with inputs for values.
type DirectorServiceInput = DirectorArgsInput["virtualServices"][number];

/** A real server as the director's table needs it: where it is, and its share. */
export type DirectorRealServer = DirectorServiceInput["realServers"][number];

/**
 * A virtual service of the director. Its `name` (or else its protocol and port, or its mark) must be known when
 * it is declared: it names the service's resource. Whether it has a firewall mark, and whether it has a health
 * check, must be known too.
 */
export type DirectorVirtualService = Pick<DirectorServiceInput, "name"> & InputFields<Omit<DirectorServiceInput, "name">>;

/**
 * This director's side of a director pair (keepalived's VRRP): the floating addresses are the director's VIP and
 * DIP, which keepalived moves to whichever director is master; the director keeps only its own `address`.
 */
export interface DirectorPairArgs {
    /** The director's own address on the VIP's network, on the VIP's interface (`192.168.145.2/24`): its adverts' source. */
    address: pulumi.Input<string>;
    /** Its own address on the real servers' network, on the DIP's interface (`192.168.2.2/24`), when there is a DIP. */
    insideAddress?: pulumi.Input<string | undefined>;
    /** The other director's own address there (its unicast peer). */
    peer: pulumi.Input<string>;
    /** Its VRRP priority, 1 to 254: the pair's first director has the higher. */
    priority: number;
    /** keepalived's virtual_router_id (1 to 255). */
    virtualRouterId: pulumi.Input<number>;
    /** keepalived's advert_int, in seconds. */
    advertInterval: pulumi.Input<number>;
    /** Whether established connections are synchronised to the other director (on the DIP's interface). */
    connectionSync: pulumi.Input<boolean>;
    /** The pair's VRRP password (auth_type PASS, at most 8 characters); always handled as a Pulumi secret. */
    password?: pulumi.Input<string>;
}

export type DirectorArgs = InputFields<Pick<DirectorArgsInput, "vip" | "dip" | "vip6" | "dip6" | "drainTimeout">> & {
    /** How to reach the director over SSH. */
    connection: pulumi.Input<HostConnection>;
    /** The director's name on the host (its unit, files and state directory). Default: the resource name. */
    hostName?: string;
    /** The virtual services on the VIP, each with its real servers. Their number is fixed; their values may be computed. */
    virtualServices: DirectorVirtualService[];
    /** Resources the IPVS table waits for, typically the real servers, so that it sends traffic only to servers that are ready. */
    tableDependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * What its host changes wait for besides its own packages: in a cluster, every host's packages, so that a
     * host whose apt fails leaves all of them unchanged (LvsCluster sets it). Default: nothing else.
     */
    changesAfter?: ChangesAfter;
    /** One of a director pair: keepalived holds the table and moves the VIP and DIP between the two by VRRP. */
    pair?: DirectorPairArgs;
    /**
     * The director is a container (ContainerCluster) whose image has ipvsadm and whose Docker settings give it
     * its addresses and `ip_forward`: only the virtual services are managed here. Default: false (a host).
     */
    container?: boolean;
};

/**
 * The name of a virtual service's resource, which must be known when it is
 * declared: its own `name`, or one made of its protocol and port (or mark).
 * `where` says which entry needs a name when those are computed.
 */
export function virtualServiceResourceName(
    vs: { name?: string; protocol?: unknown; family?: unknown; port?: unknown; fwmark?: unknown },
    where: string,
): string {
    if (vs.name) return vs.name;
    const protocol = vs.protocol ?? DEFAULT_PROTOCOL;
    const family = vs.family ?? DEFAULT_FAMILY;
    const fwmark = vs.fwmark;
    const port = vs.port;
    const known =
        typeof protocol === "string" &&
        typeof family === "string" &&
        (fwmark === undefined ? port === undefined || typeof port === "number" : typeof fwmark === "number");
    if (known)
        return serviceName({ protocol, family, fwmark, port: servicePort({ fwmark, port: port as number | undefined }) } as Parameters<
            typeof serviceName
        >[0]);
    throw new pulumi.RunError(`${where} needs a name when its protocol, family, port or fwmark is computed`);
}

/**
 * Kernel settings of a director: forwarding (VS/NAT), and IPVS's handling of connections to quiesced or removed
 * real servers. A host gets only what its services need (and gets the rest back as found); `all` gives every
 * one, for a director container, which starts fresh and whose sysctls cannot change without replacing it.
 */
export function directorSysctls(
    services: Pick<ServiceByAddress, "forwarding" | "persistence" | "family">[],
    all = false,
): Record<string, string> {
    const values: Record<string, string> = {};
    // VS/NAT routes the real servers' replies: the director forwards, in the family of its services.
    if (all || services.some((vs) => vs.forwarding === "nat" && vs.family === "ipv4")) values["net.ipv4.ip_forward"] = "1";
    if (services.some((vs) => vs.forwarding === "nat" && vs.family === "ipv6")) values["net.ipv6.conf.all.forwarding"] = "1";
    // A connection whose real server was deleted (after its drain deadline) ends at once instead of hanging.
    values["net.ipv4.vs.expire_nodest_conn"] = "1";
    // A new connection reusing a port of a finished one is scheduled afresh (not sent to a quiesced server).
    values["net.ipv4.vs.conn_reuse_mode"] = "1";
    // Persistent clients of a quiesced real server move on at their next connection.
    if (all || services.some((vs) => vs.persistence)) values["net.ipv4.vs.expire_quiescent_template"] = "1";
    return values;
}

/** The addresses a single director holds for its clients and real servers: the VIP and DIP of each family given. */
function floatingAddresses(s: DirectorArgsSpec): (InterfaceAddress & { what: string })[] {
    const given = { VIP: s.vip, DIP: s.dip, VIP6: s.vip6, DIP6: s.dip6 };
    return Object.entries(given).flatMap(([what, a]) => (a ? [{ ...a, what }] : []));
}

/** A pair director's own addresses (on the VIP's interface, and on the DIP's), which stay with it. */
function ownAddresses(spec: pulumi.Output<DirectorArgsSpec>, pair: DirectorPairArgs): pulumi.Output<Record<string, { interface: string }>> {
    return pulumi.all([spec, pair.address, pair.insideAddress]).apply(([s, address, inside]) => ({
        [address]: { interface: s.vip.interface },
        ...(inside && s.dip ? { [inside]: { interface: s.dip.interface } } : {}),
    }));
}

/**
 * A pair director's VRRP input: the plain parts as one output, the password apart, so that only the password is
 * a secret (the SDK marks a nested output's value on its own) and a diff still names the other fields.
 */
function vrrpOf(spec: pulumi.Output<DirectorArgsSpec>, pair: DirectorPairArgs): KeepalivedArgs["vrrp"] {
    const plain = pulumi
        .all([spec, pair.address, pair.peer, pair.virtualRouterId, pair.advertInterval, pair.connectionSync])
        .apply(([s, address, peer, virtualRouterId, advertInterval, sync]) => ({
            virtualRouterId,
            priority: pair.priority,
            advertInterval,
            interface: s.vip.interface,
            sourceAddress: address.split("/")[0]!,
            peers: [peer.split("/")[0]!],
            addresses: [
                { address: cidr(s.vip), interface: s.vip.interface },
                ...(s.dip ? [{ address: cidr(s.dip), interface: s.dip.interface }] : []),
            ],
            trackInterfaces: s.dip && s.dip.interface !== s.vip.interface ? [s.dip.interface] : [],
            // On the real servers' network, where the pair's traffic to them already goes; or else the VIP's.
            ...(sync ? { syncInterface: s.dip?.interface ?? s.vip.interface } : {}),
        }));
    const field = <K extends string>(key: K) => plain.apply((v) => (v as Record<string, unknown>)[key]);
    return {
        ...Object.fromEntries(
            ["virtualRouterId", "priority", "advertInterval", "interface", "sourceAddress", "peers", "addresses", "trackInterfaces"].map(
                (k) => [k, field(k)],
            ),
        ),
        syncInterface: field("syncInterface"),
        ...(pair.password !== undefined ? { password: pulumi.secret(pair.password) } : {}),
    } as KeepalivedArgs["vrrp"];
}

/**
 * An LVS director. A change of scheduler, weight or real-server list updates
 * its table in place (`ipvsadm -E/-e/-a`); a real server that goes is first
 * quiesced and drained, then deleted (`-d`); the table is never flushed.
 */
export class Director extends pulumi.ComponentResource {
    /** The virtual IP clients connect to. */
    public readonly vip: pulumi.Output<string>;
    /** `http://VIP:port/` of the first virtual service with a port. */
    public readonly vipUrl: pulumi.Output<string>;
    /** Each virtual service as `ipvsadm -L -n` listed it right after the last change. */
    public readonly ipvsTable: pulumi.Output<string>;
    /** The rules the director holds, in `ipvsadm-save -n` form (also in /etc/ipvsadm.rules). */
    public readonly ipvsRules: pulumi.Output<string[]>;
    /** The scheduler of each virtual service. */
    public readonly schedulers: pulumi.Output<string[]>;
    /** One resource per virtual service, in order (none when keepalived holds the table). */
    public readonly virtualServices: VirtualService[];
    /** keepalived holding the table and checking the real servers, when a service has a health check. */
    public readonly keepalived?: Keepalived;
    /** The packages it installs (ipvsadm, nftables), which come before any change of a cluster on any host. */
    public readonly packages: pulumi.Resource[] = [];

    constructor(name: string, args: DirectorArgs, opts?: pulumi.ComponentResourceOptions) {
        const hostName = args.hostName ?? name;
        super("lvs:index:Director", name, {}, opts);
        const { connection, hostName: _hostName, tableDependsOn, changesAfter: _after, container, virtualServices, pair, ...own } = args;
        const spec = checked(this, `Director ${name} arguments`, { ...own, hostName, virtualServices } as InputOf<DirectorArgsInput>, (d) =>
            checkDirectorArgs(d),
        );
        // A health check anywhere, or a pair, puts the whole table in keepalived's hands (one owner per director).
        const keepalivedHolds = virtualServices.some((vs) => vs.healthCheck !== undefined) || pair !== undefined;
        if (keepalivedHolds && container) {
            throw new pulumi.RunError(
                `Director ${name}: ${pair ? "a director pair" : "healthCheck"} needs a director host with systemd, where keepalived runs; a container ` +
                    `director has none: leave ${pair ? "the pair" : "healthCheck"} out, or use host directors (LvsCluster)`,
            );
        }
        const ready = container ? [] : this.hostFacts(name, hostName, args, spec, keepalivedHolds);
        // The tables, built once from the checked arguments: what each service's resource is given, and the rules output.
        const tables = spec.apply((s) => s.virtualServices.map((vs) => serviceTable(s, vs)));
        const tableOptions = { parent: this, dependsOn: [...ready, ...(tableDependsOn ?? [])] };
        if (keepalivedHolds) {
            this.keepalived = new Keepalived(
                `${name}-keepalived-config`,
                {
                    connection,
                    hostName,
                    virtualServices: tables.apply(keepalivedServicesOf),
                    drainTimeout: spec.drainTimeout,
                    ...(pair ? { vrrp: vrrpOf(spec, pair) } : {}),
                },
                tableOptions,
            );
            this.virtualServices = [];
        } else {
            this.virtualServices = virtualServices.map((vs, i) => {
                const state = tables.apply((all) => stateOf(all[i]!));
                return new VirtualService(
                    `${name}-${virtualServiceResourceName(vs, `Director ${name}: virtualServices[${i}]`)}`,
                    { connection, hostName, ...fieldsOf(state, TABLE_FIELDS), drainTimeout: spec.drainTimeout },
                    tableOptions,
                );
            });
        }

        this.vip = spec.vip.address;
        this.vipUrl = spec.apply((s) => {
            const first = s.virtualServices.find((vs) => vs.port !== undefined);
            if (first?.family === "ipv6") return `http://${hostPort(s.vip6!.address, first.port!)}/`;
            return `http://${s.vip.address}${first ? `:${first.port}` : ""}/`;
        });
        this.ipvsTable = this.keepalived
            ? this.keepalived.ipvsTable
            : pulumi.all(this.virtualServices.map((vs) => vs.ipvsTable)).apply((tables) => tables.join("\n"));
        this.ipvsRules = tables.apply((all) => all.flatMap(savedRules));
        this.schedulers = spec.apply((s) => s.virtualServices.map((vs) => vs.scheduler));
        this.registerOutputs({
            vip: this.vip,
            vipUrl: this.vipUrl,
            ipvsTable: this.ipvsTable,
            ipvsRules: this.ipvsRules,
            schedulers: this.schedulers,
        });
    }

    /**
     * What a host director needs besides its table: ipvsadm (and keepalived, for health checks), its kernel
     * settings, the VIP and DIP, the firewall marks.
     */
    private hostFacts(
        name: string,
        hostName: string,
        args: DirectorArgs,
        spec: pulumi.Output<DirectorArgsSpec>,
        keepalivedHolds: boolean,
    ): pulumi.Resource[] {
        const connection = args.connection;
        // Someone's own services in the table still need ipvsadm after the stack lets go of the director.
        const ipvsadm = new Package(
            `${name}-ipvsadm`,
            { connection, hostName, package: "ipvsadm", keepWhileUsed: "ipvs-services" },
            { parent: this },
        );
        // Firewall-mark services need the director to mark their packets (its own nftables table).
        const marks = args.virtualServices.some((vs) => vs.fwmark !== undefined);
        const nftables = marks
            ? new Package(`${name}-nftables`, { connection, hostName, package: "nftables" }, { parent: this })
            : undefined;
        const keepalived = keepalivedHolds
            ? new Package(`${name}-keepalived`, { connection, hostName, package: "keepalived" }, { parent: this })
            : undefined;
        this.packages.push(ipvsadm, ...(nftables ? [nftables] : []), ...(keepalived ? [keepalived] : []));
        const after = (own: pulumi.Resource[]) => changeDependsOn(own, args.changesAfter);
        const ready: pulumi.Resource[] = [...this.packages];
        ready.push(
            new Sysctls(
                `${name}-sysctls`,
                { connection, hostName, values: spec.apply((s) => directorSysctls(s.virtualServices)), modules: ["ip_vs"] },
                { parent: this, dependsOn: after([ipvsadm]) },
            ),
            new Addresses(
                `${name}-addresses`,
                {
                    connection,
                    hostName,
                    // A pair's VIP and DIP are keepalived's, which moves them: each director keeps its own address.
                    description: args.pair
                        ? pulumi.all([ownAddresses(spec, args.pair)]).apply(
                              ([own]) =>
                                  `director ${hostName}, one of a pair: its own addresses ` +
                                  Object.entries(own)
                                      .map(([address, { interface: iface }]) => `${address} on ${iface}`)
                                      .join(", "),
                          )
                        : spec.apply(
                              (s) =>
                                  `director ${hostName}: ` +
                                  floatingAddresses(s)
                                      .map((a) => `${a.what} ${cidr(a)} on ${a.interface}`)
                                      .join(", "),
                          ),
                    addresses: args.pair
                        ? ownAddresses(spec, args.pair)
                        : spec.apply((s) => Object.fromEntries(floatingAddresses(s).map((a) => [cidr(a), { interface: a.interface }]))),
                    interfaceSetting: "lvs:director.vipInterface/dipInterface",
                },
                { parent: this, dependsOn: after([]) },
            ),
        );
        if (nftables) {
            ready.push(
                new FirewallMarks(
                    `${name}-firewall-marks`,
                    {
                        connection,
                        hostName,
                        marks: spec.apply((s) =>
                            Object.fromEntries(
                                s.virtualServices
                                    .filter((vs) => vs.fwmark !== undefined)
                                    .map((vs) => [
                                        String(vs.fwmark),
                                        { protocol: vs.protocol, address: s.vip.address, ports: vs.ports ?? [] },
                                    ]),
                            ),
                        ),
                    },
                    { parent: this, dependsOn: after([nftables]) },
                ),
            );
        }
        return ready;
    }
}
