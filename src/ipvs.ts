// The IPVS table of a cluster, in the words ipvsadm uses: the desired rules in
// `ipvsadm-save -n` form (what /etc/ipvsadm.rules holds), and the per-option
// flags shared by the rules and the commands that apply them.
import { ClusterSpec, DirectorSpec, REAL_SERVER_PORT, RealServerSpec, VirtualServiceSpec } from "./spec";

/** `VIP:port`, the virtual service's address as ipvsadm writes it. */
export function serviceAddress(director: Pick<DirectorSpec, "vip">, vs: Pick<VirtualServiceSpec, "port">): string {
    return `${director.vip.address}:${vs.port}`;
}

/** `RIP:80`, a real server's address as ipvsadm writes it. */
export function destinationAddress(rs: Pick<RealServerSpec, "address">): string {
    return `${rs.address.address}:${REAL_SERVER_PORT}`;
}

/** Scheduler and persistence flags of `-A`/`-E` (an `-E` without `-p` turns persistence off). */
export function serviceFlags(vs: VirtualServiceSpec): string {
    return `-s ${vs.scheduler}` + (vs.persistence !== undefined ? ` -p ${vs.persistence}` : "");
}

/** Forwarding method and weight flags of `-a`/`-e`: VS/NAT is `-m` (masquerading). */
export function destinationFlags(rs: Pick<RealServerSpec, "weight">): string {
    return `-m -w ${rs.weight}`;
}

/** The cluster's rules exactly as `ipvsadm-save -n` prints them once applied. */
export function renderRules(spec: ClusterSpec): string[] {
    const service = `-t ${serviceAddress(spec.director, spec.virtualService)}`;
    return [
        `-A ${service} ${serviceFlags(spec.virtualService)}`,
        ...spec.realServers.map((rs) => `-a ${service} -r ${destinationAddress(rs)} ${destinationFlags(rs)}`),
    ];
}
