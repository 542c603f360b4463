// Follows one real server's entry in the director's IPVS table while a change
// runs, to see the order of a drain: its weight and active connections as the
// kernel shows them (/proc/net/ip_vs), recorded on the director each time they
// change, sampled every 50 ms by a bash loop that starts no process (so it
// costs the emulated director next to nothing), in a transient unit that the
// test stops, bounded to 5 minutes.
import { onVm } from "../../support/lab";

export interface EntryState {
    /** Absent once the entry is deleted. */
    weight?: number;
    active: number;
    /** As logged: "3/2" (weight/active) or "deleted". */
    text: string;
}

const UNIT = "lvs-test-sampler";

export function drainSampler(address: string, port: number): { stop(): void; states(): EntryState[] } {
    const hex = address
        .split(".")
        .map((o) => Number(o).toString(16).toUpperCase().padStart(2, "0"))
        .join("");
    const entry = `${hex}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
    const loop = [
        "exec 9<>/run/lvs-test-sampler/fifo",
        "prev=",
        "end=$((SECONDS + 300))",
        "while [ $SECONDS -lt $end ] && [ ! -e /run/lvs-test-sampler/stop ]; do",
        "    now=deleted",
        `    while read -r arrow addr method weight active rest; do [ "$addr" = ${entry} ] && now="$weight/$active"; done < /proc/net/ip_vs`,
        '    if [ "$now" != "$prev" ]; then printf "%s %s\\n" "$EPOCHREALTIME" "$now"; prev=$now; fi',
        "    read -t 0.05 -u 9 || true",
        "done > /run/lvs-test-sampler/log",
    ].join("\n");
    onVm(
        "director",
        `set -e; systemctl stop ${UNIT} 2>/dev/null || true; rm -rf /run/lvs-test-sampler; mkdir /run/lvs-test-sampler; ` +
            `mkfifo /run/lvs-test-sampler/fifo; systemd-run --quiet --collect --unit=${UNIT} bash -c '${loop}'; ` +
            // Started: its first line is written.
            "for i in $(seq 50); do [ -s /run/lvs-test-sampler/log ] && exit 0; sleep 0.1; done; echo 'sampler did not start' >&2; exit 1",
    );
    let log = "";
    return {
        stop() {
            log = onVm(
                "director",
                `touch /run/lvs-test-sampler/stop; for i in $(seq 50); do systemctl is-active -q ${UNIT} || break; sleep 0.1; done; ` +
                    `systemctl stop ${UNIT} 2>/dev/null || true; cat /run/lvs-test-sampler/log; rm -rf /run/lvs-test-sampler`,
            );
        },
        states() {
            return log
                .trim()
                .split("\n")
                .map((line) => line.split(" ")[1]!)
                .map((text) => {
                    if (text === "deleted") return { active: 0, text };
                    const [weight, active] = text.split("/").map(Number);
                    return { weight: weight!, active: active!, text };
                });
        },
    };
}
