// A cluster on Docker containers: the same director, virtual services and
// real servers as on hosts, without what Docker gives a container itself (an
// SSH endpoint, interface names: its networks decide both). It meets the same
// rules as a host cluster (validate.ts), plus what containers cannot do yet,
// and it places the cluster's two Docker networks around the given addresses.
import * as ipaddr from "ipaddr.js";
import { ClusterInput, ClusterSpec, InterfaceAddress } from "./spec";
import { Checked, checkCluster, networkOf as network, Path, PathNamer } from "./validate";

/** An address with its prefix, on a container's network (Docker names the interface). */
export type NetworkAddress = Pick<InterfaceAddress, "address" | "prefixLength">;

export interface ContainerHostsSpec {
    /**
     * The image of every container: a Debian userland with ipvsadm, lighttpd, iproute2 and curl (the lab
     * imports its own as pulumi-lvs/lab-host:1). It must be on the engine already (no registry is needed).
     */
    image: string;
    /** The client container's address on the VIP's network (the tutorial's browser); absent: no client container. */
    client?: NetworkAddress;
}

/** A host cluster's director, real servers and services without what Docker decides (SSH, interfaces, routes). */
type OnContainers<Director, RealServer> = {
    director: Omit<Director, "ssh" | "vip" | "dip"> & { vip: NetworkAddress; dip?: NetworkAddress };
    realServers: (Pick<RealServer, "name" & keyof RealServer> & { address: NetworkAddress; page?: string })[];
    containers: ContainerHostsSpec;
};

/** A cluster on containers as settings or code describe it: defaults not yet applied. */
export type ContainerClusterInput = Omit<ClusterInput, "director" | "realServers"> &
    OnContainers<ClusterInput["director"], ClusterInput["realServers"][number]>;

/** A cluster on containers checked, every default applied. */
export type ContainerClusterSpec = Omit<ClusterSpec, "director" | "realServers"> &
    OnContainers<ClusterSpec["director"], ClusterSpec["realServers"][number]>;

/**
 * The cluster as a host cluster, for the shared rules and defaults: each container stands for a host reached
 * by its own name, with Docker's interface order (the VIP's network first).
 */
function asHostCluster(input: ContainerClusterInput): ClusterInput {
    const { containers: _containers, ...cluster } = input;
    const { vip, dip, ...director } = input.director;
    return {
        ...cluster,
        director: {
            ...director,
            // (Real servers' names have no dot: no real server stands for the same host.)
            ssh: { host: "director.container" },
            vip: { ...vip, interface: "eth0" },
            ...(dip ? { dip: { ...dip, interface: "eth1" } } : {}),
        },
        realServers: input.realServers.map((rs) => ({ ...rs, ssh: { host: rs.name }, address: { ...rs.address, interface: "eth0" } })),
    };
}

/** The checked host cluster back on containers. */
function onContainers(spec: ClusterSpec, containers: ContainerHostsSpec): ContainerClusterSpec {
    const address = ({ address, prefixLength }: NetworkAddress): NetworkAddress => ({ address, prefixLength });
    const { ssh: _ssh, vip, dip, ...director } = spec.director;
    return {
        ...spec,
        director: { ...director, vip: address(vip), ...(dip ? { dip: address(dip) } : {}) },
        realServers: spec.realServers.map(({ name, address: rip, page }) => ({
            name,
            address: address(rip),
            ...(page !== undefined ? { page } : {}),
        })),
        containers,
    };
}

/** A cluster on containers checked with the host cluster's rules and defaults, and what containers cannot do yet. */
export function checkContainerCluster(input: ContainerClusterInput, name: PathNamer): Checked<ContainerClusterSpec> {
    const checked = checkCluster(asHostCluster(input), name);
    const problems = [...checked.problems];
    (input.virtualServices ?? []).forEach((vs, i) => {
        const at = (field: string): Path => ["virtualServices", i, field];
        if (vs.forwarding !== undefined && vs.forwarding !== "nat")
            problems.push(
                `${name(at("forwarding"))}: containers take VS/NAT only (VS/DR and VS/TUN need ARP and tunnel settings ` +
                    "on each real server that pulumi-lvs sets on hosts): use nat, or run the cluster on hosts",
            );
        if (vs.fwmark !== undefined)
            problems.push(
                `${name(at("fwmark"))}: firewall-mark services need the director's nftables rules, which pulumi-lvs keeps ` +
                    "on hosts only: give the service a port, or run the cluster on hosts",
            );
        if (vs.family === "ipv6")
            problems.push(
                `${name(at("family"))}: containers take IPv4 services only (the cluster's Docker networks are IPv4): ` +
                    "use ipv4, or run the cluster on hosts",
            );
        if (vs.healthCheck !== undefined)
            problems.push(
                `${name(at("healthCheck"))}: health checks run in keepalived, which pulumi-lvs keeps on hosts with ` +
                    "systemd only: leave healthCheck out, or run the cluster on hosts",
            );
    });
    if (typeof input.containers.image !== "string" || input.containers.image === "")
        problems.push(`${name(["containers", "image"])}: missing: the image every container runs, e.g. pulumi-lvs/lab-host:1`);
    const client = input.containers.client;
    if (client && problems.length === 0 && checked.value) {
        const { director, realServers } = checked.value;
        const taken = [director.vip.address, director.dip?.address, ...realServers.map((rs) => rs.address.address)];
        if (network(client) !== network(director.vip))
            problems.push(
                `${name(["containers", "client"])}: ${client.address}/${client.prefixLength} is not on the VIP's network ` +
                    `${network(director.vip)}: the client reaches the VIP on its own network`,
            );
        else if (taken.includes(client.address))
            problems.push(`${name(["containers", "client"])}: ${client.address} is taken by another container of the cluster`);
    }
    if (problems.length > 0 || !checked.value) return { problems };
    return { value: onContainers(checked.value, input.containers), problems: [] };
}

/** A Docker network around the given addresses: its subnet, and a gateway (the engine's side) that none of them uses. */
export function dockerNetwork(addresses: NetworkAddress[]): { subnet: string; gateway: string } {
    const subnet = network(addresses[0]!);
    const [base, length] = ipaddr.IPv4.parseCIDR(subnet);
    const first = base.toByteArray().reduce((n, b) => n * 256 + b, 0);
    const used = new Set(addresses.map((a) => a.address));
    // From the top of the subnet down (below its broadcast address), as routers usually sit at one end of it.
    for (let n = first + 2 ** (32 - length) - 2; n > first; n--) {
        const candidate = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
        if (!used.has(candidate)) return { subnet, gateway: candidate };
    }
    throw new Error(`no free address for the Docker network's gateway in ${subnet}`);
}
