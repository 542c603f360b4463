// Keep-alive connections through the VIP from inside the CI lab's network
// namespace (keptConnections.cjs, run by the host's node there), bounded in
// count and time, which tell a reset connection from one the server closed:
// what a director failover does to established connections.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { CI_LAB_ENV } from "./lab";

export interface KeptConnectionsResult {
    /** Full responses received, over every connection. */
    responses: number;
    /** Connections reset (ECONNRESET): a director without their entry answers them so. */
    resets: number;
    /** Connections the server closed (an orderly FIN: lighttpd's keep-alive idle timeout, 5 s). */
    closedByServer: number;
    /** Any other end, by error code (a refused or timed-out reconnection, a request left unanswered). */
    otherErrors: Record<string, number>;
    /** Connections opened: `count`, and one more for each that ended. */
    connections: number;
}

export interface KeptConnections {
    /** Ends them (the child, by its PID) and returns what they met. */
    stop(): Promise<KeptConnectionsResult>;
}

/** `count` keep-alive connections to the VIP's port, each sending `GET /` `paceMs` after each response, for at most `seconds`. */
export function keptConnections(vip: string, port: number, count: number, seconds: number, paceMs: number): KeptConnections {
    const script = path.join(__dirname, "keptConnections.cjs");
    const child = spawn(
        "ip",
        [
            "netns",
            "exec",
            CI_LAB_ENV.PULUMI_LVS_LAB_NETNS,
            process.execPath,
            script,
            vip,
            String(port),
            String(count),
            String(seconds),
            String(paceMs),
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const done = new Promise<KeptConnectionsResult>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", () => {
            const line = out.split("\n").find((l) => l.startsWith("{"));
            if (line) resolve(JSON.parse(line) as KeptConnectionsResult);
            else reject(new Error(`keptConnections.cjs printed no result: ${out}`));
        });
    });
    return {
        stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            return done;
        },
    };
}
