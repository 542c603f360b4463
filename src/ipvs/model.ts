// The IPVS table as typed data, in ipvsadm's words: a virtual service (its
// address or firewall mark, scheduler, flags and persistence) and the real
// servers in it (address, port, forwarding method, weight). One model renders
// the saved rules, the commands that change a live table, and the outputs;
// the same model is what a live table parses into, so desired and live
// compare field by field (as kube-proxy's VirtualServer/RealServer and
// cloudflare/ipvs's Service/Destination do).
import { hostPort } from "../patterns";
import type { HealthCheck } from "./serviceSchema";

/** Transport protocols of a virtual service (`-t`, `-u`, `--sctp-service`). */
export const PROTOCOLS = ["tcp", "udp", "sctp"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** IPVS schedulers (`ipvsadm -s`), as shipped by Linux's ip_vs_* modules. */
export const SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"] as const;
/** The scheduler of a virtual service that names none (ipvsadm's own default too). */
export const DEFAULT_SCHEDULER = "rr";
export type Scheduler = (typeof SCHEDULERS)[number];

/** Scheduler flags (`ipvsadm -b`), which only the hashing schedulers have. */
export const SCHEDULER_FLAGS: Partial<Record<Scheduler, readonly string[]>> = {
    sh: ["sh-fallback", "sh-port"],
    mh: ["mh-fallback", "mh-port"],
};

/**
 * Forwarding methods: `nat` (VS/NAT, masquerading, `-m`), `dr` (VS/DR, direct
 * routing or gatewaying, `-g`) and `tun` (VS/TUN, IP-in-IP tunneling, `-i`).
 */
export const FORWARDING_METHODS = ["nat", "dr", "tun"] as const;
export type ForwardingMethod = (typeof FORWARDING_METHODS)[number];

/** Largest weight ipvsadm accepts; 0 quiesces a real server (no new connections). */
export const MAX_WEIGHT = 65535;

/** Longest persistence timeout accepted, in seconds (31 days). */
export const MAX_PERSISTENCE_SECONDS = 31 * 24 * 3600;

/** What `ipvsadm -p` without a timeout means. */
export const DEFAULT_PERSISTENCE_SECONDS = 360;

/** A virtual service on an address and port. */
export interface AddressedService {
    protocol: Protocol;
    address: string;
    port: number;
}

/** A virtual service matching packets by firewall mark (`ipvsadm -f`). */
export interface FirewallMarkService {
    fwmark: number;
}

/** Persistence (`-p TIMEOUT`, `-M NETMASK`): a client keeps its real server while its connections keep coming. */
export interface Persistence {
    /** Seconds a client's template outlives its last connection. */
    timeout: number;
    /** Clients sharing this netmask share the real server (`-M`); absent: 255.255.255.255. */
    netmask?: string;
}

export type VirtualService = (AddressedService | FirewallMarkService) & {
    scheduler: Scheduler;
    /** Scheduler flags (`-b`), such as `sh-port`; sorted, no duplicates. */
    flags: string[];
    persistence?: Persistence;
};

/** A real server's entry in a virtual service. */
export interface RealServerEntry {
    address: string;
    /** Port on the real server; 0 for a firewall-mark service (the packet's own port). */
    port: number;
    forwarding: ForwardingMethod;
    weight: number;
}

/**
 * A virtual service with its real servers: what one `lvs:ipvs:VirtualService` owns, or one `virtual_server`
 * of keepalived's, which also checks the real servers' health.
 */
export interface ServiceTable {
    service: VirtualService;
    realServers: RealServerEntry[];
    /** keepalived's check of each real server (the kernel's table has no such thing). */
    healthCheck?: HealthCheck;
}

export function isFirewallMark(service: AddressedService | FirewallMarkService): service is FirewallMarkService {
    return "fwmark" in service;
}

const PROTOCOL_OPTION: Record<Protocol, string> = { tcp: "-t", udp: "-u", sctp: "--sctp-service" };

/**
 * How ipvsadm names a service on its command line: `-t 192.168.145.100:80`, `-t [fd00:145::100]:80`, `-f 7`
 * (as separate words).
 */
export function serviceArgument(service: AddressedService | FirewallMarkService): string[] {
    return isFirewallMark(service)
        ? ["-f", String(service.fwmark)]
        : [PROTOCOL_OPTION[service.protocol], hostPort(service.address, service.port)];
}

/** A readable, unique key of a service, as ipvsadm lists it: `tcp 192.168.145.100:80`, `tcp [fd00:145::100]:80`, `fwmark 7`. */
export function serviceKey(service: AddressedService | FirewallMarkService): string {
    return isFirewallMark(service) ? `fwmark ${service.fwmark}` : `${service.protocol} ${hostPort(service.address, service.port)}`;
}

/** A real server's key within its service, as ipvsadm prints it: `192.168.2.100:80`, `[fd00:2::100]:80`. */
export function entryKey(entry: Pick<RealServerEntry, "address" | "port">): string {
    return hostPort(entry.address, entry.port);
}

/** True when two services are the same apart from their real servers. */
export function sameServiceSettings(a: VirtualService, b: VirtualService): boolean {
    return (
        a.scheduler === b.scheduler &&
        a.flags.join(",") === b.flags.join(",") &&
        (a.persistence?.timeout ?? 0) === (b.persistence?.timeout ?? 0) &&
        (a.persistence?.netmask ?? "255.255.255.255") === (b.persistence?.netmask ?? "255.255.255.255")
    );
}
