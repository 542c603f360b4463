// Where a run's time goes, for the benchmark (`npm run bench`): with
// PULUMI_LVS_TIMINGS naming a file, every script a resource runs appends one
// JSON line there (its URN, the time to get a connection, the script's time).
// Off by default: nothing is measured or written.
import { appendFileSync } from "node:fs";
import { Transport } from "./host";

export interface TimingRecord {
    urn: string;
    connectMs: number;
    runMs: number;
}

export function timed(transport: Transport, urn: string, file = process.env.PULUMI_LVS_TIMINGS): Transport {
    if (!file) return transport;
    return {
        label: transport.label,
        async run(script, stdin, options) {
            const started = performance.now();
            const result = await transport.run(script, stdin, options);
            const timing = result.timing ?? { connectMs: 0, runMs: performance.now() - started };
            const record: TimingRecord = { urn, connectMs: Math.round(timing.connectMs), runMs: Math.round(timing.runMs) };
            appendFileSync(file, JSON.stringify(record) + "\n");
            return result;
        },
    };
}
