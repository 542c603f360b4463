// `node dist/tools/benchBreakdown.js EVENT_LOG TIMINGS`: where one `pulumi up`
// spent its time, per resource (scripts/bench.sh runs it after the converge).
// From the engine's event log (`pulumi up --event-log`): when each step
// started after the update began (before that it waited for its dependencies)
// and how long it took; from the lvs provider's timings (PULUMI_LVS_TIMINGS):
// how much of that was getting an SSH connection and how much the scripts ran.
// Prints a table, slowest first, and the rows as JSON on the last line.
import { readFileSync } from "node:fs";

export interface ResourceTime {
    name: string;
    type: string;
    op: string;
    /** Seconds from the update's first event to the step's start: the time it waited for what it depends on. */
    startedAt: number;
    /** Seconds the step took (the engine's timestamps are whole seconds). */
    seconds: number;
    connectMs: number;
    scriptMs: number;
    scripts: number;
}

interface EngineEvent {
    timestamp: number;
    resourcePreEvent?: { metadata: { op: string; urn: string; type: string } };
    resOutputsEvent?: { metadata: { op: string; urn: string; type: string } };
}

/** Component resources (`lvs:index:LvsCluster`, ...) span their children's steps: they are not steps themselves. */
const COMPONENT = /^[^:/]+:index:[A-Z]/;

function lines<T>(text: string): T[] {
    return text
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as T);
}

/** Per resource that had a step (not `same` or `refresh`): its timing. */
export function breakdown(eventLog: string, timings: string): ResourceTime[] {
    const events = lines<EngineEvent>(eventLog);
    const first = Math.min(...events.map((e) => e.timestamp));
    const rows = new Map<string, ResourceTime & { start: number }>();
    for (const e of events) {
        const pre = e.resourcePreEvent?.metadata;
        if (pre && pre.op !== "same" && pre.op !== "refresh" && !pre.type.startsWith("pulumi:") && !COMPONENT.test(pre.type)) {
            rows.set(pre.urn, {
                name: pre.urn.split("::").pop()!,
                type: pre.type,
                op: pre.op,
                start: e.timestamp,
                startedAt: e.timestamp - first,
                seconds: 0,
                connectMs: 0,
                scriptMs: 0,
                scripts: 0,
            });
        }
        const out = e.resOutputsEvent?.metadata;
        const row = out && rows.get(out.urn);
        if (row) row.seconds = e.timestamp - row.start;
    }
    for (const t of lines<{ urn: string; connectMs: number; runMs: number }>(timings)) {
        const row = rows.get(t.urn);
        if (!row) continue;
        row.connectMs += t.connectMs;
        row.scriptMs += t.runMs;
        row.scripts += 1;
    }
    return [...rows.values()].map(({ start: _start, ...row }) => row).sort((a, b) => b.seconds - a.seconds || b.scriptMs - a.scriptMs);
}

export function formatBreakdown(rows: ResourceTime[]): string {
    const header = ["resource", "op", "starts at", "takes", "ssh connect", "scripts (n)"];
    const body = rows.map((r) => [
        r.name,
        r.op,
        `${r.startedAt} s`,
        `${r.seconds} s`,
        `${(r.connectMs / 1000).toFixed(2)} s`,
        `${(r.scriptMs / 1000).toFixed(2)} s (${r.scripts})`,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    return [header, ...body]
        .map((row) =>
            row
                .map((cell, i) => cell.padEnd(widths[i]!))
                .join("  ")
                .trimEnd(),
        )
        .join("\n");
}

if (require.main === module) {
    const [eventLog, timings] = process.argv.slice(2);
    if (!eventLog || !timings) {
        console.error("usage: benchBreakdown EVENT_LOG TIMINGS");
        process.exit(2);
    }
    const rows = breakdown(readFileSync(eventLog, "utf8"), readFileSync(timings, "utf8"));
    console.log(formatBreakdown(rows));
    console.log(JSON.stringify(rows));
}
