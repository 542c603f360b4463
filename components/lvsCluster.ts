// The LVS cluster from one spec: a Director holding the VIP and the IPVS
// table, and one RealServer per entry behind it, each given what its
// forwarding methods need; the director's table waits until every real server
// serves its page. The spec is checked as a whole
// first (the rules of src/validate.ts, the same as for stack settings), and
// nothing is declared unless it is sound.
import * as pulumi from "../resources/pulumiCore";
import {
    ClusterSpec,
    DEFAULT_DRAIN_TIMEOUT,
    ForwardingMethod,
    REAL_SERVER_PORT,
    InterfaceAddress,
    Persistence,
    Protocol,
    Scheduler,
} from "../src/spec";
import { validateCluster } from "../src/validate";
import { DEFAULT_SCHEDULER } from "../src/ipvs/model";
import { Director, DirectorVirtualService, virtualServiceResourceName } from "./director";
import { InputOf, mapInput, validated } from "./inputs";
import { RealServer } from "./realServer";

/** A host's SSH connection as `@pulumi/command`'s `remote.ConnectionArgs` takes it. */
export interface SshConnectionArgs {
    host: string;
    port: number;
    user: string;
    privateKey: string;
    /** Set when the settings pin the host's key (or a known_hosts file gives it). */
    hostKey?: string;
}

/** How the engine reaches a host over SSH. */
export interface SshEndpointArgs {
    /** Host name or IPv4 address SSH connects to (the management address, not the VIP or a RIP). */
    host: string;
    /** Default: 22. */
    port?: number;
    /** root, or a user with passwordless sudo. Default: "root". */
    user?: string;
    /** The host's public key(s), authorized_keys form, one per line. Default: trusted on first use, kept in the stack's state. */
    hostKey?: string;
}

export interface ClusterDirectorArgs {
    /** Names the director's resources, unit and state directory. Default: "director". */
    name?: string;
    ssh: InputOf<SshEndpointArgs>;
    /** The virtual IP on the outside interface. */
    vip: InputOf<InterfaceAddress>;
    /** The director's inside address (DIP): the VS/NAT real servers' default gateway; needed by VS/NAT and VS/DR. */
    dip?: InputOf<InterfaceAddress>;
}

/** A real server's entry in one virtual service. */
export interface ClusterServiceRealServerArgs {
    /** The real server (`realServers[].name`). */
    name: string;
    /** IPVS weight. Default: 1. */
    weight?: pulumi.Input<number>;
    /**
     * Port on the real server. Default: 80, httpd's (RealServer's) port, for VS/NAT; the service's port for VS/DR and
     * VS/TUN, which cannot map ports; 0 in a firewall-mark service (the packet's own).
     */
    port?: pulumi.Input<number>;
}

export interface ClusterVirtualServiceArgs {
    /** Names the service's resource. Default: `<protocol>-<port>`, or `fwmark-<mark>`. */
    name?: string;
    /** Default: "tcp". */
    protocol?: pulumi.Input<Protocol>;
    /** Port on the VIP. Default: 80, unless `fwmark` is set. */
    port?: pulumi.Input<number>;
    /** A firewall-mark service (`ipvsadm -f`): the director marks packets to the VIP on `ports` and balances them together. */
    fwmark?: pulumi.Input<number>;
    /** The ports of a firewall-mark service. */
    ports?: pulumi.Input<pulumi.Input<number>[]>;
    /** Default: "rr". */
    scheduler?: pulumi.Input<Scheduler>;
    flags?: pulumi.Input<pulumi.Input<string>[]>;
    persistence?: InputOf<Persistence | undefined>;
    /**
     * `nat`, `dr` or `tun`. Default: "nat". A plain value: it decides what the real servers get
     * (a route through the DIP, or the VIP on `lo` or `tunl0` with their ARP settings).
     */
    forwarding?: ForwardingMethod;
    /** The real servers behind it, by name. Default: every real server, weight 1. */
    realServers?: ClusterServiceRealServerArgs[];
}

export interface ClusterRealServerArgs {
    /** Names the real server's resources, unit and state directory. */
    name: string;
    ssh: InputOf<SshEndpointArgs>;
    /** The real server's address (RIP) with its interface. */
    address: InputOf<InterfaceAddress>;
    /** Default route of a VS/DR or VS/TUN real server (a router; replies bypass the director). Default: left as it is. */
    gateway?: pulumi.Input<string>;
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

/** The virtual services with their defaults: every real server in each, port 80, round robin, VS/NAT. */
export function virtualServicesSpec(
    virtualServices: ClusterVirtualServiceArgs[] | undefined,
    realServers: { name: string }[],
): InputOf<ClusterSpec["virtualServices"]> {
    const services = virtualServices ?? [{}];
    return services.map((vs) => {
        const { name, realServers: own, ...rest } = vs;
        const entries: ClusterServiceRealServerArgs[] = own ?? realServers.map((rs) => ({ name: rs.name }));
        return mapInput({ ...rest, realServers: entries }, (v) => {
            const fwmark = v.fwmark !== undefined;
            const port = fwmark ? v.port : (v.port ?? 80);
            const forwarding = v.forwarding ?? "nat";
            // VS/NAT maps the VIP's port onto httpd's on the real servers (as `lvs:virtualService` does); DR and TUN
            // cannot map ports (the service's own); a firewall-mark service takes the packet's own (0).
            const entryPort = fwmark ? 0 : forwarding === "nat" ? REAL_SERVER_PORT : (port as number);
            return {
                ...(name !== undefined ? { name } : {}),
                protocol: v.protocol ?? "tcp",
                ...(port !== undefined ? { port } : {}),
                ...(fwmark ? { fwmark: v.fwmark, ports: v.ports ?? [] } : {}),
                scheduler: v.scheduler ?? DEFAULT_SCHEDULER,
                flags: v.flags ?? [],
                ...(v.persistence ? { persistence: v.persistence } : {}),
                forwarding,
                realServers: v.realServers.map((rs) => ({ name: rs.name, weight: rs.weight ?? 1, port: rs.port ?? entryPort })),
            };
        });
    });
}

/** The arguments as a ClusterSpec, defaults applied (values may still be outputs). */
function specOf(args: LvsClusterArgs): InputOf<ClusterSpec> {
    const ssh = (e: InputOf<SshEndpointArgs>) =>
        mapInput(e, (v: SshEndpointArgs) => ({
            host: v.host,
            port: v.port ?? 22,
            user: v.user ?? "root",
            ...(v.hostKey !== undefined ? { hostKey: v.hostKey } : {}),
        }));
    return {
        director: {
            name: args.director.name ?? "director",
            ssh: ssh(args.director.ssh),
            vip: args.director.vip,
            ...(args.director.dip !== undefined ? { dip: args.director.dip } : {}),
        },
        virtualServices: virtualServicesSpec(args.virtualServices, args.realServers),
        realServers: args.realServers.map((rs) => ({
            name: rs.name,
            ssh: ssh(rs.ssh),
            address: rs.address,
            ...(rs.gateway !== undefined ? { gateway: rs.gateway } : {}),
            ...(rs.page !== undefined ? { page: rs.page } : {}),
        })),
        drainTimeout: args.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT,
    } as InputOf<ClusterSpec>;
}

/** The director's virtual services of a cluster: each entry's real server by its address. */
export function directorServices(
    cluster: string,
    virtualServices: ClusterVirtualServiceArgs[] | undefined,
    spec: pulumi.Output<Pick<ClusterSpec, "virtualServices"> & { realServers: { name: string; address: { address: string } }[] }>,
): DirectorVirtualService[] {
    const services = virtualServices ?? [{}];
    return services.map((vs, s) => {
        const service = spec.virtualServices[s]!;
        return {
            // (The cluster's port defaults to 80 before the Director sees it.)
            name: virtualServiceResourceName(
                { ...vs, port: vs.fwmark === undefined ? (vs.port ?? 80) : undefined },
                `LvsCluster ${cluster}: virtualServices[${s}]`,
            ),
            protocol: service.protocol,
            ...(vs.fwmark !== undefined
                ? { fwmark: service.apply((v) => v.fwmark!), ports: service.apply((v) => v.ports ?? []) }
                : { port: service.apply((v) => v.port!) }),
            scheduler: service.scheduler,
            flags: service.flags,
            persistence: service.persistence,
            forwarding: vs.forwarding ?? "nat",
            realServers: spec.apply((c) =>
                c.virtualServices[s]!.realServers.map((entry) => ({
                    address: c.realServers.find((rs) => rs.name === entry.name)!.address.address,
                    port: entry.port,
                    weight: entry.weight,
                })),
            ),
        };
    });
}

/** Each real server by name: its address and its weight in the first virtual service. */
export function realServerAddresses(
    c: Pick<ClusterSpec, "virtualServices"> & { realServers: { name: string; address: { address: string } }[] },
): Record<string, { address: string; weight: number }> {
    return Object.fromEntries(
        c.realServers.map((rs) => [
            rs.name,
            { address: rs.address.address, weight: c.virtualServices[0]!.realServers.find((e) => e.name === rs.name)?.weight ?? 0 },
        ]),
    );
}

/** How the services reach one real server: what it needs on its side (a route, or the VIP on lo or tunl0). */
function methodsOf(args: LvsClusterArgs, realServer: string): Set<ForwardingMethod> {
    const services = args.virtualServices ?? [{}];
    return new Set(
        services
            .filter((vs) => (vs.realServers ?? args.realServers).some((entry) => entry.name === realServer))
            .map((vs) => vs.forwarding ?? "nat"),
    );
}

/**
 * An LVS cluster: one director and its real servers, with any set of virtual
 * services on the VIP, each by VS/NAT, VS/DR or VS/TUN. Each real server gets
 * what its forwarding method needs on its side. Children are named after the
 * cluster (`<name>-<director>`, `<name>-<real server>`), so several clusters
 * live in one program.
 */
export class LvsCluster extends pulumi.ComponentResource {
    public readonly director: Director;
    public readonly realServers: RealServer[];
    /** `http://VIP:port/` of the first virtual service with a port: where clients reach it. */
    public readonly vipUrl: pulumi.Output<string>;
    /** Each virtual service as `ipvsadm -L -n` listed it right after the last change. */
    public readonly ipvsTable: pulumi.Output<string>;
    /** The rules the director holds, in `ipvsadm-save -n` form (also in /etc/ipvsadm.rules on the director). */
    public readonly ipvsRules: pulumi.Output<string[]>;
    /** The scheduler of the first virtual service (ipvsadm -s). */
    public readonly scheduler: pulumi.Output<string>;
    /** Each real server by name: its address and its weight in the first virtual service. */
    public readonly realServerAddresses: pulumi.Output<Record<string, { address: string; weight: number }>>;
    /**
     * Each host's SSH connection by name (the director's and every real server's), in the shape of
     * `@pulumi/command`'s `remote.ConnectionArgs`, a secret (it holds the private key): for steps of your own
     * on the same hosts, such as deploying your application on the real servers once the cluster is up.
     */
    public readonly connections: Record<string, pulumi.Output<SshConnectionArgs>>;

    constructor(name: string, args: LvsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs:index:LvsCluster", name, {}, opts);
        const spec = validated<ClusterSpec>(this, `LvsCluster ${name} arguments`, specOf(args), (s) => validateCluster(s));
        const privateKey = pulumi.secret(args.privateKey);
        const connection = (ssh: pulumi.Output<ClusterSpec["director"]["ssh"]>): pulumi.Output<SshConnectionArgs> =>
            pulumi.secret(
                pulumi.all([ssh, privateKey]).apply(([s, key]) => ({
                    host: s.host,
                    port: s.port,
                    user: s.user,
                    privateKey: key,
                    ...(s.hostKey !== undefined ? { hostKey: s.hostKey } : {}),
                })),
            );
        const directorName = args.director.name ?? "director";
        this.connections = Object.fromEntries([
            [directorName, connection(spec.director.ssh)],
            ...args.realServers.map((rs, i) => [rs.name, connection(spec.realServers[i]!.ssh)]),
        ]);

        // Every host's packages come first: a host whose apt fails leaves every host as it was, nothing of the
        // cluster half-applied. (Each component declares its own; the list is complete once all are declared.)
        let declared!: (packages: pulumi.Resource[]) => void;
        const changesAfter = new Promise<pulumi.Resource[]>((resolve) => (declared = resolve));
        this.realServers = args.realServers.map((rs, i) => {
            const own = spec.realServers[i]!;
            const methods = methodsOf(args, rs.name);
            // A VS/TUN real server's VIP on tunl0 also takes VS/DR's packets (they arrive for a local address).
            const vipOn = methods.has("tun") ? "tun" : methods.has("dr") ? "dr" : undefined;
            return new RealServer(
                `${name}-${rs.name}`,
                {
                    hostName: rs.name,
                    connection: this.connections[rs.name]!,
                    address: own.address,
                    // VS/NAT replies go back through the director; DR and TUN replies through the real server's router.
                    gateway: methods.has("nat") ? spec.director.apply((d) => d.dip?.address) : own.gateway,
                    vips: vipOn ? [{ address: spec.director.vip.address, forwarding: vipOn }] : [],
                    page: own.page,
                    changesAfter,
                },
                { parent: this },
            );
        });
        this.director = new Director(
            `${name}-${directorName}`,
            {
                hostName: directorName,
                connection: this.connections[directorName]!,
                vip: spec.director.vip,
                dip: spec.director.dip,
                drainTimeout: spec.drainTimeout,
                virtualServices: directorServices(name, args.virtualServices, spec),
                tableDependsOn: this.realServers.flatMap((rs) => rs.ready),
                changesAfter,
            },
            { parent: this },
        );
        declared([...this.director.packages, ...this.realServers.flatMap((rs) => rs.packages)]);

        this.vipUrl = this.director.vipUrl;
        this.ipvsTable = this.director.ipvsTable;
        this.ipvsRules = this.director.ipvsRules;
        this.scheduler = spec.virtualServices[0]!.scheduler;
        this.realServerAddresses = spec.apply(realServerAddresses);
        this.registerOutputs({
            vipUrl: this.vipUrl,
            ipvsTable: this.ipvsTable,
            ipvsRules: this.ipvsRules,
            scheduler: this.scheduler,
            realServers: this.realServerAddresses,
        });
    }
}
