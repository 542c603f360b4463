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

/** The whole keepalived.conf of a director: who wrote it, its router ID, then one block per virtual service. */
export function keepalivedConf(director: string, tables: ServiceTable[]): string {
    const lines = [
        `# keepalived.conf of director ${director}, rendered by pulumi-lvs from its stack's virtual services.`,
        "# An edit here is drift: pulumi preview shows it and pulumi up puts this text back; change the stack instead.",
        "",
        ...block("global_defs", [`router_id ${director}`]),
        ...tables.flatMap((t) => ["", ...virtualServerBlock(t)]),
    ];
    return `${lines.join("\n")}\n`;
}
