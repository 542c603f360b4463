// The LVS cluster from one spec: a Director holding the VIP and the IPVS
// table, and one RealServer per entry behind it; the director's table waits
// until every real server serves its page. The spec is checked as a whole
// first (the rules of src/validate.ts, the same as for stack settings), and
// nothing is declared unless it is sound.
import * as pulumi from "@pulumi/pulumi";
import { HostConnection } from "../resources";
import {
    ClusterSpec,
    DEFAULT_DRAIN_TIMEOUT,
    ForwardingMethod,
    InterfaceAddress,
    Persistence,
    Protocol,
    REAL_SERVER_PORT,
    Scheduler,
} from "../src/spec";
import { validateCluster } from "../src/validate";
import { Director } from "./director";
import { InputOf, mapInput, validated } from "./inputs";
import { RealServer } from "./realServer";

/** How the engine reaches a host over SSH. */
export interface SshEndpointArgs {
    /** Host name or IPv4 address SSH connects to (the management address, not the VIP or a RIP). */
    host: string;
    /** Default: 22. */
    port?: number;
    /** root, or a user with passwordless sudo. Default: "root". */
    user?: string;
}

export interface ClusterDirectorArgs {
    /** Names the director's resources, unit and state directory. Default: "director". */
    name?: string;
    ssh: InputOf<SshEndpointArgs>;
    /** The virtual IP on the outside interface. */
    vip: InputOf<InterfaceAddress>;
    /** The director's inside address: the real servers' default gateway. */
    dip: InputOf<InterfaceAddress>;
}

export interface ClusterVirtualServiceArgs {
    /** Names the service's resource. Default: `<protocol>-<port>`. */
    name?: string;
    /** Default: "tcp". */
    protocol?: pulumi.Input<Protocol>;
    /** Port on the VIP. Default: 80. */
    port?: pulumi.Input<number>;
    /** Default: "rr". */
    scheduler?: pulumi.Input<Scheduler>;
    flags?: pulumi.Input<pulumi.Input<string>[]>;
    persistence?: InputOf<Persistence | undefined>;
    /** Default: "nat". */
    forwarding?: pulumi.Input<ForwardingMethod>;
    /** The real servers behind it, by name, with weight (default 1) and port (default 80). Default: every real server. */
    realServers?: InputOf<{ name: string; weight?: number; port?: number }>[];
}

export interface ClusterRealServerArgs {
    /** Names the real server's resources, unit and state directory. */
    name: string;
    ssh: InputOf<SshEndpointArgs>;
    /** The real server's address (RIP) with its interface. */
    address: InputOf<InterfaceAddress>;
    /** The test page. Default: a heading naming the server and its address. */
    page?: pulumi.Input<string | undefined>;
}

export interface LvsClusterArgs {
    director: ClusterDirectorArgs;
    /** The virtual services on the VIP. Default: one, TCP port 80, round robin, VS/NAT, every real server. */
    virtualServices?: ClusterVirtualServiceArgs[];
    realServers: ClusterRealServerArgs[];
    /** SSH private key for every host (OpenSSH or PEM text). Always handled as a Pulumi secret. */
    privateKey: pulumi.Input<string>;
    /** Seconds a real server that goes (or is set to weight 0) gets for its active connections to end. Default: 30. */
    drainTimeout?: pulumi.Input<number>;
}

type ServiceEntry = { name: string; weight?: number; port?: number };

/** The arguments as a ClusterSpec, defaults applied (values may still be outputs). */
function specOf(args: LvsClusterArgs): InputOf<ClusterSpec> {
    const ssh = (e: InputOf<SshEndpointArgs>) =>
        mapInput(e, (v: SshEndpointArgs) => ({ host: v.host, port: v.port ?? 22, user: v.user ?? "root" }));
    const services = args.virtualServices ?? [{}];
    return {
        director: { name: args.director.name ?? "director", ssh: ssh(args.director.ssh), vip: args.director.vip, dip: args.director.dip },
        virtualServices: services.map((vs) => {
            const { name: _name, ...rest } = vs;
            return mapInput(rest, (v) => ({
                protocol: v.protocol ?? "tcp",
                port: v.port ?? 80,
                scheduler: v.scheduler ?? "rr",
                flags: v.flags ?? [],
                ...(v.persistence ? { persistence: v.persistence } : {}),
                forwarding: v.forwarding ?? "nat",
                realServers: (
                    (v.realServers as ServiceEntry[] | undefined) ?? args.realServers.map((rs): ServiceEntry => ({ name: rs.name }))
                ).map((rs) => ({
                    name: rs.name,
                    weight: rs.weight ?? 1,
                    port: rs.port ?? REAL_SERVER_PORT,
                })),
            }));
        }),
        realServers: args.realServers.map((rs) => ({
            name: rs.name,
            ssh: ssh(rs.ssh),
            address: rs.address,
            ...(rs.page !== undefined ? { page: rs.page } : {}),
        })),
        drainTimeout: args.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT,
    } as InputOf<ClusterSpec>;
}

function serviceName(vs: ClusterVirtualServiceArgs, index: number, cluster: string): string {
    if (vs.name) return vs.name;
    const protocol = vs.protocol ?? "tcp";
    const port = vs.port ?? 80;
    if (typeof protocol === "string" && typeof port === "number") return `${protocol}-${port}`;
    throw new pulumi.RunError(`LvsCluster ${cluster}: virtualServices[${index}] needs a name when its protocol or port is computed`);
}

/**
 * The tutorial's VS/NAT cluster, or any set of virtual services on one
 * director. Children are named after the cluster (`<name>-<director>`,
 * `<name>-<real server>`), so several clusters live in one program.
 */
export class LvsCluster extends pulumi.ComponentResource {
    public readonly director: Director;
    public readonly realServers: RealServer[];
    /** `http://VIP:port/` of the first virtual service: where clients reach it. */
    public readonly vipUrl: pulumi.Output<string>;
    /** Each virtual service as `ipvsadm -L -n` listed it right after the last change. */
    public readonly ipvsTable: pulumi.Output<string>;
    /** The rules the director holds, in `ipvsadm-save -n` form (also in /etc/ipvsadm.rules on the director). */
    public readonly ipvsRules: pulumi.Output<string[]>;
    /** The scheduler of the first virtual service (ipvsadm -s). */
    public readonly scheduler: pulumi.Output<string>;
    /** Each real server by name: its address and its weight in the first virtual service. */
    public readonly realServerAddresses: pulumi.Output<Record<string, { address: string; weight: number }>>;

    constructor(name: string, args: LvsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs:index:LvsCluster", name, {}, opts);
        const spec = validated<ClusterSpec>(this, `LvsCluster ${name} arguments`, specOf(args), (s) => validateCluster(s));
        const privateKey = pulumi.secret(args.privateKey);
        const connection = (ssh: pulumi.Output<ClusterSpec["director"]["ssh"]>): pulumi.Input<HostConnection> =>
            pulumi.all([ssh, privateKey]).apply(([s, key]) => ({ host: s.host, port: s.port, user: s.user, privateKey: key }));

        this.realServers = args.realServers.map((rs, i) => {
            const own = spec.realServers[i]!;
            return new RealServer(
                `${name}-${rs.name}`,
                {
                    hostName: rs.name,
                    connection: connection(own.ssh),
                    address: own.address,
                    gateway: spec.director.dip.address,
                    page: own.page,
                },
                { parent: this },
            );
        });
        const services = args.virtualServices ?? [{}];
        const directorName = args.director.name ?? "director";
        this.director = new Director(
            `${name}-${directorName}`,
            {
                hostName: directorName,
                connection: connection(spec.director.ssh),
                vip: spec.director.vip,
                dip: spec.director.dip,
                drainTimeout: spec.drainTimeout,
                virtualServices: services.map((vs, s) => {
                    const service = spec.virtualServices[s]!;
                    return {
                        name: serviceName(vs, s, name),
                        protocol: service.protocol,
                        port: service.port,
                        scheduler: service.scheduler,
                        flags: service.flags,
                        persistence: service.persistence,
                        forwarding: service.forwarding,
                        realServers: spec.apply((c) =>
                            c.virtualServices[s]!.realServers.map((entry) => ({
                                address: c.realServers.find((rs) => rs.name === entry.name)!.address.address,
                                port: entry.port,
                                weight: entry.weight,
                            })),
                        ),
                    };
                }),
                tableDependsOn: this.realServers.flatMap((rs) => rs.ready),
            },
            { parent: this },
        );

        this.vipUrl = this.director.vipUrl;
        this.ipvsTable = this.director.ipvsTable;
        this.ipvsRules = this.director.ipvsRules;
        this.scheduler = spec.virtualServices[0]!.scheduler;
        this.realServerAddresses = spec.apply((c) =>
            Object.fromEntries(
                c.realServers.map((rs) => [
                    rs.name,
                    { address: rs.address.address, weight: c.virtualServices[0]!.realServers.find((e) => e.name === rs.name)?.weight ?? 0 },
                ]),
            ),
        );
        this.registerOutputs({
            vipUrl: this.vipUrl,
            ipvsTable: this.ipvsTable,
            ipvsRules: this.ipvsRules,
            scheduler: this.scheduler,
            realServers: this.realServerAddresses,
        });
    }
}
