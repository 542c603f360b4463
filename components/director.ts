// An LVS director: ipvsadm, the kernel settings that forwarding and draining
// need, the VIP and DIP, and one IPVS virtual service per entry with its
// real servers, saved for reboots. Every piece is a resource of the lvs
// provider, read back on refresh: drift shows in a preview and `pulumi up`
// repairs it. Deleting the director removes exactly what it added.
import * as pulumi from "@pulumi/pulumi";
import { Addresses, HostConnection, Package, Sysctls, VirtualService } from "../resources";
import { ForwardingMethod, Persistence, Protocol, Scheduler } from "../src/ipvs/model";
import { savedRules } from "../src/ipvs/render";
import { cidr, DEFAULT_DRAIN_TIMEOUT, InterfaceAddress } from "../src/spec";
import { validateDirectorArgs } from "../src/validate";
import { InputOf, mapInput, validated } from "./inputs";
import { legacyAlias } from "./legacy";

/** A real server as the director's table needs it: where it is, how packets reach it, its share. */
export interface DirectorRealServer {
    /** The real server's address (RIP). */
    address: string;
    /** Port on the real server. Default: the service's port. */
    port?: number;
    /** IPVS weight, 0..65535 (0: no new connections). Default: 1. */
    weight?: number;
}

export interface DirectorVirtualService {
    /** Names the service's resource (`<director>-<name>`). Default: `<protocol>-<port>`; required when those are computed. */
    name?: string;
    /** Transport protocol. Default: `tcp`. */
    protocol?: pulumi.Input<Protocol>;
    /** Port clients connect to on the VIP. */
    port: pulumi.Input<number>;
    /** Scheduler (`ipvsadm -s`). Default: `rr`. */
    scheduler?: pulumi.Input<Scheduler>;
    /** Scheduler flags (`ipvsadm -b`), e.g. `sh-port`. */
    flags?: pulumi.Input<pulumi.Input<string>[]>;
    /** Persistence: timeout in seconds and optional netmask. Default: none. */
    persistence?: InputOf<Persistence | undefined>;
    /** How packets reach the real servers (`-m`, `-g`, `-i`). Default: `nat`. */
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
    /** The director's inside address (DIP), the VS/NAT real servers' default gateway (e.g. 192.168.2.1/24 on eth2). */
    dip: InputOf<InterfaceAddress>;
    /** The virtual services on the VIP, each with its real servers. Their number is fixed; their values may be computed. */
    virtualServices: DirectorVirtualService[];
    /** Seconds a real server being removed or set to weight 0 gets for its active connections to end. Default: 30. */
    drainTimeout?: pulumi.Input<number>;
    /** Resources the IPVS table waits for, typically the real servers, so that it sends traffic only to servers that are ready. */
    tableDependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The director's arguments with their defaults applied. */
interface DirectorSpec {
    hostName: string;
    vip: InterfaceAddress;
    dip: InterfaceAddress;
    virtualServices: {
        protocol: Protocol;
        port: number;
        scheduler: Scheduler;
        flags: string[];
        persistence?: Persistence;
        forwarding: ForwardingMethod;
        realServers: Required<DirectorRealServer>[];
    }[];
    drainTimeout: number;
}

function serviceName(vs: DirectorVirtualService, index: number, director: string): string {
    if (vs.name) return vs.name;
    const protocol = vs.protocol ?? "tcp";
    if (typeof protocol === "string" && typeof vs.port === "number") return `${protocol}-${vs.port}`;
    throw new pulumi.RunError(`Director ${director}: virtualServices[${index}] needs a name when its protocol or port is computed`);
}

function withDefaults(hostName: string, args: DirectorArgs): InputOf<DirectorSpec> {
    return {
        hostName,
        vip: args.vip,
        dip: args.dip,
        drainTimeout: args.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT,
        virtualServices: args.virtualServices.map(({ name: _name, ...vs }) =>
            mapInput(vs, (v) => ({
                protocol: v.protocol ?? "tcp",
                port: v.port,
                scheduler: v.scheduler ?? "rr",
                flags: v.flags ?? [],
                ...(v.persistence ? { persistence: v.persistence } : {}),
                forwarding: v.forwarding ?? "nat",
                realServers: (v.realServers as DirectorRealServer[]).map((rs) => ({
                    address: rs.address,
                    port: rs.port ?? v.port,
                    weight: rs.weight ?? 1,
                })),
            })),
        ),
    } as InputOf<DirectorSpec>;
}

/** Kernel settings of a director: forwarding, and IPVS's handling of connections to quiesced or removed real servers. */
function directorSysctls(spec: DirectorSpec): Record<string, string> {
    const values: Record<string, string> = {
        "net.ipv4.ip_forward": "1",
        // A connection whose real server was deleted (after its drain deadline) ends at once instead of hanging.
        "net.ipv4.vs.expire_nodest_conn": "1",
        // A new connection reusing a port of a finished one is scheduled afresh (not sent to a quiesced server).
        "net.ipv4.vs.conn_reuse_mode": "1",
    };
    // Persistent clients of a quiesced real server move on at their next connection.
    if (spec.virtualServices.some((vs) => vs.persistence)) values["net.ipv4.vs.expire_quiescent_template"] = "1";
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
    /** `http://VIP:port/` of the first virtual service. */
    public readonly vipUrl: pulumi.Output<string>;
    /** Each virtual service as `ipvsadm -L -n` listed it right after the last change. */
    public readonly ipvsTable: pulumi.Output<string>;
    /** The rules the director holds, in `ipvsadm-save -n` form (also in /etc/ipvsadm.rules). */
    public readonly ipvsRules: pulumi.Output<string[]>;
    /** The scheduler of each virtual service. */
    public readonly schedulers: pulumi.Output<string[]>;
    /** One resource per virtual service, in order. */
    public readonly virtualServices: VirtualService[];

    constructor(name: string, args: DirectorArgs, opts?: pulumi.ComponentResourceOptions) {
        const hostName = args.hostName ?? name;
        super("lvs:index:Director", name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), ...legacyAlias(name, hostName)] });
        const spec = validated<DirectorSpec>(this, `Director ${name} arguments`, withDefaults(hostName, args), (s) =>
            validateDirectorArgs(s),
        );
        const connection = args.connection;
        const child = (suffix: string, legacySuffix = suffix) => ({
            parent: this,
            aliases: legacyAlias(`${name}-${suffix}`, `${hostName}-${legacySuffix}`, "command:remote:Command"),
        });

        // Someone's own services in the table still need ipvsadm after the stack lets go of the director.
        const ipvsadm = new Package(
            `${name}-ipvsadm`,
            { connection, hostName, package: "ipvsadm", keepWhileUsed: "ipvs-services" },
            child("ipvsadm"),
        );
        const sysctls = new Sysctls(
            `${name}-sysctls`,
            { connection, hostName, values: spec.apply(directorSysctls), modules: ["ip_vs"] },
            { ...child("sysctls", "ip-forward"), dependsOn: [ipvsadm] },
        );
        const addresses = new Addresses(
            `${name}-addresses`,
            {
                connection,
                hostName,
                description: spec.apply(
                    (s) => `director ${hostName}: VIP ${cidr(s.vip)} on ${s.vip.interface}, DIP ${cidr(s.dip)} on ${s.dip.interface}`,
                ),
                addresses: spec.apply((s) => ({
                    [cidr(s.vip)]: { interface: s.vip.interface },
                    [cidr(s.dip)]: { interface: s.dip.interface },
                })),
                interfaceSetting: "lvs:director.vipInterface/dipInterface",
            },
            child("addresses"),
        );
        this.virtualServices = args.virtualServices.map((vs, i) => {
            const vsName = serviceName(vs, i, name);
            const service = spec.apply((s) => s.virtualServices[i]!);
            return new VirtualService(
                `${name}-${vsName}`,
                {
                    connection,
                    hostName,
                    protocol: service.protocol,
                    address: spec.vip.address,
                    port: service.port,
                    scheduler: service.scheduler,
                    flags: service.flags,
                    persistence: service.persistence,
                    realServers: service.apply((v) =>
                        Object.fromEntries(
                            v.realServers.map((rs) => [`${rs.address}:${rs.port}`, { forwarding: v.forwarding, weight: rs.weight }]),
                        ),
                    ),
                    drainTimeout: spec.drainTimeout,
                },
                {
                    parent: this,
                    // The first service keeps the resource of versions that ran the table as a command.
                    aliases: i === 0 ? legacyAlias(`${name}-${vsName}`, `${hostName}-virtual-service`, "command:remote:Command") : [],
                    dependsOn: [ipvsadm, sysctls, addresses, ...(args.tableDependsOn ?? [])],
                },
            );
        });

        this.vip = spec.vip.address;
        this.vipUrl = pulumi.interpolate`http://${spec.vip.address}:${spec.virtualServices[0]!.port}/`;
        this.ipvsTable = pulumi.all(this.virtualServices.map((vs) => vs.ipvsTable)).apply((tables) => tables.join("\n"));
        this.ipvsRules = spec.apply((s) => rulesOf(s));
        this.schedulers = spec.apply((s) => s.virtualServices.map((vs) => vs.scheduler));
        this.registerOutputs({
            vip: this.vip,
            vipUrl: this.vipUrl,
            ipvsTable: this.ipvsTable,
            ipvsRules: this.ipvsRules,
            schedulers: this.schedulers,
        });
    }
}

/** The director's desired rules in `ipvsadm-save -n` form, one virtual service after the other. */
function rulesOf(spec: DirectorSpec): string[] {
    return spec.virtualServices.flatMap((vs) =>
        savedRules({
            service: {
                protocol: vs.protocol,
                address: spec.vip.address,
                port: vs.port,
                scheduler: vs.scheduler,
                flags: [...vs.flags].sort(),
                ...(vs.persistence ? { persistence: vs.persistence } : {}),
            },
            realServers: vs.realServers.map((rs) => ({ address: rs.address, port: rs.port, forwarding: vs.forwarding, weight: rs.weight })),
        }),
    );
}
