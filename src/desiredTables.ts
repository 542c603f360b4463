// The IPVS tables a cluster or director should hold, in the model's terms:
// what the director's resources are given and its outputs render, what
// `npm run status` compares the live table with, and what the tests expect.
// Built here once, from the checked spec.
import type { ServiceTable } from "./ipvs/model";
import type { ClusterSpec } from "./spec";
import type { DirectorArgsSpec } from "./validate";

/** A director's virtual service, checked: its real servers by address. */
export type ServiceByAddress = DirectorArgsSpec["virtualServices"][number];

/** The director's virtual IPs: the VIP, and the IPv6 one of its `ipv6` services. */
export interface DirectorVips {
    vip: { address: string };
    vip6?: { address: string };
}

/** One virtual service as a table: on its family's VIP and its port, or on its firewall mark. */
export function serviceTable(vips: DirectorVips, vs: ServiceByAddress): ServiceTable {
    // (An ipv6 service without vip6 is refused by the checks before any table is built.)
    const address = vs.family === "ipv6" ? vips.vip6!.address : vips.vip.address;
    const id = vs.fwmark !== undefined ? { fwmark: vs.fwmark } : { protocol: vs.protocol, address, port: vs.port! };
    return {
        service: {
            ...id,
            scheduler: vs.scheduler,
            flags: [...vs.flags].sort(),
            ...(vs.persistence ? { persistence: vs.persistence } : {}),
        },
        realServers: vs.realServers.map((rs) => ({ address: rs.address, port: rs.port, forwarding: vs.forwarding, weight: rs.weight })),
        ...(vs.healthCheck ? { healthCheck: vs.healthCheck } : {}),
    };
}

/** A cluster's virtual services as a director holds them: each entry's real server by its address. */
export function servicesByAddress(spec: {
    virtualServices: ClusterSpec["virtualServices"];
    realServers: { name: string; address: { address: string }; address6?: { address: string } }[];
}): ServiceByAddress[] {
    const byName = new Map(spec.realServers.map((rs) => [rs.name, rs]));
    // An ipv6 service reaches each real server at its address6 (the checks make sure it has one).
    const addressOf = (name: string, family: string) =>
        family === "ipv6" ? byName.get(name)!.address6!.address : byName.get(name)!.address.address;
    return spec.virtualServices.map(({ realServers, ...vs }) => ({
        ...vs,
        realServers: realServers.map(({ name, ...entry }) => ({ ...entry, address: addressOf(name, vs.family) })),
    }));
}

/** Every virtual service of a cluster as a table, in order. */
export function clusterTables(spec: ClusterSpec): ServiceTable[] {
    return servicesByAddress(spec).map((vs) => serviceTable(spec.director, vs));
}
