// A drain, as both owners of a director's table run it (pulumi-lvs's own
// table and keepalived's): real servers already at weight 0 keep their open
// connections until these end or the deadline passes; only then do they go.
import { setTimeout as sleep } from "node:timers/promises";
import { parseCounters, serviceArgument, serviceKey, type VirtualService } from "../src/ipvs";
import { listServiceScript } from "../resources/virtualService/scripts";
import type { FactContext } from "./fact";
import { runScript } from "./host";

/** Waits until the drained entries of `service` have no active connection, or `timeout` seconds pass (with a warning). */
export async function drain(
    ctx: FactContext,
    hostName: string,
    service: VirtualService,
    entries: string[],
    timeout: number,
): Promise<void> {
    const svc = serviceArgument(service);
    const key = serviceKey(service);
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
        const listing = await runScript(ctx.transport, "drain check", listServiceScript(hostName, svc), ctx.warn);
        const counters = parseCounters(listing).get(key);
        const busy = entries.map((e) => ({ entry: e, active: counters?.get(e)?.activeConnections ?? 0 })).filter((e) => e.active > 0);
        if (busy.length === 0) return;
        const left = Math.ceil((deadline - Date.now()) / 1000);
        const what = busy.map((b) => `${b.entry}: ${b.active} active connection${b.active === 1 ? "" : "s"}`).join(", ");
        if (left <= 0) {
            ctx.warn(
                `service ${key}: drain deadline of ${timeout} s reached with ${what}; going ahead (raise lvs:drainTimeout to wait longer)`,
            );
            return;
        }
        ctx.status(`service ${key}: draining ${what} (${left} s left)`);
        await sleep(1000);
    }
}
