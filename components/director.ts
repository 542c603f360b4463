// An LVS director: ipvsadm, the kernel settings that forwarding and draining
// need, the VIP (and the DIP, its address on the real servers' network), one
// IPVS virtual service per entry with its real servers, saved for reboots, and
// the firewall marks of firewall-mark services. Every piece is a resource of
// the lvs provider, read back on refresh: drift shows in a preview and
// `pulumi up` repairs it. Deleting the director removes exactly what it added.
import * as pulumi from "../resources/pulumiCore";
import { Addresses, FirewallMarks, HostConnection, Package, Sysctls, VirtualService } from "../resources";
import { DEFAULT_SCHEDULER, entryKey, ForwardingMethod, Persistence, Protocol, Scheduler } from "../src/ipvs/model";
import { ServiceByAddress, serviceTable } from "../src/desiredTables";
import { savedRules } from "../src/ipvs/render";
import { cidr, DEFAULT_DRAIN_TIMEOUT, InterfaceAddress, serviceName } from "../src/spec";
import { validateDirectorArgs } from "../src/validate";
import { ChangesAfter, changeDependsOn, InputOf, mapInput, validated } from "./inputs";

/** A real server as the director's table needs it: where it is, and its share. */
export interface DirectorRealServer {
    /** The real server's address (RIP). */
    address: string;
    /** Port on the real server. Default: the service's port (0 in a firewall-mark service: the packet's own). */
    port?: number;
    /** IPVS weight, 0..65535 (0: no new connections). Default: 1. */
    weight?: number;
}

export interface DirectorVirtualService {
    /** Names the service's resource (`<director>-<name>`). Default: `<protocol>-<port>` or `fwmark-<mark>`; required when those are computed. */
    name?: string;
    /** Transport protocol. Default: `tcp`. */
    protocol?: pulumi.Input<Protocol>;
    /** Port clients connect to on the VIP (or, for a firewall-mark service, `fwmark` and `ports`). */
    port?: pulumi.Input<number>;
    /** Firewall mark of a firewall-mark service (`ipvsadm -f`): the director marks packets to the VIP on `ports`. */
    fwmark?: pulumi.Input<number>;
    /** The ports a firewall-mark service takes, balanced together. */
    ports?: pulumi.Input<pulumi.Input<number>[]>;
    /** Scheduler (`ipvsadm -s`). Default: `rr`. */
    scheduler?: pulumi.Input<Scheduler>;
    /** Scheduler flags (`ipvsadm -b`), e.g. `sh-port`. */
    flags?: pulumi.Input<pulumi.Input<string>[]>;
    /** Persistence: timeout in seconds and optional netmask. Default: none. */
    persistence?: InputOf<Persistence | undefined>;
    /** How packets reach the real servers: `nat` (`-m`), `dr` (`-g`) or `tun` (`-i`). Default: `nat`. */
    forwarding?: pulumi.Input<ForwardingMethod>;
    /** The real servers behind the service. */
    realServers: InputOf<DirectorRealServer[]>;
}

export interface DirectorArgs {
    /** How to reach the director over SSH. */
    connection: pulumi.Input<HostConnection>;
    /** The director's name on the host (its unit, files and state directory). Default: the resource name. */
    hostName?: string;
    /** The virtual IP on the outside interface, where clients connect (e.g. 192.168.145.100/24 on eth1). */
    vip: InputOf<InterfaceAddress>;
    /**
     * The director's address on the real servers' network (DIP): the VS/NAT real servers' default gateway, and
     * the segment VS/DR hands real servers their packets on (e.g. 192.168.2.1/24 on eth2). Not needed for VS/TUN only.
     */
    dip?: InputOf<InterfaceAddress | undefined>;
    /** The virtual services on the VIP, each with its real servers. Their number is fixed; their values may be computed. */
    virtualServices: DirectorVirtualService[];
    /** Seconds a real server being removed or set to weight 0 gets for its active connections to end. Default: 30. */
    drainTimeout?: pulumi.Input<number>;
    /** Resources the IPVS table waits for, typically the real servers, so that it sends traffic only to servers that are ready. */
    tableDependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * What its host changes wait for besides its own packages: in a cluster, every host's packages, so that a
     * host whose apt fails leaves all of them unchanged (LvsCluster sets it). Default: nothing else.
     */
    changesAfter?: ChangesAfter;
    /**
     * The director is a container (ContainerCluster) whose image has ipvsadm and whose Docker settings give it
     * its addresses and `ip_forward`: only the virtual services are managed here. Default: false (a host).
     */
    container?: boolean;
}

/** A virtual service of the director with its defaults applied. */
type ServiceSpec = ServiceByAddress;

/** The director's arguments with their defaults applied. */
interface DirectorSpec {
    hostName: string;
    vip: InterfaceAddress;
    dip?: InterfaceAddress;
    virtualServices: ServiceSpec[];
    drainTimeout: number;
}

/**
 * The name of a virtual service's resource, which must be known when it is
 * declared: its own `name`, or one made of its protocol and port (or mark).
 * `where` says which entry needs a name when those are computed.
 */
export function virtualServiceResourceName(
    vs: Pick<DirectorVirtualService, "name" | "protocol" | "port" | "fwmark">,
    where: string,
): string {
    const protocol = vs.protocol ?? "tcp";
    const known = typeof protocol === "string" && (vs.fwmark === undefined ? typeof vs.port === "number" : typeof vs.fwmark === "number");
    if (vs.name || known)
        return serviceName({ name: vs.name, protocol: protocol as Protocol, port: vs.port as number, fwmark: vs.fwmark as number });
    throw new pulumi.RunError(`${where} needs a name when its protocol, port or fwmark is computed`);
}

function withDefaults(hostName: string, args: DirectorArgs): InputOf<DirectorSpec> {
    return {
        hostName,
        vip: args.vip,
        ...(args.dip !== undefined ? { dip: args.dip } : {}),
        drainTimeout: args.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT,
        virtualServices: args.virtualServices.map(({ name: _name, ...vs }) =>
            mapInput(vs, (v): ServiceSpec => ({
                protocol: v.protocol ?? "tcp",
                ...(v.port !== undefined ? { port: v.port } : {}),
                ...(v.fwmark !== undefined ? { fwmark: v.fwmark, ports: (v.ports ?? []) as number[] } : {}),
                scheduler: v.scheduler ?? DEFAULT_SCHEDULER,
                flags: (v.flags ?? []) as string[],
                ...(v.persistence ? { persistence: v.persistence as Persistence } : {}),
                forwarding: v.forwarding ?? "nat",
                realServers: (v.realServers as DirectorRealServer[]).map((rs) => ({
                    address: rs.address,
                    port: rs.port ?? (v.fwmark !== undefined ? 0 : (v.port as number)),
                    weight: rs.weight ?? 1,
                })),
            })),
        ),
    } as InputOf<DirectorSpec>;
}

/**
 * Kernel settings of a director: forwarding (VS/NAT), and IPVS's handling of connections to quiesced or removed
 * real servers. A host gets only what its services need (and gets the rest back as found); `all` gives every
 * one, for a director container, which starts fresh and whose sysctls cannot change without replacing it.
 */
export function directorSysctls(services: Pick<ServiceSpec, "forwarding" | "persistence">[], all = false): Record<string, string> {
    const values: Record<string, string> = {};
    // VS/NAT routes the real servers' replies: the director forwards.
    if (all || services.some((vs) => vs.forwarding === "nat")) values["net.ipv4.ip_forward"] = "1";
    // A connection whose real server was deleted (after its drain deadline) ends at once instead of hanging.
    values["net.ipv4.vs.expire_nodest_conn"] = "1";
    // A new connection reusing a port of a finished one is scheduled afresh (not sent to a quiesced server).
    values["net.ipv4.vs.conn_reuse_mode"] = "1";
    // Persistent clients of a quiesced real server move on at their next connection.
    if (all || services.some((vs) => vs.persistence)) values["net.ipv4.vs.expire_quiescent_template"] = "1";
    return values;
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
    /** One resource per virtual service, in order. */
    public readonly virtualServices: VirtualService[];
    /** The packages it installs (ipvsadm, nftables), which come before any change of a cluster on any host. */
    public readonly packages: pulumi.Resource[] = [];

    constructor(name: string, args: DirectorArgs, opts?: pulumi.ComponentResourceOptions) {
        const hostName = args.hostName ?? name;
        super("lvs:index:Director", name, {}, opts);
        const spec = validated<DirectorSpec>(this, `Director ${name} arguments`, withDefaults(hostName, args), (s) =>
            validateDirectorArgs(s),
        );
        const connection = args.connection;
        const ready = args.container ? [] : this.hostFacts(name, hostName, args, spec);
        this.virtualServices = args.virtualServices.map((vs, i) => {
            const vsName = virtualServiceResourceName(vs, `Director ${name}: virtualServices[${i}]`);
            const service = spec.apply((s) => s.virtualServices[i]!);
            const fwmark = vs.fwmark !== undefined;
            return new VirtualService(
                `${name}-${vsName}`,
                {
                    connection,
                    hostName,
                    ...(fwmark
                        ? { fwmark: service.apply((v) => v.fwmark!) }
                        : { protocol: service.protocol, address: spec.vip.address, port: service.apply((v) => v.port!) }),
                    scheduler: service.scheduler,
                    flags: service.flags,
                    persistence: service.persistence,
                    realServers: service.apply((v) =>
                        Object.fromEntries(v.realServers.map((rs) => [entryKey(rs), { forwarding: v.forwarding, weight: rs.weight }])),
                    ),
                    drainTimeout: spec.drainTimeout,
                },
                {
                    parent: this,
                    dependsOn: [...ready, ...(args.tableDependsOn ?? [])],
                },
            );
        });

        this.vip = spec.vip.address;
        this.vipUrl = spec.apply((s) => {
            const first = s.virtualServices.find((vs) => vs.port !== undefined);
            return `http://${s.vip.address}${first ? `:${first.port}` : ""}/`;
        });
        this.ipvsTable = pulumi.all(this.virtualServices.map((vs) => vs.ipvsTable)).apply((tables) => tables.join("\n"));
        this.ipvsRules = spec.apply((s) => s.virtualServices.flatMap((vs) => savedRules(serviceTable(s.vip.address, vs))));
        this.schedulers = spec.apply((s) => s.virtualServices.map((vs) => vs.scheduler));
        this.registerOutputs({
            vip: this.vip,
            vipUrl: this.vipUrl,
            ipvsTable: this.ipvsTable,
            ipvsRules: this.ipvsRules,
            schedulers: this.schedulers,
        });
    }

    /** What a host director needs besides its table: ipvsadm, its kernel settings, the VIP and DIP, the firewall marks. */
    private hostFacts(name: string, hostName: string, args: DirectorArgs, spec: pulumi.Output<DirectorSpec>): pulumi.Resource[] {
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
        this.packages.push(ipvsadm, ...(nftables ? [nftables] : []));
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
                    description: spec.apply(
                        (s) =>
                            `director ${hostName}: VIP ${cidr(s.vip)} on ${s.vip.interface}` +
                            (s.dip ? `, DIP ${cidr(s.dip)} on ${s.dip.interface}` : ""),
                    ),
                    addresses: spec.apply((s) => ({
                        [cidr(s.vip)]: { interface: s.vip.interface },
                        ...(s.dip ? { [cidr(s.dip)]: { interface: s.dip.interface } } : {}),
                    })),
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
