// lvs:keepalived:Keepalived: keepalived holding a director's table, with its
// health checks. Create and update place keepalived.conf (rendered from the
// services, tested by keepalived before it replaces the running file) and
// reload: first without what the kernel lacks (so that the next reload adds
// it back), then with the real servers on their way out at weight 0 (drained
// of their connections), then the file as declared; after each step it waits
// until the live table shows it, so that `up` returns with the table in
// place. keepalived is started only when it is not running: a restart would
// drop the table. Read reports the file as found, whether keepalived runs,
// and each service and tracked entry the kernel has, with the scheduler and
// weights found (a server a failing check set to weight 0 is not drift); a
// scheduler or weight changed by hand is put back by keepalived, in two
// reloads. The plan is src/keepalived/plan.ts.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { parseSavedRules, planSync, serviceArgument, serviceKey, type ServiceTable } from "../../src/ipvs";
import { entryKey } from "../../src/ipvs/model";
import { maskPassword } from "../../src/keepalived/render";
import { asFound, editedByHand, entriesTracked, lacking, notYetLive, quiesceLeaving, withoutLacking } from "../../src/keepalived/plan";
import { configOf, directorFileOf, KeepalivedState, keepalivedStateSchema, keepalivedTables } from "./state";
import { stateOf } from "../virtualService/state";
import {
    applyConfigScript,
    holdsAddressScript,
    journalSinceScript,
    liveTableScript,
    parseKeepalivedRead,
    parseLiveTable,
    placeConfigScript,
    readKeepalivedScript,
    removeKeepalivedScript,
    tableCommandsScript,
} from "./scripts";
import { defineFact, FactContext } from "../../provider/fact";
import { runScript } from "../../provider/host";
import { drain } from "../../provider/drain";

/** How long keepalived gets to make the table what its file says (emulated hosts are slow). */
const SETTLE_SECONDS = 30;

async function readLive(ctx: FactContext, hostName: string) {
    const read = parseKeepalivedRead(await runScript(ctx.transport, "read of keepalived", readKeepalivedScript(hostName), ctx.warn));
    return { ...read, tables: parseSavedRules(read.live) };
}

async function liveTables(ctx: FactContext, hostName: string): Promise<{ tables: ServiceTable[]; listing: string }> {
    const out = parseLiveTable(await runScript(ctx.transport, "read of the IPVS table", liveTableScript(hostName), ctx.warn));
    return { tables: parseSavedRules(out.saved), listing: out.listing };
}

/**
 * Places the file for `tables` and the state's VRRP (after keepalived's own test) and has keepalived apply it;
 * returns the host's time before.
 */
async function apply(ctx: FactContext, d: KeepalivedState, tables: ServiceTable[], step: string): Promise<number | undefined> {
    const hostName = d.hostName;
    ctx.status(`keepalived: ${step}`);
    const services = tables.map((t) => serviceArgument(t.service));
    await runScript(ctx.transport, "keepalived.conf", placeConfigScript(hostName, services), ctx.warn, directorFileOf(d, tables));
    const out = await runScript(ctx.transport, "keepalived reload", applyConfigScript(hostName), ctx.warn);
    const since = /^since (\d+)$/m.exec(out)?.[1];
    return since === undefined ? undefined : Number(since);
}

/** Waits until the live table shows `tables` (and none of `gone`); fails naming what is missing. */
async function settle(ctx: FactContext, hostName: string, tables: ServiceTable[], gone: string[] = []): Promise<string> {
    const start = Date.now();
    const deadline = start + SETTLE_SECONDS * 1000;
    for (let round = 0; ; round++) {
        const live = await liveTables(ctx, hostName);
        const missing = notYetLive(tables, live.tables, gone);
        if (missing.length === 0) return live.listing;
        if (Date.now() > deadline) {
            throw new Error(
                `keepalived on ${hostName} did not make the table what keepalived.conf says within ${SETTLE_SECONDS} s: ` +
                    `${missing.slice(0, 3).join("; ")}: see \`journalctl -u keepalived\` on the director`,
            );
        }
        if (round % 4 === 3) ctx.status(`keepalived: waiting for the table (${Math.round((Date.now() - start) / 1000)} s): ${missing[0]}`);
        await sleep(500);
    }
}

/**
 * Waits until keepalived's journal shows `words` since a reload (the host's time before it), so that the next
 * reload is not taken together with this one: without the journal (or its words), a fixed time.
 */
async function journalSays(ctx: FactContext, hostName: string, since: number | undefined, words: RegExp): Promise<void> {
    const deadline = Date.now() + SETTLE_SECONDS * 1000;
    while (since !== undefined && Date.now() < deadline) {
        const said = await runScript(ctx.transport, "keepalived's journal", journalSinceScript(hostName, since), ctx.warn);
        if (words.test(said)) return;
        await sleep(500);
    }
    // Time is all there is: keepalived reads a reload's file within a second.
    await sleep(2000);
}

/** keepalived's words for a file read without what the kernel lacks (it names what it forgets). */
const FORGOTTEN = /Removing Virtual Server|no longer exist/;
/** keepalived's word for a reload taken, and a second for its checker to apply the file (it says no more). */
async function reloaded(ctx: FactContext, hostName: string, since: number | undefined): Promise<void> {
    await journalSays(ctx, hostName, since, /Reloading/);
    await sleep(1000);
}

/**
 * Makes services that already exist (pulumi-lvs's own table, handed over, or entries left by hand) what the
 * stack declares, before keepalived first starts: keepalived keeps an existing entry as it finds it.
 */
async function adopt(ctx: FactContext, d: KeepalivedState, want: ServiceTable[], live: ServiceTable[]): Promise<void> {
    for (const table of want) {
        const found = live.find((t) => serviceKey(t.service) === serviceKey(table.service));
        if (!found) continue;
        const plan = planSync(table, found);
        if (plan.apply.length > 0)
            await runScript(ctx.transport, "IPVS table change", tableCommandsScript(d.hostName, plan.apply), ctx.warn);
        if (plan.drain.length > 0) {
            await drain(ctx, d.hostName, table.service, plan.drain, d.drainTimeout);
            await runScript(ctx.transport, "IPVS table change", tableCommandsScript(d.hostName, plan.remove), ctx.warn);
        }
    }
}

/**
 * Whether this director forwards the VIP's traffic: a single director always; one of a pair only while it
 * holds the VIP (the master). The backup's table carries no connection of its own (those synchronised to it
 * end with the master's), so a real server leaves it without a drain.
 */
async function carriesTraffic(ctx: FactContext, d: KeepalivedState): Promise<boolean> {
    const vip = d.vrrp?.addresses[0]?.address;
    if (!vip) return true;
    const out = await runScript(ctx.transport, "VRRP state", holdsAddressScript(d.hostName, vip), ctx.warn);
    if (/^holds yes$/m.test(out)) return true;
    ctx.status(`keepalived: the other director holds the VIP: real servers leave this one's table without a drain`);
    return false;
}

async function converge(
    ctx: FactContext,
    d: KeepalivedState,
    olds?: KeepalivedState,
    declaredBefore?: KeepalivedState,
): Promise<{ ipvsTable: string }> {
    const want = keepalivedTables(d.virtualServices);
    const live = await readLive(ctx, d.hostName);
    if (!live.active) await adopt(ctx, d, want, live.tables);
    else {
        const missing = lacking(want, live.tables);
        if (missing.services.length + missing.entries.length > 0) {
            const what = [...missing.services, ...missing.entries.map((e) => `${e.service} -> ${e.entry}`)].join(", ");
            ctx.warn(`keepalived on ${d.hostName} held ${what} but the kernel's table did not (deleted by hand?): restoring`);
            const since = await apply(ctx, d, withoutLacking(want, live.tables), `forgetting ${what}`);
            await journalSays(ctx, d.hostName, since, FORGOTTEN);
        }
        const before = declaredBefore?.virtualServices ? keepalivedTables(declaredBefore.virtualServices) : undefined;
        const edits = editedByHand(want, live.tables, before);
        if (edits.length > 0) {
            ctx.warn(
                `keepalived on ${d.hostName} held ${edits.join(", ")} where keepalived.conf says otherwise (changed by hand?): restoring`,
            );
            const since = await apply(ctx, d, asFound(want, live.tables, before), `taking in ${edits.join(", ")}`);
            await reloaded(ctx, d.hostName, since);
        }
    }
    const held = olds ? keepalivedTables(olds.virtualServices) : [];
    const quiesce = quiesceLeaving(held, want);
    if (live.active && quiesce.leaving.length > 0 && (await carriesTraffic(ctx, d))) {
        await apply(ctx, d, quiesce.tables, "quiescing real servers on their way out");
        await settle(ctx, d.hostName, quiesce.tables);
        for (const l of quiesce.leaving) await drain(ctx, d.hostName, l.service, l.entries, d.drainTimeout);
    }
    const since = await apply(ctx, d, want, live.active ? "reload" : "start");
    const gone = held.map((t) => serviceKey(t.service)).filter((key) => !(key in d.virtualServices));
    const listing = await settle(ctx, d.hostName, want, gone);
    if (!live.active && d.vrrp) await vrrpSettled(ctx, d, since);
    return { ipvsTable: listing.trimEnd() };
}

/**
 * After a pair director's keepalived starts, until VRRP has settled, so that `up` returns with the VIP held: it
 * starts as BACKUP and becomes master when it hears no master for 3 adverts and its skew; a director still
 * BACKUP past that has heard the other one, the master. (A reload leaves the VRRP state as it is.)
 */
async function vrrpSettled(ctx: FactContext, d: KeepalivedState, since: number | undefined): Promise<void> {
    const vrrp = d.vrrp!;
    const window = 3 * vrrp.advertInterval + (256 - vrrp.priority) / 256 + 1.5;
    ctx.status(`keepalived: waiting for VRRP to settle (up to ${window.toFixed(1)} s)`);
    const deadline = Date.now() + window * 1000;
    while (since !== undefined && Date.now() < deadline) {
        const said = await runScript(ctx.transport, "keepalived's journal", journalSinceScript(d.hostName, since), ctx.warn);
        if (/Entering MASTER STATE/.test(said)) return;
        await sleep(300);
    }
    if (since === undefined) await sleep(window * 1000);
}

/**
 * The state's services as the kernel's table has them: each service present with its scheduler, each tracked
 * entry present with its weight, as asFound (the plan) takes them in: a 0 that a failing check set reads as
 * declared, and the entries of a service whose failing servers leave the table are not judged.
 */
function heldServices(services: KeepalivedState["virtualServices"], live: ServiceTable[]): KeepalivedState["virtualServices"] {
    const liveByKey = new Map(live.map((t) => [serviceKey(t.service), t]));
    return Object.fromEntries(
        Object.entries(services).flatMap(([key, vs]) => {
            const l = liveByKey.get(key);
            if (!l) return [];
            const found = stateOf(asFound(keepalivedTables({ [key]: vs }), [l])[0]!);
            const present = new Set(l.realServers.map(entryKey));
            const realServers = entriesTracked(vs)
                ? Object.fromEntries(Object.entries(found.realServers).filter(([entry]) => present.has(entry)))
                : vs.realServers;
            return [[key, { ...vs, scheduler: found.scheduler, realServers }]];
        }),
    );
}

export const keepalivedFact = defineFact<KeepalivedState>({
    type: "lvs:keepalived:Keepalived",
    schema: keepalivedStateSchema as unknown as z.ZodType<KeepalivedState>,
    derive: (d) => ({ config: configOf(d) }),
    secretPaths: [["vrrp", "password"]],
    replaceOn: ["hostName"],
    hostName: (d) => d.hostName,
    create: (ctx, d) => converge(ctx, d),
    update: (ctx, olds, d, declaredBefore) => converge(ctx, d, olds, declaredBefore),
    async read(ctx, state) {
        const live = await readLive(ctx, state.hostName);
        return {
            config: maskPassword(live.config ?? "", state.vrrp?.password),
            running: live.active,
            enabled: live.enabled,
            virtualServices: heldServices(state.virtualServices, live.tables),
        };
    },
    async delete(ctx, state) {
        const services = keepalivedTables(state.virtualServices).map((t) => serviceArgument(t.service));
        await runScript(ctx.transport, "keepalived stop", removeKeepalivedScript(state.hostName, services), ctx.warn);
    },
});
