// The validated description of an LVS cluster: plain data, produced by
// config.ts from the stack's settings and consumed by the components and the
// renderers. Words follow keepalived and ipvsadm (virtual server, real server,
// scheduler = lb_algo, forwarding = lb_kind, weight, persistence).

/** IPVS schedulers (`ipvsadm -s`), as shipped by Linux's ip_vs_* modules. */
export const SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

/** Largest real-server weight ipvsadm accepts. */
export const MAX_WEIGHT = 65535;

/** Longest persistence timeout accepted, in seconds (31 days). */
export const MAX_PERSISTENCE_SECONDS = 31 * 24 * 3600;

/** How the engine reaches a host: SSH over the management network. */
export interface SshEndpoint {
    host: string;
    port: number;
    user: string;
}

/** An IPv4 address with its prefix, assigned to one interface. */
export interface InterfaceAddress {
    /** Network interface on the host, e.g. `eth1`. */
    interface: string;
    /** The address itself, e.g. `192.168.2.1`. */
    address: string;
    /** Prefix length of its network, e.g. 24. */
    prefixLength: number;
}

export interface DirectorSpec {
    name: string;
    ssh: SshEndpoint;
    /** The virtual IP, on the director's outside interface: where clients connect. */
    vip: InterfaceAddress;
    /** The director's inside address: the real servers' default gateway. */
    dip: InterfaceAddress;
}

export interface VirtualServiceSpec {
    /** TCP port clients connect to on the VIP. */
    port: number;
    scheduler: Scheduler;
    /** Persistence timeout in seconds (`ipvsadm -p`); absent: no persistence. */
    persistence?: number;
}

export interface RealServerSpec {
    name: string;
    ssh: SshEndpoint;
    /** The real server's address (RIP) on the director's inside network. */
    address: InterfaceAddress;
    /** IPVS weight, 0..65535; 0 takes the server out of rotation without removing it. */
    weight: number;
    /** Content of the test page httpd serves at `/`; absent: RealServer's default, naming the server. */
    page?: string;
}

export interface ClusterSpec {
    director: DirectorSpec;
    virtualService: VirtualServiceSpec;
    realServers: RealServerSpec[];
}

/** Port httpd listens on at each real server (its default); NAT maps the VIP's port onto it. */
export const REAL_SERVER_PORT = 80;

/** `a.b.c.d/len`, the form `ip address` takes. */
export function cidr(a: InterfaceAddress): string {
    return `${a.address}/${a.prefixLength}`;
}
