// The validated description of an LVS cluster: plain data, produced from the
// stack's settings (config.ts) or written in code, checked by validate.ts,
// and consumed by the components. One vocabulary throughout, ipvsadm's: a
// director holds the virtual IP (VIP) and virtual services; each virtual
// service has a scheduler, optional persistence and real servers, each with
// a forwarding method and a weight. (keepalived's words, README: lb_algo is
// the scheduler, lb_kind the forwarding method, virtual_server the virtual
// service, real_server the real server.)
import type { ForwardingMethod, Persistence, Protocol, Scheduler } from "./ipvs/model";

export {
    FORWARDING_METHODS,
    MAX_PERSISTENCE_SECONDS,
    MAX_WEIGHT,
    PROTOCOLS,
    SCHEDULER_FLAGS,
    SCHEDULERS,
    type ForwardingMethod,
    type Persistence,
    type Protocol,
    type Scheduler,
} from "./ipvs/model";

/** How the engine reaches a host: SSH over its management address. */
export interface SshEndpoint {
    /** Host name or IPv4 address SSH connects to (the management address, not the VIP or a RIP). */
    host: string;
    /** SSH port. */
    port: number;
    /** SSH user: root, or a user with passwordless sudo (commands then run through `sudo -n`). */
    user: string;
    /**
     * The host's public key(s) in authorized_keys form, one per line ("ssh-ed25519 AAAA…"): a host that
     * presents another is refused. Unset: the key the host presents first is kept in the stack's state and
     * required from then on.
     */
    hostKey?: string;
}

/** An IPv4 address with its prefix, assigned to one interface. */
export interface InterfaceAddress {
    /** Network interface on the host, as `ip link` names it, e.g. `eth1`. */
    interface: string;
    /** The address itself, e.g. `192.168.2.1`. */
    address: string;
    /** Prefix length of its network, e.g. 24. */
    prefixLength: number;
}

export interface DirectorSpec {
    /** Names the director's resources, its systemd unit and its state directory on the host. */
    name: string;
    ssh: SshEndpoint;
    /** The virtual IP, on the director's outside interface: where clients connect. */
    vip: InterfaceAddress;
    /**
     * The director's address on the real servers' network (DIP): their default gateway in VS/NAT, and
     * the segment VS/DR sends frames on. Only VS/TUN works without it.
     */
    dip?: InterfaceAddress;
}

/** A real server's entry in one virtual service. */
export interface ServiceRealServer {
    /** The real server (`realServers[].name`). */
    name: string;
    /** IPVS weight, 0..65535; 0 quiesces the real server (no new connections). */
    weight: number;
    /** Port on the real server. */
    port: number;
}

export interface VirtualServiceSpec {
    /** Names the service's resource. Default: `<protocol>-<port>`, or `fwmark-<mark>`. */
    name?: string;
    /** Transport protocol. */
    protocol: Protocol;
    /** Port clients connect to on the VIP; absent for a firewall-mark service. */
    port?: number;
    /**
     * A firewall-mark service (`ipvsadm -f`): packets to the VIP on `ports` are marked by the director
     * (its own nftables table) and balanced together, whatever their port.
     */
    fwmark?: number;
    /** The ports a firewall-mark service takes. */
    ports?: number[];
    scheduler: Scheduler;
    /** Scheduler flags (`ipvsadm -b`), e.g. `sh-port`; only sh and mh have them. */
    flags: string[];
    /** Persistence; absent: each connection is scheduled on its own. */
    persistence?: Persistence;
    /** How packets reach the real servers. */
    forwarding: ForwardingMethod;
    /** The real servers behind this service, with their weights. */
    realServers: ServiceRealServer[];
}

export interface RealServerSpec {
    /** Names the real server's resources, its systemd unit and its state directory on the host. */
    name: string;
    ssh: SshEndpoint;
    /** The real server's address (RIP) on the director's inside network. */
    address: InterfaceAddress;
    /**
     * The default route VS/DR and VS/TUN real servers answer clients through (a router, not the director).
     * Absent: their default route is left as it is. VS/NAT real servers always route through the DIP.
     */
    gateway?: string;
    /** Content of the test page httpd serves at `/`; absent: a heading naming the server and its address. */
    page?: string;
}

export interface ClusterSpec {
    director: DirectorSpec;
    virtualServices: VirtualServiceSpec[];
    realServers: RealServerSpec[];
    /** Seconds a real server that is removed or set to weight 0 is given for its active connections to end. */
    drainTimeout: number;
}

/** Port httpd listens on at each real server (its default); VS/NAT maps the VIP's port onto it. */
export const REAL_SERVER_PORT = 80;

/** Default drain deadline, in seconds: long enough for keep-alive clients to finish a few requests. */
export const DEFAULT_DRAIN_TIMEOUT = 30;

/** Longest drain deadline accepted, in seconds. */
export const MAX_DRAIN_TIMEOUT = 3600;

/** Names a virtual service's resource: its own name, or `<protocol>-<port>`, or `fwmark-<mark>`. */
export function serviceName(vs: Pick<VirtualServiceSpec, "name" | "protocol" | "port" | "fwmark">): string {
    return vs.name ?? (vs.fwmark !== undefined ? `fwmark-${vs.fwmark}` : `${vs.protocol}-${vs.port}`);
}

/** `a.b.c.d/len`, the form `ip address` takes. */
export function cidr(a: Pick<InterfaceAddress, "address" | "prefixLength">): string {
    return `${a.address}/${a.prefixLength}`;
}

/** The test page a real server serves when none is given. */
export function defaultPage(name: string, address: string): string {
    return `<h1>${name} (${address})</h1>\n`;
}
