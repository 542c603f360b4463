// Changing a live virtual service into the desired one, as kube-proxy's IPVS
// proxier does: compare the two tables and apply only the difference, in
// place. The table is never flushed: a new scheduler or weight is an edit
// (`-E`/`-e`), and a real server on its way out is first quiesced (weight 0)
// and drained of its active connections before its entry is deleted.
import { entryKey, RealServerEntry, sameServiceSettings, serviceArgument, serviceKey, ServiceTable, VirtualService } from "./model";
import { sh, words } from "../shell";
import { entryOptions, serviceOptions } from "./render";

/** One ipvsadm command line, every word quoted. */
function ipvsadm(...args: string[]): string {
    return sh`ipvsadm ${words(args)}`;
}

export type Change =
    | { kind: "add-service"; service: VirtualService }
    | { kind: "edit-service"; service: VirtualService; from: VirtualService }
    | { kind: "add"; entry: RealServerEntry }
    | { kind: "edit"; entry: RealServerEntry; from: RealServerEntry }
    /** Weight to 0 so that no new connection goes there, then wait for the active ones to end. */
    | { kind: "drain"; entry: RealServerEntry; from: RealServerEntry; remove: boolean };

/** What to do, in three phases: change now, wait for drains, then delete the drained entries. */
export interface SyncPlan {
    changes: Change[];
    /** ipvsadm commands applied at once (adds, edits, and weight 0 for whatever drains). */
    apply: string[];
    /** Entries (`address:port`) to wait for until their active connections end. */
    drain: string[];
    /** ipvsadm commands run once the drain is over. */
    remove: string[];
}

function sameEntry(a: RealServerEntry, b: RealServerEntry): boolean {
    return a.forwarding === b.forwarding && a.weight === b.weight;
}

/** The changes that turn `live` (absent: no such service) into `desired`. */
export function planSync(desired: ServiceTable, live: ServiceTable | undefined): SyncPlan {
    const svc = serviceArgument(desired.service);
    const changes: Change[] = [];
    if (!live) changes.push({ kind: "add-service", service: desired.service });
    else if (!sameServiceSettings(live.service, desired.service))
        changes.push({ kind: "edit-service", service: desired.service, from: live.service });

    const liveEntries = new Map((live?.realServers ?? []).map((e) => [entryKey(e), e]));
    const wanted = new Set(desired.realServers.map(entryKey));
    for (const entry of desired.realServers) {
        const current = liveEntries.get(entryKey(entry));
        if (!current) changes.push({ kind: "add", entry });
        else if (entry.weight === 0 && current.weight > 0) changes.push({ kind: "drain", entry, from: current, remove: false });
        else if (!sameEntry(current, entry)) changes.push({ kind: "edit", entry, from: current });
    }
    for (const [key, current] of liveEntries) {
        if (!wanted.has(key)) changes.push({ kind: "drain", entry: { ...current, weight: 0 }, from: current, remove: true });
    }

    const apply: string[] = [];
    const remove: string[] = [];
    for (const change of changes) {
        switch (change.kind) {
            case "add-service":
                apply.push(ipvsadm("-A", ...svc, ...serviceOptions(change.service)));
                break;
            case "edit-service":
                apply.push(ipvsadm("-E", ...svc, ...serviceOptions(change.service)));
                break;
            case "add":
                apply.push(ipvsadm("-a", ...svc, "-r", entryKey(change.entry), ...entryOptions(change.entry)));
                break;
            case "edit":
                apply.push(ipvsadm("-e", ...svc, "-r", entryKey(change.entry), ...entryOptions(change.entry)));
                break;
            case "drain":
                if (change.from.weight > 0) apply.push(ipvsadm("-e", ...svc, "-r", entryKey(change.entry), ...entryOptions(change.entry)));
                if (change.remove) remove.push(ipvsadm("-d", ...svc, "-r", entryKey(change.entry)));
                break;
        }
    }
    const drain = changes.filter((c) => c.kind === "drain").map((c) => entryKey(c.entry));
    return { changes, apply, drain, remove };
}

function settings(s: VirtualService): string {
    const parts = [`scheduler ${s.scheduler}`];
    if (s.flags.length > 0) parts.push(`flags ${s.flags.join(",")}`);
    parts.push(
        s.persistence
            ? `persistence ${s.persistence.timeout} s` + (s.persistence.netmask ? ` mask ${s.persistence.netmask}` : "")
            : "no persistence",
    );
    return parts.join(", ");
}

/** One line per change, in the words of the table, for logs and previews. */
export function describeChange(service: VirtualService, change: Change): string {
    const svc = `service ${serviceKey(service)}`;
    switch (change.kind) {
        case "add-service":
            return `${svc} added (${settings(change.service)})`;
        case "edit-service":
            return `${svc} edited in place: ${settings(change.from)} -> ${settings(change.service)}`;
        case "add":
            return `${svc}: real server ${entryKey(change.entry)} added (${change.entry.forwarding}, weight ${change.entry.weight})`;
        case "edit": {
            const what: string[] = [];
            if (change.from.forwarding !== change.entry.forwarding)
                what.push(`forwarding ${change.from.forwarding} -> ${change.entry.forwarding}`);
            if (change.from.weight !== change.entry.weight) what.push(`weight ${change.from.weight} -> ${change.entry.weight}`);
            return `${svc}: real server ${entryKey(change.entry)} ${what.join(", ")}`;
        }
        case "drain":
            return change.remove
                ? `${svc}: real server ${entryKey(change.entry)} quiesced (weight 0), drained, then removed`
                : `${svc}: real server ${entryKey(change.entry)} quiesced (weight ${change.from.weight} -> 0) and drained`;
    }
}
