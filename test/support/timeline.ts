// Requests through the VIP one after another from inside the CI lab's network
// namespace, each with the time it was sent and whether it was answered: what
// a health check's window is measured against (wrk counts failures, not when
// they happened). Bounded in count and time, and stopped as soon as the test
// has seen enough; the curl processes are the namespace's, never the root
// namespace's.
import { spawn } from "node:child_process";
import { CI_LAB_ENV } from "./lab";

export interface Sample {
    /** When the request was sent (ms since the epoch). */
    at: number;
    /** The body's first line, or undefined when the request failed. */
    answer?: string;
}

/** Requests sent one after another until `stop()` (or `maxSeconds`): what each got. */
export interface Timeline {
    /** Ends the requests (the test's own child, by its PID) and returns what each got. */
    stop(): Promise<Sample[]>;
}

/** About `perSecond` requests a second to `url`, each bounded by `timeoutSeconds`, for at most `maxSeconds`. */
export function requestTimeline(url: string, maxSeconds: number, perSecond = 20, timeoutSeconds = 1): Timeline {
    const count = maxSeconds * perSecond;
    const pause = (1 / perSecond).toFixed(3);
    const script =
        `end=$(( $(date +%s) + ${maxSeconds} )); for i in $(seq ${count}); do [ "$(date +%s)" -lt "$end" ] || break; ` +
        `t=$(date +%s%3N); b=$(curl -s --max-time ${timeoutSeconds} ${url} | head -n 1) || b=; echo "$t \${b:-FAILED}"; sleep ${pause}; done`;
    let out = "";
    // `ip netns exec` execs `timeout`, which passes a TERM on to the loop: the child's PID is all there is to end.
    const child = spawn("ip", ["netns", "exec", CI_LAB_ENV.PULUMI_LVS_LAB_NETNS, "timeout", String(maxSeconds + 10), "bash", "-c", script]);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const done = new Promise<Sample[]>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", () =>
            resolve(
                out
                    .split("\n")
                    .filter((line) => /^\d+ /.test(line))
                    .map((line) => {
                        const space = line.indexOf(" ");
                        const answer = line.slice(space + 1);
                        return { at: Number(line.slice(0, space)), ...(answer === "FAILED" ? {} : { answer }) };
                    }),
            ),
        );
    });
    return {
        stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            return done;
        },
    };
}
