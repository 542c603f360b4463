// The IPVS table a cluster should hold, in the model's terms: what the
// director's outputs render, what `npm run status` compares the live table
// with, and what the tests expect.
import type { ServiceTable } from "./ipvs/model";
import type { ClusterSpec, VirtualServiceSpec } from "./spec";

/** A virtual service whose real servers are given by address (as the Director component takes them). */
export type ServiceByAddress = Omit<VirtualServiceSpec, "name" | "realServers"> & {
    realServers: { address: string; port: number; weight: number }[];
};

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
    };
}

/** Every virtual service of a cluster as a table, in order. */
export function clusterTables(spec: ClusterSpec): ServiceTable[] {
    const addressOf = new Map(spec.realServers.map((rs) => [rs.name, rs.address.address]));
    return spec.virtualServices.map(({ realServers, ...vs }) =>
        serviceTable(spec.director.vip.address, {
            ...vs,
            realServers: realServers.map((e) => ({ address: addressOf.get(e.name)!, port: e.port, weight: e.weight })),
        }),
    );
}
