// The LVS cluster on Docker containers, through `@pulumi/docker`: two
// networks (the VIP's and the real servers'), a director container, one
// container per real server and, optionally, a client container (the
// tutorial's browser). Docker gives each container what SSH hosts get from
// the host facts: its addresses (fixed, on the networks), `ip_forward` (a
// container sysctl), the real servers' route through the DIP and httpd (their
// command) and the test page (an upload). The director's IPVS table is the
// same VirtualService resources as on hosts, run in the director container
// through the engine's exec, so a scheduler or weight change is applied in
// place: the director container stays (same ID). With no systemd in a
// container, persistence is the restart policy plus the director's command,
// which restores the saved rules when the container starts.
import type * as docker from "@pulumi/docker";
import * as pulumi from "../resources/pulumiCore";
import type { InputOf } from "../resources/inputTypes";
import { checkContainerCluster, ContainerClusterInput, dockerNetwork, NetworkAddress } from "../src/containerSpec";
import { DEFAULT_DIRECTOR_NAME, defaultPage } from "../src/spec";
import { codePath } from "../src/validate";
import { Director, directorSysctls } from "./director";
import { checked } from "./inputs";
import { ClusterVirtualServiceArgs, directorServices, realServerAddresses } from "./lvsCluster";
import { HTTPD, TEST_PAGE } from "./realServer";

/** Where the director's start command finds the rules it restores (Debian's ipvsadm init script, AUTO="true"). */
const RESTORE_SAVED_RULES = "/etc/init.d/ipvsadm start >/dev/null 2>&1 || true";

export interface ContainerClusterArgs {
    director: {
        /** Names the director's container and resources. Default: "director". */
        name?: string;
        /** The VIP, e.g. 192.168.145.100/24: the director's address on the VIP's network. */
        vip: InputOf<NetworkAddress>;
        /** The DIP, e.g. 192.168.2.1/24: the director's address on the real servers' network, their gateway. */
        dip: InputOf<NetworkAddress>;
    };
    /** The virtual services on the VIP (VS/NAT). Default: one, TCP port 80, round robin, every real server. */
    virtualServices?: ClusterVirtualServiceArgs[];
    realServers: {
        /** Names the real server's container. */
        name: string;
        /** Its address on the real servers' network (RIP), e.g. 192.168.2.100/24. */
        address: InputOf<NetworkAddress>;
        /** The test page. Default: a heading naming the server and its address. */
        page?: pulumi.Input<string | undefined>;
    }[];
    /** Seconds a real server that goes (or is set to weight 0) gets for its active connections to end. Default: 30. */
    drainTimeout?: pulumi.Input<number>;
    /** The image of every container: Debian with ipvsadm, lighttpd, iproute2 and curl (the lab's pulumi-lvs/lab-host:1). */
    image: pulumi.Input<string>;
    /** The client container's address on the VIP's network. Default: no client container. */
    client?: InputOf<NetworkAddress>;
    /**
     * The Docker engine: `unix:///path/docker.sock` or `tcp://host:port`. It runs the containers (a Docker
     * provider of the cluster's own) and the director's table changes (exec). Default: DOCKER_HOST, else the local socket.
     */
    dockerHost?: pulumi.Input<string>;
}

const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/**
 * `@pulumi/docker`, loaded when a ContainerCluster is declared: it loads the
 * whole of @pulumi/pulumi's root (see resources/pulumiCore.ts), which a
 * cluster of SSH hosts should not pay for on every run.
 */
function dockerSdk(): typeof docker {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@pulumi/docker") as typeof docker;
}

/** The container's command: a shell line run as PID 1 (it `exec`s the long-running process). */
function shell(line: string): string[] {
    return ["sh", "-c", line];
}

/**
 * An LVS cluster (VS/NAT) on Docker containers. Networks and containers are
 * named `<stack>-<cluster>-…` on the engine, so stacks and clusters sharing an
 * engine never meet; destroy removes exactly them.
 */
export class ContainerCluster extends pulumi.ComponentResource {
    public readonly director: Director;
    /** The director container. */
    public readonly directorContainer: docker.Container;
    /** The real-server containers, in order. */
    public readonly realServerContainers: docker.Container[];
    /** The client container, when one was asked for. */
    public readonly clientContainer?: docker.Container;
    /** `http://VIP:port/` of the first virtual service. */
    public readonly vipUrl: pulumi.Output<string>;
    /** Each virtual service as `ipvsadm -L -n` listed it right after the last change. */
    public readonly ipvsTable: pulumi.Output<string>;
    /** The rules the director holds, in `ipvsadm-save -n` form. */
    public readonly ipvsRules: pulumi.Output<string[]>;
    /** The scheduler of the first virtual service. */
    public readonly scheduler: pulumi.Output<string>;
    /** Each real server by name: its address and its weight in the first virtual service. */
    public readonly realServerAddresses: pulumi.Output<Record<string, { address: string; weight: number }>>;
    /** Each container's name on the engine, by cluster role (`director`, `client`, and the real servers' names). */
    public readonly containerNames: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: ContainerClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs:index:ContainerCluster", name, {}, opts);
        const directorName = args.director.name ?? DEFAULT_DIRECTOR_NAME;
        const { image: imageName, client, dockerHost: _dockerHost, ...cluster } = args;
        const spec = checked(
            this,
            `ContainerCluster ${name} arguments`,
            { ...cluster, containers: { image: imageName, ...(client !== undefined ? { client } : {}) } } as InputOf<ContainerClusterInput>,
            (c) => checkContainerCluster(c, codePath),
        );
        const dockerHost = pulumi.output(args.dockerHost ?? process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST);
        const sdk = dockerSdk();
        const provider = new sdk.Provider(`${name}-docker`, { host: dockerHost }, { parent: this });
        const child = { parent: this, provider };
        const prefix = `${pulumi.getStack()}-${name}`;

        // Masquerading off on both: Docker's NAT would rewrite the director's packets to the real servers
        // (and their replies) and silently break VS/NAT.
        const noMasquerade = { "com.docker.network.bridge.enable_ip_masquerade": "false" };
        const vipNetwork = new sdk.Network(
            `${name}-vip-network`,
            {
                name: `${prefix}-vip`,
                ipamConfigs: [spec.apply((s) => dockerNetwork([s.director.vip, ...(s.containers.client ? [s.containers.client] : [])]))],
                options: noMasquerade,
            },
            child,
        );
        const rsNetwork = new sdk.Network(
            `${name}-rs-network`,
            {
                name: `${prefix}-rs`,
                ipamConfigs: [spec.apply((s) => dockerNetwork([s.director.dip!, ...s.realServers.map((rs) => rs.address)]))],
                options: noMasquerade,
            },
            child,
        );
        // A local image (the lab imports it): found on the engine, never pulled, kept on destroy.
        const image = new sdk.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, child);
        const common = {
            image: image.imageId,
            capabilities: { adds: ["NET_ADMIN"] },
            restart: "unless-stopped",
        };

        this.realServerContainers = args.realServers.map(
            (rs, i) =>
                new sdk.Container(
                    `${name}-${rs.name}`,
                    {
                        ...common,
                        name: `${prefix}-${rs.name}`,
                        hostname: rs.name,
                        networksAdvanced: [{ name: rsNetwork.name, ipv4Address: spec.realServers[i]!.address.address }],
                        // VS/NAT: replies go back through the director. httpd is the container's main process.
                        command: spec.director.apply((d) =>
                            shell(`ip route replace default via ${d.dip!.address} && exec ${HTTPD} -D -f /etc/lighttpd/lighttpd.conf`),
                        ),
                        uploads: [
                            {
                                file: TEST_PAGE,
                                content: spec.realServers[i]!.apply((r) => r.page ?? defaultPage(rs.name, r.address.address)),
                            },
                        ],
                    },
                    child,
                ),
        );
        this.directorContainer = new sdk.Container(
            `${name}-${directorName}`,
            {
                ...common,
                name: `${prefix}-${directorName}`,
                hostname: directorName,
                networksAdvanced: [
                    { name: vipNetwork.name, ipv4Address: spec.director.vip.address },
                    { name: rsNetwork.name, ipv4Address: spec.director.apply((d) => d.dip!.address) },
                ],
                // The kernel settings a host director gets from its Sysctls resource, all of them.
                sysctls: directorSysctls([], true),
                command: shell(`${RESTORE_SAVED_RULES}; exec sleep infinity`),
            },
            child,
        );
        if (args.client !== undefined) {
            this.clientContainer = new sdk.Container(
                `${name}-client`,
                {
                    image: image.imageId,
                    name: `${prefix}-client`,
                    hostname: "client",
                    networksAdvanced: [{ name: vipNetwork.name, ipv4Address: spec.containers.apply((c) => c.client!.address) }],
                    command: ["sleep", "infinity"],
                    restart: "unless-stopped",
                },
                child,
            );
        }

        this.director = new Director(
            `${name}-${directorName}`,
            {
                hostName: directorName,
                container: true,
                connection: { docker: { host: dockerHost, container: this.directorContainer.id } },
                vip: spec.director.vip.apply((v) => ({ ...v, interface: "eth0" })),
                dip: spec.director.apply((d) => ({ ...d.dip!, interface: "eth1" })),
                drainTimeout: spec.drainTimeout,
                virtualServices: directorServices(name, args.virtualServices, spec),
                tableDependsOn: this.realServerContainers,
            },
            { parent: this },
        );

        this.vipUrl = this.director.vipUrl;
        this.ipvsTable = this.director.ipvsTable;
        this.ipvsRules = this.director.ipvsRules;
        this.scheduler = spec.virtualServices[0]!.scheduler;
        this.realServerAddresses = spec.apply(realServerAddresses);
        const named: [string, docker.Container][] = [
            [directorName, this.directorContainer],
            ...args.realServers.map((rs, i): [string, docker.Container] => [rs.name, this.realServerContainers[i]!]),
            ...(this.clientContainer ? [["client", this.clientContainer] as [string, docker.Container]] : []),
        ];
        this.containerNames = pulumi
            .all(named.map(([, c]) => c.name))
            .apply((names) => Object.fromEntries(names.map((n, i) => [named[i]![0], n])));
        this.registerOutputs({
            vipUrl: this.vipUrl,
            ipvsTable: this.ipvsTable,
            ipvsRules: this.ipvsRules,
            scheduler: this.scheduler,
            realServers: this.realServerAddresses,
            containers: this.containerNames,
        });
    }
}
