// lvs:ipvs:VirtualService: one virtual service and its real servers on a
// director. Create and update read the live table, plan the difference
// (src/ipvs/plan.ts) and apply it in place; entries on their way out are
// quiesced and drained of active connections (up to `drainTimeout` seconds)
// before they are deleted. Read reports the live service in the desired
// state's shape, so that a preview shows each drifted entry or setting. The
// state's schema, and its turning into the model, are the program's too
// (./state.ts).
import { z } from "zod";
import { describeChange, parseSavedRules, planSync, savedRules, serviceArgument, serviceKey, ServiceTable } from "../../src/ipvs";
import { stateOf, tableOf, VirtualServiceState, virtualServiceStateSchema } from "./state";
import { applyTableScript, parseTableRead, readTableScript, removeServiceScript } from "./scripts";
import { defineFact, FactContext } from "../../provider/fact";
import { runScript } from "../../provider/host";
import { drain } from "../../provider/drain";

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

/** Converges the live service into the desired one, in place; returns the listing after the change. */
async function converge(ctx: FactContext, d: VirtualServiceState): Promise<{ ipvsTable: string }> {
    const desired = tableOf(d);
    const svc = serviceArgument(desired.service);
    const live = await readLive(ctx, d);
    const plan = planSync(desired, live.table);
    for (const change of plan.changes) ctx.status(describeChange(desired.service, change));
    let listing = await runScript(ctx.transport, "IPVS table change", applyTableScript(d.hostName, svc, plan.apply), ctx.warn);
    if (plan.drain.length > 0) {
        await drain(ctx, d.hostName, desired.service, plan.drain, d.drainTimeout);
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
