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
//    kernel, and only keepalived knows why, so its absence is not judged;
//  - a scheduler or weight changed by hand (`ipvsadm -E`, `-e`) is not put
//    back by a reload of an unchanged file either: a first reload of the file
//    with the values found makes keepalived believe them, the next one, of
//    the file as declared, has keepalived change them back itself.
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

/** Whether a tracked entry's live weight differs from the declared one for a reason other than a failing check. */
function weightEdited(table: Pick<ServiceTable, "healthCheck">, declared: number, live: number): boolean {
    return live !== declared && !(table.healthCheck && live === 0);
}

/** A value the kernel has otherwise than declared, which a reload of the file as declared would not put back. */
interface HandEdit {
    service: string;
    /** The entry (`address:port`) whose weight it is; absent: the service's scheduler. */
    entry?: string;
    value: string | number;
}

/**
 * What the live table has otherwise than `want` declares though keepalived holds it, and a reload of `want`
 * would leave so: a service's scheduler, or a tracked entry's weight (not a 0 that a failing check set),
 * changed by hand. keepalived applies only what changed between the file it ran with (`before`: what the
 * stack declared before, or `want` when unknown) and the new one, and keeps an entry it finds existing as
 * it is; so a value the stack changes now is keepalived's to apply, and only the others count.
 */
function handEdits(want: ServiceTable[], live: ServiceTable[], before: ServiceTable[] = want): HandEdit[] {
    const liveByKey = new Map(live.map((t) => [serviceKey(t.service), t]));
    const beforeByKey = new Map(before.map((t) => [serviceKey(t.service), t]));
    const edits: HandEdit[] = [];
    for (const t of want) {
        const key = serviceKey(t.service);
        const l = liveByKey.get(key);
        if (!l) continue;
        const b = beforeByKey.get(key);
        if (l.service.scheduler !== t.service.scheduler && (!b || b.service.scheduler === t.service.scheduler))
            edits.push({ service: key, value: l.service.scheduler });
        if (!entriesTracked(t)) continue;
        const weights = new Map(l.realServers.map((e) => [entryKey(e), e.weight]));
        const weightsBefore = new Map((b?.realServers ?? []).map((e) => [entryKey(e), e.weight]));
        for (const e of t.realServers) {
            const weight = weights.get(entryKey(e));
            const declaredBefore = weightsBefore.get(entryKey(e));
            if (weight !== undefined && weightEdited(t, e.weight, weight) && (declaredBefore === undefined || declaredBefore === e.weight))
                edits.push({ service: key, entry: entryKey(e), value: weight });
        }
    }
    return edits;
}

/** The hand edits (handEdits) in one line each, for the warning and the step's status. */
export function editedByHand(want: ServiceTable[], live: ServiceTable[], before?: ServiceTable[]): string[] {
    return handEdits(want, live, before).map((e) =>
        e.entry === undefined ? `service ${e.service} scheduler ${e.value}` : `${e.service} -> ${e.entry} weight ${e.value}`,
    );
}

/** `want` with the hand edits in it: the file reloaded first, so that the next reload, of `want`, undoes them. */
export function asFound(want: ServiceTable[], live: ServiceTable[], before?: ServiceTable[]): ServiceTable[] {
    const edits = handEdits(want, live, before);
    return want.map((t) => {
        const key = serviceKey(t.service);
        const scheduler = edits.find((e) => e.service === key && e.entry === undefined);
        const weight = (entry: string) => edits.find((e) => e.service === key && e.entry === entry);
        return {
            ...t,
            service: scheduler ? { ...t.service, scheduler: scheduler.value as ServiceTable["service"]["scheduler"] } : t.service,
            realServers: t.realServers.map((e) => {
                const edit = weight(entryKey(e));
                return edit ? { ...e, weight: edit.value as number } : e;
            }),
        };
    });
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
            else if (weightEdited(t, e.weight, weight)) problems.push(`${key} -> ${entryKey(e)} has weight ${weight}, not ${e.weight}`);
        }
        const wanted = new Set(t.realServers.map(entryKey));
        for (const entry of weights.keys()) if (!wanted.has(entry)) problems.push(`${key} -> ${entry} is still in the table`);
    }
    for (const key of gone) if (liveByKey.has(key)) problems.push(`service ${key} is still in the table`);
    return problems;
}
