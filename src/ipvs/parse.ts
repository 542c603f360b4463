// Reading a live table back into the model: `ipvsadm-save -n` for the
// services and their real servers, `ipvsadm -L -n` for active and inactive
// connections, and `ipvsadm -L -n --stats --exact` for the counters.
import {
    DEFAULT_PERSISTENCE_SECONDS,
    ForwardingMethod,
    Protocol,
    RealServerEntry,
    SCHEDULERS,
    Scheduler,
    serviceKey,
    ServiceTable,
    VirtualService,
} from "./model";

const PROTOCOL_BY_OPTION: Record<string, Protocol> = {
    "-t": "tcp",
    "--tcp-service": "tcp",
    "-u": "udp",
    "--udp-service": "udp",
    "--sctp-service": "sctp",
};
const FORWARDING_BY_OPTION: Record<string, ForwardingMethod> = {
    "-m": "nat",
    "--masquerading": "nat",
    "-g": "dr",
    "--gatewaying": "dr",
    "-i": "tun",
    "--ipip": "tun",
};
const FORWARDING_BY_LISTING: Record<string, ForwardingMethod> = { Masq: "nat", Route: "dr", Local: "dr", Tunnel: "tun" };

/** `192.168.2.100:80` or `[2001:db8::1]:80` into its address and port. */
export function splitHostPort(text: string): { address: string; port: number } {
    const colon = text.lastIndexOf(":");
    const address = text.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
    return { address, port: Number(text.slice(colon + 1)) };
}

type ServiceId = { protocol: Protocol; address: string; port: number } | { fwmark: number };

/** Reads the service part of a rule (`-t a:p`, `-f 7`); returns it and the remaining tokens. */
function takeService(tokens: string[]): ServiceId | undefined {
    for (let i = 0; i < tokens.length - 1; i++) {
        const option = tokens[i]!;
        const protocol = PROTOCOL_BY_OPTION[option];
        if (protocol) {
            const [value] = tokens.splice(i, 2).slice(1);
            return { protocol, ...splitHostPort(value!) };
        }
        if (option === "-f" || option === "--fwmark-service") {
            const [value] = tokens.splice(i, 2).slice(1);
            return { fwmark: Number(value) };
        }
    }
    return undefined;
}

function optionValue(tokens: string[], ...names: string[]): string | undefined {
    const i = tokens.findIndex((t) => names.includes(t));
    return i >= 0 ? tokens[i + 1] : undefined;
}

/**
 * Parses `ipvsadm-save -n` (or /etc/ipvsadm.rules) into services with their
 * real servers, in the order listed. Options the model does not know are ignored.
 */
export function parseSavedRules(text: string): ServiceTable[] {
    const tables = new Map<string, ServiceTable>();
    for (const line of text.split("\n")) {
        const tokens = line.trim().split(/\s+/).filter(Boolean);
        const command = tokens.shift();
        if (command !== "-A" && command !== "-a") continue;
        const id = takeService(tokens);
        if (!id) continue;
        const key = serviceKey(id);
        if (command === "-A") {
            const scheduler = (optionValue(tokens, "-s", "--scheduler") ?? "wlc") as Scheduler;
            const service: VirtualService = { ...id, scheduler, flags: [] };
            const flags = optionValue(tokens, "-b", "--sched-flags");
            if (flags) service.flags = flags.split(",").sort();
            const persistentAt = tokens.findIndex((t) => t === "-p" || t === "--persistent");
            if (persistentAt >= 0) {
                const next = tokens[persistentAt + 1];
                const timeout = next !== undefined && /^\d+$/.test(next) ? Number(next) : DEFAULT_PERSISTENCE_SECONDS;
                const netmask = optionValue(tokens, "-M", "--netmask");
                service.persistence = netmask && netmask !== "255.255.255.255" ? { timeout, netmask } : { timeout };
            }
            tables.set(key, { service, realServers: [] });
        } else {
            const table = tables.get(key);
            const server = optionValue(tokens, "-r", "--real-server");
            if (!table || !server) continue;
            const forwarding = tokens.map((t) => FORWARDING_BY_OPTION[t]).find((f) => f !== undefined) ?? "dr";
            const weight = Number(optionValue(tokens, "-w", "--weight") ?? 1);
            table.realServers.push({ ...splitHostPort(server), forwarding, weight });
        }
    }
    return [...tables.values()];
}

/** True for schedulers this model knows (a live table may hold others, e.g. twos on newer kernels). */
export function isKnownScheduler(name: string): name is Scheduler {
    return (SCHEDULERS as readonly string[]).includes(name);
}

/** A real server's connections and counters, as the listings show them. */
export interface EntryCounters {
    forwarding?: ForwardingMethod;
    weight?: number;
    activeConnections: number;
    inactiveConnections: number;
    /** Connections scheduled so far (`--stats`). */
    connections?: number;
    inPackets?: number;
    outPackets?: number;
    inBytes?: number;
    outBytes?: number;
}

/** Counters of each real server, by `serviceKey` then `entryKey`. */
export type TableCounters = Map<string, Map<string, EntryCounters>>;

/** The service key a listing's service line names: `TCP  192.168.145.100:80 rr` or `FWM  7 mh`. */
function listedServiceKey(line: string): string | undefined {
    const m = /^(TCP|UDP|SCTP|FWM)\s+(\S+)/.exec(line);
    if (!m) return undefined;
    return m[1] === "FWM" ? `fwmark ${Number(m[2])}` : `${m[1]!.toLowerCase()} ${m[2]}`;
}

/**
 * Merges `ipvsadm -L -n` (forwarding, weight, ActiveConn, InActConn) and,
 * when given, `ipvsadm -L -n --stats --exact` (Conns, InPkts, OutPkts,
 * InBytes, OutBytes) into counters per real server.
 */
export function parseCounters(listing: string, stats = ""): TableCounters {
    const counters: TableCounters = new Map();
    const entry = (service: string, key: string): EntryCounters => {
        let entries = counters.get(service);
        if (!entries) counters.set(service, (entries = new Map()));
        let e = entries.get(key);
        if (!e) entries.set(key, (e = { activeConnections: 0, inactiveConnections: 0 }));
        return e;
    };
    let service: string | undefined;
    for (const line of listing.split("\n")) {
        service = listedServiceKey(line) ?? service;
        const m = /^\s+->\s+(\S+)\s+(\w+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
        if (service && m) {
            Object.assign(entry(service, m[1]!), {
                forwarding: FORWARDING_BY_LISTING[m[2]!],
                weight: Number(m[3]),
                activeConnections: Number(m[4]),
                inactiveConnections: Number(m[5]),
            });
        }
    }
    service = undefined;
    for (const line of stats.split("\n")) {
        service = listedServiceKey(line) ?? service;
        const m = /^\s+->\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
        if (service && m) {
            Object.assign(entry(service, m[1]!), {
                connections: Number(m[2]),
                inPackets: Number(m[3]),
                outPackets: Number(m[4]),
                inBytes: Number(m[5]),
                outBytes: Number(m[6]),
            });
        }
    }
    return counters;
}

export type { RealServerEntry };
