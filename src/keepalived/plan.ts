// How a change reaches a keepalived that holds a director's table, planned
// from the model alone (the provider runs the steps). keepalived applies the
// difference between the file it ran with and the new one, and that shapes
// every step:
//  - an entry keepalived holds but the kernel lacks (deleted by hand) is not
//    re-added by a reload, since it is not new to keepalived (keepalived
//    #1877): a first reload without it makes keepalived forget it, the next
//    one adds it back;
//  - a real server that goes is drained first: weight 0 in the file, reload,
//    wait for its connections, then the file without it (keepalived #1228);
//  - a server a failing health check took out is not drift: with
//    inhibit_on_failure it stays at weight 0; without, it is gone from the
//    kernel, and only keepalived knows why, so its absence is not judged.
import { entryKey, type ServiceTable, serviceKey } from "../ipvs/model";

/** Whether the kernel's absence of an entry of this service means something is wrong (not a failing check). */
export function entriesTracked(table: Pick<ServiceTable, "healthCheck">): boolean {
    return !table.healthCheck || table.healthCheck.inhibitOnFailure;
}

/** What of `want` the live table lacks: services, and the tracked entries of services it has. */
export function lacking(want: ServiceTable[], live: ServiceTable[]): { services: string[]; entries: { service: string; entry: string }[] } {
    const liveByKey = new Map(live.map((t) => [serviceKey(t.service), new Set(t.realServers.map(entryKey))]));
    const services: string[] = [];
    const entries: { service: string; entry: string }[] = [];
    for (const t of want) {
        const key = serviceKey(t.service);
        const held = liveByKey.get(key);
        if (!held) services.push(key);
        else if (entriesTracked(t)) {
            for (const e of t.realServers) if (!held.has(entryKey(e))) entries.push({ service: key, entry: entryKey(e) });
        }
    }
    return { services, entries };
}

/** The tables without what the live table lacks: the file keepalived reloads first, so that the next reload adds it back. */
export function withoutLacking(want: ServiceTable[], live: ServiceTable[]): ServiceTable[] {
    const gone = lacking(want, live);
    const goneServices = new Set(gone.services);
    const goneEntries = new Set(gone.entries.map((e) => `${e.service} ${e.entry}`));
    return want
        .filter((t) => !goneServices.has(serviceKey(t.service)))
        .map((t) => ({ ...t, realServers: t.realServers.filter((e) => !goneEntries.has(`${serviceKey(t.service)} ${entryKey(e)}`)) }));
}

/** A real server on its way out of a service that stays: drained at weight 0 before the file loses it. */
export interface Leaving {
    service: ServiceTable["service"];
    entries: string[];
}

/**
 * The step before a removal: `want`, plus each real server that `held` has and `want` drops (in a service both
 * have) at weight 0, in its old place. None leaving: nothing to drain, no extra step.
 */
export function quiesceLeaving(held: ServiceTable[], want: ServiceTable[]): { tables: ServiceTable[]; leaving: Leaving[] } {
    const heldByKey = new Map(held.map((t) => [serviceKey(t.service), t]));
    const leaving: Leaving[] = [];
    const tables = want.map((t) => {
        const before = heldByKey.get(serviceKey(t.service));
        if (!before) return t;
        const kept = new Set(t.realServers.map(entryKey));
        const going = before.realServers.filter((e) => !kept.has(entryKey(e)));
        if (going.length === 0) return t;
        leaving.push({ service: t.service, entries: going.map(entryKey) });
        return { ...t, realServers: [...t.realServers, ...going.map((e) => ({ ...e, weight: 0 }))] };
    });
    return { tables, leaving };
}

/**
 * What the live table still lacks of the file keepalived was given, in one line each; none when it holds every
 * service with its settings, each tracked entry at its weight (or at 0, where a health check found it
 * failing) and no other entry, and none of the services `gone`.
 */
export function notYetLive(want: ServiceTable[], live: ServiceTable[], gone: string[] = []): string[] {
    const liveByKey = new Map(live.map((t) => [serviceKey(t.service), t]));
    const problems: string[] = [];
    for (const t of want) {
        const key = serviceKey(t.service);
        const l = liveByKey.get(key);
        if (!l) {
            problems.push(`service ${key} is not in the table`);
            continue;
        }
        if (l.service.scheduler !== t.service.scheduler)
            problems.push(`service ${key} has scheduler ${l.service.scheduler}, not ${t.service.scheduler}`);
        if (!entriesTracked(t)) continue;
        const weights = new Map(l.realServers.map((e) => [entryKey(e), e.weight]));
        for (const e of t.realServers) {
            const weight = weights.get(entryKey(e));
            if (weight === undefined) problems.push(`${key} -> ${entryKey(e)} is not in the table`);
            else if (weight !== e.weight && !(t.healthCheck && weight === 0))
                problems.push(`${key} -> ${entryKey(e)} has weight ${weight}, not ${e.weight}`);
        }
        const wanted = new Set(t.realServers.map(entryKey));
        for (const entry of weights.keys()) if (!wanted.has(entry)) problems.push(`${key} -> ${entry} is still in the table`);
    }
    for (const key of gone) if (liveByKey.has(key)) problems.push(`service ${key} is still in the table`);
    return problems;
}
