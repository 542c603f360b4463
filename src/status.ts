// A director's live IPVS state for people: each virtual service of the stack
// with its real servers' active and inactive connections and counters, a bar
// per real server for its share of the connections, and whether the live
// table matches what the stack wants (and if not, how it differs). Where
// keepalived checks a service, each real server's health as keepalived shows
// it in the table: at weight 0 (inhibit_on_failure) or gone, it is down, and
// that is keepalived doing its job, not a difference from the stack.
import { entryKey, EntryCounters, RealServerEntry, serviceKey, ServiceTable, TableCounters } from "./ipvs";
import { entriesTracked } from "./keepalived/plan";
import { FORWARDING_LISTED } from "./ipvs/render";

/** How a live service differs from the desired one, one line per difference (none: it matches). */
export function differences(desired: ServiceTable, live: ServiceTable | undefined): string[] {
    if (!live) return ["the service is missing from the director"];
    const out: string[] = [];
    const d = desired.service;
    const l = live.service;
    if (d.scheduler !== l.scheduler) out.push(`scheduler ${l.scheduler} (stack: ${d.scheduler})`);
    if (d.flags.join(",") !== l.flags.join(",")) out.push(`flags ${l.flags.join(",") || "none"} (stack: ${d.flags.join(",") || "none"})`);
    const persistence = (t: ServiceTable["service"]) => (t.persistence ? `${t.persistence.timeout} s` : "none");
    if (persistence(d) !== persistence(l)) out.push(`persistence ${persistence(l)} (stack: ${persistence(d)})`);
    const liveEntries = new Map(live.realServers.map((e) => [entryKey(e), e]));
    for (const e of desired.realServers) {
        const found = liveEntries.get(entryKey(e));
        if (!found) {
            if (entriesTracked(desired)) out.push(`real server ${entryKey(e)} is missing`);
        } else {
            if (found.weight !== e.weight && healthOf(desired, e, found) !== "down")
                out.push(`real server ${entryKey(e)} has weight ${found.weight} (stack: ${e.weight})`);
            if (found.forwarding !== e.forwarding)
                out.push(`real server ${entryKey(e)} is forwarded by ${found.forwarding} (stack: ${e.forwarding})`);
        }
        liveEntries.delete(entryKey(e));
    }
    for (const key of liveEntries.keys()) out.push(`real server ${key} is not in the stack`);
    return out;
}

/**
 * A real server's health as keepalived shows it in the table: down when its check took it out (weight 0 with
 * inhibit_on_failure, or no entry without); undefined where nothing checks the service.
 */
export function healthOf(desired: ServiceTable, entry: RealServerEntry, live: RealServerEntry | undefined): "up" | "down" | undefined {
    const hc = desired.healthCheck;
    if (!hc) return undefined;
    if (!live) return hc.inhibitOnFailure ? undefined : "down";
    return live.weight === 0 && entry.weight > 0 && hc.inhibitOnFailure ? "down" : "up";
}

function bar(share: number, width = 20): string {
    const filled = Math.round(Math.max(0, Math.min(1, share)) * width);
    return "█".repeat(filled) + "░".repeat(width - filled);
}

/** A row's health column: its state as keepalived shows it (none where nothing checks the service). */
function health(want: ServiceTable, live: RealServerEntry): string {
    const wanted = want.realServers.find((e) => entryKey(e) === entryKey(live));
    const state = wanted ? healthOf(want, wanted, live) : undefined;
    return state === undefined ? "" : state === "up" ? "  health: up" : "  health: DOWN (failing its check: weight 0)";
}

/** The report: one block per desired service, rows per real server (live ones, and desired ones that are missing). */
export function renderStatus(
    director: string,
    desired: ServiceTable[],
    live: ServiceTable[],
    counters: TableCounters,
    names: Map<string, string>,
): string {
    const lines: string[] = [];
    for (const want of desired) {
        const key = serviceKey(want.service);
        const have = live.find((t) => serviceKey(t.service) === key);
        const diff = differences(want, have);
        const hc = want.healthCheck;
        lines.push(
            `${director}: service ${key} ${have ? have.service.scheduler : "-"}: ` +
                `${diff.length === 0 ? "matches the stack" : "DIFFERS from the stack"}` +
                (hc ? `; health: keepalived's ${hc.type}${hc.type === "HTTP_GET" ? ` ${hc.path}` : ""} every ${hc.delayLoop} s` : ""),
        );
        for (const d of diff) lines.push(`  ! ${d}`);
        const rows = [...(have?.realServers ?? [])];
        const stats = counters.get(key) ?? new Map<string, EntryCounters>();
        const total = rows.reduce(
            (sum, e) => sum + (stats.get(entryKey(e))?.activeConnections ?? 0) + (stats.get(entryKey(e))?.inactiveConnections ?? 0),
            0,
        );
        lines.push(
            `  ${"real server".padEnd(26)} ${"fwd".padEnd(6)} ${"weight".padStart(6)} ${"active".padStart(7)} ` +
                `${"inact".padStart(7)} ${"conns".padStart(8)} ${"in pkts".padStart(9)} ${"out pkts".padStart(9)}  share`,
        );
        for (const e of rows) {
            const c = stats.get(entryKey(e));
            const conns = (c?.activeConnections ?? 0) + (c?.inactiveConnections ?? 0);
            const name = names.get(e.address);
            lines.push(
                `  ${`${name ? `${name} ` : ""}${entryKey(e)}`.padEnd(26)} ` +
                    `${FORWARDING_LISTED[e.forwarding].padEnd(6)} ${String(e.weight).padStart(6)} ` +
                    `${String(c?.activeConnections ?? 0).padStart(7)} ` +
                    `${String(c?.inactiveConnections ?? 0).padStart(7)} ${String(c?.connections ?? 0).padStart(8)} ` +
                    `${String(c?.inPackets ?? 0).padStart(9)} ${String(c?.outPackets ?? 0).padStart(9)}  ` +
                    `${bar(total ? conns / total : 0)} ${total ? Math.round((100 * conns) / total) : 0}%` +
                    health(want, e),
            );
        }
        // Without inhibit_on_failure keepalived removes a failing server: listed, as down.
        for (const e of want.realServers) {
            if (!rows.some((r) => entryKey(r) === entryKey(e)) && healthOf(want, e, undefined) === "down")
                lines.push(
                    `  ${`${names.get(e.address) ? `${names.get(e.address)} ` : ""}${entryKey(e)}`.padEnd(26)} DOWN: out of the table`,
                );
        }
        if (rows.length === 0) lines.push("  (no real server in the live table)");
    }
    return lines.join("\n") + "\n";
}
