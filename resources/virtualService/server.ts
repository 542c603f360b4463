// lvs:ipvs:VirtualService: one virtual service and its real servers on a
// director. Create and update read the live table, plan the difference
// (src/ipvs/plan.ts) and apply it in place; entries on their way out are
// quiesced and drained of active connections (up to `drainTimeout` seconds)
// before they are deleted. Read reports the live service in the desired
// state's shape, so that a preview shows each drifted entry or setting. The
// state's schema, and its turning into the model, are the program's too
// (./state.ts).
import { z } from "zod";
import {
    describeChange,
    parseCounters,
    parseSavedRules,
    planSync,
    savedRules,
    serviceArgument,
    serviceKey,
    ServiceTable,
} from "../../src/ipvs";
import { stateOf, tableOf, VirtualServiceState, virtualServiceStateSchema } from "./state";
import { applyTableScript, listServiceScript, parseTableRead, readTableScript, removeServiceScript } from "./scripts";
import { defineFact, FactContext } from "../../provider/fact";
import { runScript } from "../../provider/host";

interface LiveTable {
    table?: ServiceTable;
    saved: boolean;
    restoreAtBoot: boolean;
}

async function readLive(ctx: FactContext, d: VirtualServiceState): Promise<LiveTable> {
    const key = serviceKey(tableOf(d).service);
    const read = parseTableRead(await runScript(ctx.transport, "read of the IPVS table", readTableScript(d.hostName), ctx.warn));
    const live = parseSavedRules(read.live).find((t) => serviceKey(t.service) === key);
    const saved = parseSavedRules(read.saved).find((t) => serviceKey(t.service) === key);
    const same = (a?: ServiceTable, b?: ServiceTable) =>
        JSON.stringify(a ? savedRules(a).sort() : null) === JSON.stringify(b ? savedRules(b).sort() : null);
    return { table: live, saved: same(live, saved), restoreAtBoot: read.restoreAtBoot };
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until the drained entries have no active connection, or the deadline passes. */
async function drain(ctx: FactContext, d: VirtualServiceState, entries: string[]): Promise<void> {
    const table = tableOf(d);
    const svc = serviceArgument(table.service);
    const key = serviceKey(table.service);
    const deadline = Date.now() + d.drainTimeout * 1000;
    for (;;) {
        const listing = await runScript(ctx.transport, "drain check", listServiceScript(d.hostName, svc), ctx.warn);
        const counters = parseCounters(listing).get(key);
        const busy = entries.map((e) => ({ entry: e, active: counters?.get(e)?.activeConnections ?? 0 })).filter((e) => e.active > 0);
        if (busy.length === 0) return;
        const left = Math.ceil((deadline - Date.now()) / 1000);
        const what = busy.map((b) => `${b.entry}: ${b.active} active connection${b.active === 1 ? "" : "s"}`).join(", ");
        if (left <= 0) {
            ctx.warn(
                `service ${key}: drain deadline of ${d.drainTimeout} s reached with ${what}; going ahead (raise ` +
                    `lvs:drainTimeout to wait longer)`,
            );
            return;
        }
        ctx.status(`service ${key}: draining ${what} (${left} s left)`);
        await sleep(1000);
    }
}

/** Converges the live service into the desired one, in place; returns the listing after the change. */
async function converge(ctx: FactContext, d: VirtualServiceState): Promise<{ ipvsTable: string }> {
    const desired = tableOf(d);
    const svc = serviceArgument(desired.service);
    const live = await readLive(ctx, d);
    const plan = planSync(desired, live.table);
    for (const change of plan.changes) ctx.status(describeChange(desired.service, change));
    let listing = await runScript(ctx.transport, "IPVS table change", applyTableScript(d.hostName, svc, plan.apply), ctx.warn);
    if (plan.drain.length > 0) {
        await drain(ctx, d, plan.drain);
        listing = await runScript(ctx.transport, "IPVS table change", applyTableScript(d.hostName, svc, plan.remove), ctx.warn);
    }
    return { ipvsTable: listing.trimEnd() };
}

export const virtualServiceFact = defineFact<VirtualServiceState>({
    type: "lvs:ipvs:VirtualService",
    schema: virtualServiceStateSchema as unknown as z.ZodType<VirtualServiceState>,
    replaceOn: ["hostName", "protocol", "address", "port", "fwmark"],
    hostName: (d) => d.hostName,
    create: (ctx, d) => converge(ctx, d),
    update: (ctx, _olds, d) => converge(ctx, d),
    async read(ctx, state) {
        const live = await readLive(ctx, state);
        if (!live.table) return { present: false, realServers: {}, saved: live.saved, restoreAtBoot: live.restoreAtBoot };
        // The live service in the state's words (its identity is the state's: it was found by it).
        const { scheduler, flags, persistence, realServers } = stateOf(live.table);
        return { present: true, scheduler, flags, persistence, realServers, saved: live.saved, restoreAtBoot: live.restoreAtBoot };
    },
    async delete(ctx, state) {
        await runScript(
            ctx.transport,
            "IPVS service delete",
            removeServiceScript(state.hostName, serviceArgument(tableOf(state).service)),
            ctx.warn,
        );
    },
});
