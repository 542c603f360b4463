// The LVS cluster from one spec: a Director holding the VIP and the IPVS
// table, and one RealServer per entry behind it, each given what its
// forwarding methods need; the director's table waits until every real server
// serves its page. The arguments are checked as a whole first, and every
// default applied, by the one check stack settings go through too
// (checkCluster, src/validate.ts); nothing is declared unless they are sound.
import * as pulumi from "../resources/pulumiCore";
import type { InputFields, InputOf } from "../resources/inputTypes";
import { ServiceByAddress, servicesByAddress } from "../src/desiredTables";
import type { ForwardingMethod } from "../src/ipvs/model";
import { clusterServiceSchema, DEFAULT_FAMILY, directorServiceSchema } from "../src/ipvs/serviceSchema";
import {
    AddressFamily,
    cidr,
    ClusterInput,
    ClusterSpec,
    DEFAULT_BACKUP_NAME,
    DEFAULT_DIRECTOR_NAME,
    DEFAULT_VIRTUAL_SERVICES,
} from "../src/spec";
import { checkCluster } from "../src/validate";
import { Director, DirectorPairArgs, DirectorVirtualService, virtualServiceResourceName } from "./director";

/** VRRP priorities of a pair: the director's above the backup's. */
const DIRECTOR_PRIORITY = 150;
const BACKUP_PRIORITY = 100;
import { checked, fieldsOf } from "./inputs";
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

// The arguments are the cluster's schema (src/spec.ts: each field's rule, default and meaning) with inputs for
// values: names, and each service's forwarding method, stay plain, as they decide what is declared.
type DirectorInput = ClusterInput["director"];
type ServiceInput = NonNullable<ClusterInput["virtualServices"]>[number];
type EntryInput = NonNullable<ServiceInput["realServers"]>[number];
type RealServerInput = ClusterInput["realServers"][number];
type PlainAnd<T, K extends keyof T> = Pick<T, K> & InputFields<Omit<T, K>>;

/** How the engine reaches a host over SSH. */
export type SshEndpointArgs = DirectorInput["ssh"];
export type ClusterDirectorArgs = PlainAnd<DirectorInput, "name">;
/** A real server's entry in one virtual service. */
export type ClusterServiceRealServerArgs = PlainAnd<EntryInput, "name">;
export type ClusterVirtualServiceArgs = PlainAnd<Omit<ServiceInput, "realServers">, "name" | "forwarding" | "family"> & {
    /** The real servers behind it, by name. Default: every real server of the cluster, weight 1. */
    realServers?: ClusterServiceRealServerArgs[];
};
export type ClusterRealServerArgs = PlainAnd<RealServerInput, "name">;

/** The second director of a pair. */
export type ClusterBackupArgs = PlainAnd<NonNullable<ClusterInput["backup"]>, "name">;

export type LvsClusterArgs = InputFields<Pick<ClusterInput, "drainTimeout" | "vrrp">> & {
    director: ClusterDirectorArgs;
    /**
     * A second director that takes the VIP (and the DIP) over when the director dies: keepalived on both holds
     * the same table, and VRRP (`vrrp`) moves the addresses. Each director needs its own `address` on the VIP's network (and `insideAddress` on the DIP's).
     */
    backup?: ClusterBackupArgs;
    /** The pair's VRRP password (keepalived's auth_type PASS, at most 8 characters). Always handled as a Pulumi secret. */
    vrrpPassword?: pulumi.Input<string>;
    /** The virtual services on the VIP. Default: one, TCP port 80, round robin, VS/NAT, every real server. */
    virtualServices?: ClusterVirtualServiceArgs[];
    realServers: ClusterRealServerArgs[];
    /** SSH private key for every host (OpenSSH or PEM text). Always handled as a Pulumi secret. */
    privateKey: pulumi.Input<string>;
};

/** A service's forwarding method: what decides what each real server gets. */
function forwardingOf(vs: ClusterVirtualServiceArgs): ForwardingMethod {
    return clusterServiceSchema.shape.forwarding.parse(vs.forwarding);
}

/**
 * The fields of a director's virtual service a cluster takes from its checked spec: all of the schema's but
 * the three that must be known when the service is declared (its name, whether it has a firewall mark, and
 * whether it has a health check).
 */
const SERVICE_FIELDS = Object.keys(directorServiceSchema.shape).filter(
    (field) => field !== "name" && field !== "fwmark" && field !== "healthCheck",
) as (keyof ServiceByAddress)[];

/** The director's virtual services of a cluster: each from the checked spec, its real servers by address. */
export function directorServices(
    cluster: string,
    virtualServices: ClusterVirtualServiceArgs[] | undefined,
    spec: pulumi.Output<Parameters<typeof servicesByAddress>[0]>,
): DirectorVirtualService[] {
    const byAddress = spec.apply(servicesByAddress);
    return (virtualServices ?? DEFAULT_VIRTUAL_SERVICES).map((vs, s) => {
        const service = byAddress.apply((all) => all[s]!);
        return {
            ...fieldsOf(service, SERVICE_FIELDS),
            name: virtualServiceResourceName(vs, `LvsCluster ${cluster}: virtualServices[${s}]`),
            // Whether a service has a firewall mark decides what the director declares: known from the arguments.
            ...(vs.fwmark !== undefined ? { fwmark: service.apply((v) => v.fwmark!) } : {}),
            // Whether a service is health-checked decides whether keepalived holds the table.
            ...(vs.healthCheck !== undefined ? { healthCheck: service.apply((v) => v.healthCheck!) } : {}),
        } as DirectorVirtualService;
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

/**
 * How the services reach one real server: what it needs on its side (a route, or the VIP on lo or tunl0). A
 * real server in no service keeps what the cluster's services give their real servers when they agree (all
 * VS/NAT, or all VS/DR and VS/TUN): taken out of its last service, it is drained, and its open connections
 * need the route through the director (or the VIP) until they end; the director's drain and the real
 * server's own change run in the same `up`, side by side.
 */
function methodsOf(args: LvsClusterArgs, realServer: string, family: AddressFamily): Set<ForwardingMethod> {
    const services = (args.virtualServices ?? DEFAULT_VIRTUAL_SERVICES).filter((vs) => (vs.family ?? DEFAULT_FAMILY) === family);
    const own = new Set(
        services.filter((vs) => (vs.realServers ?? args.realServers).some((entry) => entry.name === realServer)).map(forwardingOf),
    );
    if (own.size > 0) return own;
    const all = new Set(services.map(forwardingOf));
    return all.has("nat") && all.size > 1 ? own : all;
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
    /** The second director of a pair (`backup`), which takes the VIP over when the director dies. */
    public readonly backup?: Director;
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
        const { privateKey: _privateKey, vrrpPassword: _vrrpPassword, ...cluster } = args;
        const spec = checked(this, `LvsCluster ${name} arguments`, cluster as InputOf<ClusterInput>, (c) => checkCluster(c));
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
        const directorName = args.director.name ?? DEFAULT_DIRECTOR_NAME;
        const backupName = args.backup ? (args.backup.name ?? DEFAULT_BACKUP_NAME) : undefined;
        this.connections = Object.fromEntries([
            [directorName, connection(spec.director.ssh)],
            ...(backupName ? [[backupName, connection(spec.apply((s) => s.backup!.ssh))]] : []),
            ...args.realServers.map((rs, i) => [rs.name, connection(spec.realServers[i]!.ssh)]),
        ]);

        // Every host's packages come first: a host whose apt fails leaves every host as it was, nothing of the
        // cluster half-applied. (Each component declares its own; the list is complete once all are declared.)
        let declared!: (packages: pulumi.Resource[]) => void;
        const changesAfter = new Promise<pulumi.Resource[]>((resolve) => (declared = resolve));
        this.realServers = args.realServers.map((rs, i) => {
            const own = spec.realServers[i]!;
            const methods = methodsOf(args, rs.name, "ipv4");
            const methods6 = methodsOf(args, rs.name, "ipv6");
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
                    // The same for IPv6 (VS/NAT through the director's dip6, VS/DR with the IPv6 VIP on lo).
                    address6: own.address6,
                    gateway6: methods6.has("nat") ? spec.director.apply((d) => d.dip6?.address) : own.gateway6,
                    vips: [
                        ...(vipOn ? [{ address: spec.director.vip.address, forwarding: vipOn as ForwardingMethod & ("dr" | "tun") }] : []),
                        ...(methods6.has("dr")
                            ? [{ address: spec.director.apply((d) => d.vip6!.address), forwarding: "dr" as const }]
                            : []),
                    ],
                    page: own.page,
                    pageFile: own.pageFile,
                    changesAfter,
                },
                { parent: this },
            );
        });
        const directorArgs = {
            vip: spec.director.vip,
            dip: spec.director.dip,
            vip6: spec.director.vip6,
            dip6: spec.director.dip6,
            drainTimeout: spec.drainTimeout,
            virtualServices: directorServices(name, args.virtualServices, spec),
            tableDependsOn: this.realServers.flatMap((rs) => rs.ready),
            changesAfter,
        };
        const pair = (own: "director" | "backup"): DirectorPairArgs | undefined => {
            if (!args.backup) return undefined;
            const ownAddress = spec.apply((s) => (own === "director" ? s.director.address! : s.backup!.address));
            const peerAddress = spec.apply((s) => (own === "director" ? s.backup!.address : s.director.address!));
            const inside = spec.apply((s) => (own === "director" ? s.director.insideAddress : s.backup!.insideAddress));
            return {
                address: ownAddress.apply(cidr),
                insideAddress: inside.apply((a) => (a ? cidr(a) : undefined)),
                peer: peerAddress.apply((a) => a.address),
                // The director comes up first and so becomes master; the priorities order them should both start at once.
                priority: own === "director" ? DIRECTOR_PRIORITY : BACKUP_PRIORITY,
                virtualRouterId: spec.apply((s) => s.vrrp!.virtualRouterId),
                advertInterval: spec.apply((s) => s.vrrp!.advertInterval),
                connectionSync: spec.apply((s) => s.vrrp!.connectionSync),
                ...(args.vrrpPassword !== undefined ? { password: pulumi.secret(args.vrrpPassword) } : {}),
            };
        };
        this.director = new Director(
            `${name}-${directorName}`,
            { ...directorArgs, hostName: directorName, connection: this.connections[directorName]!, pair: pair("director") },
            { parent: this },
        );
        // The backup's interfaces may be named otherwise than the director's: its VIP's is its own address's.
        this.backup = backupName
            ? new Director(
                  `${name}-${backupName}`,
                  {
                      ...directorArgs,
                      vip: spec.apply((s) => ({ ...s.director.vip, interface: s.backup!.address.interface })),
                      dip: spec.apply((s) =>
                          s.director.dip
                              ? { ...s.director.dip, interface: s.backup!.insideAddress?.interface ?? s.director.dip.interface }
                              : undefined,
                      ),
                      hostName: backupName,
                      connection: this.connections[backupName]!,
                      pair: pair("backup"),
                      // The director's keepalived first: the first one up becomes master and stays so (nopreempt).
                      tableDependsOn: [...directorArgs.tableDependsOn, this.director.keepalived!],
                  },
                  { parent: this },
              )
            : undefined;
        declared([...this.director.packages, ...(this.backup?.packages ?? []), ...this.realServers.flatMap((rs) => rs.packages)]);

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
