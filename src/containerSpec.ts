// A cluster on Docker containers: the same director, virtual services and
// real servers as on hosts, without what Docker gives a container itself (an
// SSH endpoint, interface names: its networks decide both). It meets the same
// rules as a host cluster (validate.ts), plus what containers cannot do yet,
// and it places the cluster's two Docker networks around the given addresses.
import * as ipaddr from "ipaddr.js";
import { ClusterSpec, InterfaceAddress, VirtualServiceSpec } from "./spec";
import { networkOf as network, Path, PathNamer, validateCluster } from "./validate";

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

export interface ContainerClusterSpec {
    director: { name: string; vip: NetworkAddress; dip?: NetworkAddress };
    virtualServices: VirtualServiceSpec[];
    realServers: { name: string; address: NetworkAddress; page?: string }[];
    drainTimeout: number;
    containers: ContainerHostsSpec;
}

/**
 * The spec as a host cluster, for the shared rules: each container stands for a host reached by its own name,
 * with Docker's interface order (the VIP's network first).
 */
function asHostCluster(spec: ContainerClusterSpec): ClusterSpec {
    const host = (name: string) => ({ host: name, port: 22, user: "root" });
    return {
        director: {
            name: spec.director.name,
            ssh: host(spec.director.name),
            vip: { ...spec.director.vip, interface: "eth0" },
            ...(spec.director.dip ? { dip: { ...spec.director.dip, interface: "eth1" } } : {}),
        },
        virtualServices: spec.virtualServices,
        realServers: spec.realServers.map((rs) => ({ ...rs, ssh: host(rs.name), address: { ...rs.address, interface: "eth0" } })),
        drainTimeout: spec.drainTimeout,
    };
}

/** Every problem of a container cluster's spec, named by `name`. */
export function validateContainerCluster(spec: ContainerClusterSpec, name: PathNamer): string[] {
    const problems = validateCluster(asHostCluster(spec), name);
    spec.virtualServices.forEach((vs: VirtualServiceSpec, i) => {
        const at = (field: string): Path => ["virtualServices", i, field];
        if (vs.forwarding !== "nat")
            problems.push(
                `${name(at("forwarding"))}: containers take VS/NAT only (VS/DR and VS/TUN need ARP and tunnel settings ` +
                    "on each real server that pulumi-lvs sets on hosts): use nat, or run the cluster on hosts",
            );
        if (vs.fwmark !== undefined)
            problems.push(
                `${name(at("fwmark"))}: firewall-mark services need the director's nftables rules, which pulumi-lvs keeps ` +
                    "on hosts only: give the service a port, or run the cluster on hosts",
            );
    });
    if (typeof spec.containers.image !== "string" || spec.containers.image === "")
        problems.push(`${name(["containers", "image"])}: missing: the image every container runs, e.g. pulumi-lvs/lab-host:1`);
    const client = spec.containers.client;
    if (client && problems.length === 0) {
        const taken = [spec.director.vip.address, spec.director.dip?.address, ...spec.realServers.map((rs) => rs.address.address)];
        if (network(client) !== network(spec.director.vip))
            problems.push(
                `${name(["containers", "client"])}: ${client.address}/${client.prefixLength} is not on the VIP's network ` +
                    `${network(spec.director.vip)}: the client reaches the VIP on its own network`,
            );
        else if (taken.includes(client.address))
            problems.push(`${name(["containers", "client"])}: ${client.address} is taken by another container of the cluster`);
    }
    return problems;
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
