// keepalived.conf as one more rendering of the model: each ServiceTable is a
// `virtual_server` block in keepalived's own words (lvs_sched, lvs_method,
// persistence_timeout, real_server with its weight and checker), so that a
// director with health checks holds the table the stack declares, checked by
// keepalived. The text is deterministic (services and real servers in the
// model's order, one setting per line): the preview shows its diff line by line.
import { isFirewallMark, type ServiceTable } from "../ipvs/model";

/** Where Debian's keepalived reads its configuration. */
export const KEEPALIVED_CONF = "/etc/keepalived/keepalived.conf";

const METHOD = { nat: "NAT", dr: "DR", tun: "TUN" } as const;

/** Indents the lines of a block by one level (4 spaces). */
function block(head: string, body: string[]): string[] {
    return [`${head} {`, ...body.map((line) => `    ${line}`), "}"];
}

function checker(table: ServiceTable): string[] {
    const hc = table.healthCheck;
    if (!hc) return [];
    const timing = [
        ...(hc.connectPort !== undefined ? [`connect_port ${hc.connectPort}`] : []),
        `connect_timeout ${hc.connectTimeout}`,
        `retry ${hc.retry}`,
        `delay_before_retry ${hc.delayBeforeRetry}`,
    ];
    if (hc.type === "HTTP_GET") {
        return block("HTTP_GET", [...block("url", [`path ${hc.path}`, `status_code ${hc.statusCode}`]), ...timing]);
    }
    return block("TCP_CHECK", timing);
}

/** One `virtual_server` block: the service's settings, then each real server with its weight and check. */
export function virtualServerBlock(table: ServiceTable): string[] {
    const { service, realServers, healthCheck } = table;
    const head = isFirewallMark(service) ? `virtual_server fwmark ${service.fwmark}` : `virtual_server ${service.address} ${service.port}`;
    // One method per service in the model (its entries share it); keepalived takes it on the service.
    const method = realServers[0]?.forwarding;
    const body = [
        ...(isFirewallMark(service) ? [] : [`protocol ${service.protocol.toUpperCase()}`]),
        `lvs_sched ${service.scheduler}`,
        ...service.flags,
        ...(method ? [`lvs_method ${METHOD[method]}`] : []),
        ...(service.persistence ? [`persistence_timeout ${service.persistence.timeout}`] : []),
        ...(service.persistence?.netmask ? [`persistence_granularity ${service.persistence.netmask}`] : []),
        ...(healthCheck ? [`delay_loop ${healthCheck.delayLoop}`] : []),
        ...realServers.flatMap((rs) =>
            block(`real_server ${rs.address} ${rs.port}`, [
                `weight ${rs.weight}`,
                ...(healthCheck?.inhibitOnFailure ? ["inhibit_on_failure"] : []),
                ...checker(table),
            ]),
        ),
    ];
    return block(head, body);
}

/** One director's side of a pair's VRRP: what its `vrrp_instance` says (the other director's mirrors it). */
export interface VrrpInstance {
    /** virtual_router_id: the pair's number on the VIP's network. */
    virtualRouterId: number;
    /** This director's priority (the one named first in the stack has the higher). */
    priority: number;
    /** advert_int, in seconds. */
    advertInterval: number;
    /** The interface the adverts go out on: the VIP's. */
    interface: string;
    /** unicast_src_ip: this director's own address there. */
    sourceAddress: string;
    /** unicast_peer: the other director's own address. */
    peers: string[];
    /** virtual_ipaddress: the VIP and the DIP, each `ADDRESS/PREFIX` with its interface: they move together. */
    addresses: { address: string; interface: string }[];
    /** track_interface: the other interfaces whose loss hands the addresses to the other director (the DIP's). */
    trackInterfaces: string[];
    /** lvs_sync_daemon's interface: connection synchronisation on it; absent: none. */
    syncInterface?: string;
    /** Whether the pair authenticates its adverts (auth_type PASS); the password itself is rendered apart. */
    authenticated: boolean;
}

/** The word the rendering puts where the VRRP password goes, outside the file on the director (state, diffs). */
export const PASSWORD_PLACEHOLDER = "[secret]";

/** The instance's name in keepalived.conf and its journal. */
export function vrrpInstanceName(vrrp: Pick<VrrpInstance, "virtualRouterId">): string {
    return `VI_${vrrp.virtualRouterId}`;
}

/**
 * The pair's `vrrp_instance`. Both directors start as BACKUP with `nopreempt`: the first up becomes master and
 * keeps the addresses until it dies, so that a director coming back never takes them (and the connections
 * synchronised to the other) away. Adverts go by unicast, which networks without multicast carry.
 */
function vrrpBlock(vrrp: VrrpInstance, password: string): string[] {
    return block(`vrrp_instance ${vrrpInstanceName(vrrp)}`, [
        "state BACKUP",
        "nopreempt",
        `interface ${vrrp.interface}`,
        `virtual_router_id ${vrrp.virtualRouterId}`,
        `priority ${vrrp.priority}`,
        `advert_int ${vrrp.advertInterval}`,
        `unicast_src_ip ${vrrp.sourceAddress}`,
        ...block("unicast_peer", vrrp.peers),
        ...(vrrp.authenticated ? block("authentication", ["auth_type PASS", `auth_pass ${password}`]) : []),
        ...block(
            "virtual_ipaddress",
            vrrp.addresses.map((a) => `${a.address} dev ${a.interface}`),
        ),
        ...(vrrp.trackInterfaces.length > 0 ? block("track_interface", vrrp.trackInterfaces) : []),
    ]);
}

/**
 * The whole keepalived.conf of a director: who wrote it, its router ID (and connection synchronisation), its
 * side of a pair's VRRP, then one block per virtual service. `password`: the VRRP password, for the file on
 * the director only; elsewhere PASSWORD_PLACEHOLDER stands in its place.
 */
export function keepalivedConf(director: string, tables: ServiceTable[], vrrp?: VrrpInstance, password = PASSWORD_PLACEHOLDER): string {
    const sync = vrrp?.syncInterface ? [`lvs_sync_daemon ${vrrp.syncInterface} ${vrrpInstanceName(vrrp)} id ${vrrp.virtualRouterId}`] : [];
    const lines = [
        `# keepalived.conf of director ${director}, rendered by pulumi-lvs from its stack's virtual services.`,
        "# An edit here is drift: pulumi preview shows it and pulumi up puts this text back; change the stack instead.",
        "",
        ...block("global_defs", [`router_id ${director}`, ...sync]),
        ...(vrrp ? ["", ...vrrpBlock(vrrp, password)] : []),
        ...tables.flatMap((t) => ["", ...virtualServerBlock(t)]),
    ];
    return `${lines.join("\n")}\n`;
}

/**
 * keepalived.conf as read from a director, with its VRRP password put out of sight: PASSWORD_PLACEHOLDER where
 * it is the stack's, and another word where it is not (drift, without the value).
 */
export function maskPassword(config: string, password: string | undefined): string {
    return config.replace(
        /^(\s*auth_pass\s+)(\S+)/gm,
        (_all, head: string, found: string) => `${head}${found === password ? PASSWORD_PLACEHOLDER : "[not the stack's secret]"}`,
    );
}
