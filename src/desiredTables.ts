// The IPVS tables a cluster or director should hold, in the model's terms:
// what the director's resources are given and its outputs render, what
// `npm run status` compares the live table with, and what the tests expect.
// Built here once, from the checked spec.
import type { ServiceTable } from "./ipvs/model";
import type { ClusterSpec } from "./spec";
import type { DirectorArgsSpec } from "./validate";

/** A director's virtual service, checked: its real servers by address. */
export type ServiceByAddress = DirectorArgsSpec["virtualServices"][number];

/** One virtual service on `vip` as a table: on the VIP's port, or on its firewall mark. */
export function serviceTable(vip: string, vs: ServiceByAddress): ServiceTable {
    const id = vs.fwmark !== undefined ? { fwmark: vs.fwmark } : { protocol: vs.protocol, address: vip, port: vs.port! };
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
    realServers: { name: string; address: { address: string } }[];
}): ServiceByAddress[] {
    const addressOf = new Map(spec.realServers.map((rs) => [rs.name, rs.address.address]));
    return spec.virtualServices.map(({ realServers, ...vs }) => ({
        ...vs,
        realServers: realServers.map(({ name, ...entry }) => ({ ...entry, address: addressOf.get(name)! })),
    }));
}

/** Every virtual service of a cluster as a table, in order. */
export function clusterTables(spec: ClusterSpec): ServiceTable[] {
    return servicesByAddress(spec).map((vs) => serviceTable(spec.director.vip.address, vs));
}
