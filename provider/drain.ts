// A drain, as both owners of a director's table run it (pulumi-lvs's own
// table and keepalived's): real servers already at weight 0 keep their open
// connections until these end or the deadline passes; only then do they go.
// A real server that answers nothing (its host died) cannot end its
// connections: the drain stops waiting for it instead of sitting out the
// deadline.
import { setTimeout as sleep } from "node:timers/promises";
import { parseCounters, serviceArgument, serviceKey, splitHostPort, type VirtualService } from "../src/ipvs";
import { answersScript, listServiceScript, parseAnswers } from "../resources/virtualService/scripts";
import type { FactContext } from "./fact";
import { runScript } from "./host";

/** Rounds in a row without an answer after which a real server counts as gone (one could be a lost SYN). */
const SILENT_ROUNDS = 2;

/**
 * Waits until the drained entries of `service` have no active connection, or `timeout` seconds pass (with a
 * warning). A TCP entry whose real server answers nothing for SILENT_ROUNDS rounds is not waited for.
 */
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
    const silent = new Map<string, number>();
    const gone = new Set<string>();
    // Only a TCP service's entries can be asked: UDP has no handshake, a firewall mark's entries no port.
    const askable = (entry: string) => "protocol" in service && service.protocol === "tcp" && splitHostPort(entry).port > 0;
    for (;;) {
        const listing = await runScript(ctx.transport, "drain check", listServiceScript(hostName, svc), ctx.warn);
        const counters = parseCounters(listing).get(key);
        const active = (entry: string) => counters?.get(entry)?.activeConnections ?? 0;
        let busy = entries.filter((e) => active(e) > 0 && !gone.has(e));
        const ask = busy.filter(askable);
        if (ask.length > 0) {
            const answers = parseAnswers(
                await runScript(ctx.transport, "drain: do the real servers answer", answersScript(hostName, ask), ctx.warn),
            );
            for (const entry of ask) {
                const rounds = answers.get(entry) === "silent" ? (silent.get(entry) ?? 0) + 1 : 0;
                silent.set(entry, rounds);
                if (rounds < SILENT_ROUNDS) continue;
                gone.add(entry);
                ctx.warn(
                    `service ${key}: ${entry} does not answer (no reply to a TCP connection from the director within 1 s, ` +
                        `${SILENT_ROUNDS} times): its ${plural(active(entry), "active connection")} cannot end; going ahead without waiting for them`,
                );
            }
            busy = busy.filter((e) => !gone.has(e));
        }
        if (busy.length === 0) return;
        const left = Math.ceil((deadline - Date.now()) / 1000);
        const what = busy.map((e) => `${e}: ${plural(active(e), "active connection")}`).join(", ");
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

function plural(count: number, noun: string): string {
    return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
