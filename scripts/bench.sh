#!/usr/bin/env bash
# `npm run bench`: figures from one run on the lab of the end-to-end test's own
# (do not run it during `npm test`), printed with their ratios:
#   - converge: `pulumi up` of the ci stack from an empty state (15 resources)
#   - no-op:    a second `pulumi up` with nothing to change
#   - data plane, from inside the lab's namespace with wrk (bounded: fixed
#     duration and connections): HTTP through IPVS (the VIP) against plain
#     routing through the same director straight to the real servers' RIPs.
#     Both paths cross the same emulated VMs, so the ratio shows what IPVS
#     costs or saves over forwarding, not absolute speed (TCG emulates every CPU).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
set -a; . "$repo/lab/ci-lab.env"; set +a
duration=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-8}
say() { printf '[bench] %s\n' "$*" >&2; }

bash "$repo/scripts/bootstrap.sh"
command -v wrk >/dev/null || { say "installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk >/dev/null; }

work=$(mktemp -d /tmp/pulumi-lvs-bench.XXXXXX)
cleanup() {
    set +e
    (cd "$work/project" && pulumi destroy --stack ci --yes --non-interactive >/dev/null 2>&1)
    bash "$repo/lab/lab" down >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

say "bringing up the lab"
lab_start=$SECONDS
bash "$repo/lab/lab" up
lab_seconds=$((SECONDS - lab_start))

# A copy of the program with a state of its own, as the tests do.
bash "$repo/scripts/copy-program.sh" "$work/project"
mkdir -p "$work/state"
# shellcheck source=/dev/null
. "$repo/.toolchain/env"
export PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE=bench
cd "$work/project"
pulumi stack init ci >/dev/null 2>&1

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
timed_up() { local t0; t0=$(now); pulumi up --stack ci --yes --non-interactive > "$work/up.log" 2>&1 || { cat "$work/up.log" >&2; exit 1; }; calc "$(now) - $t0"; }
say "pulumi up from an empty state"
converge=$(timed_up)
say "pulumi up again, nothing to change"
noop=$(timed_up)
grep -q "15 unchanged" "$work/up.log" || { say "the second up changed something:"; cat "$work/up.log" >&2; exit 1; }

rps() { # rps URL... : wrk on each URL at once, connections shared out; total requests/s
    local per=$((connections / $#)) url total=0 pids=() i=0
    for url in "$@"; do
        bash "$repo/lab/lab" exec wrk -t1 -c"$per" -d"${duration}s" --latency "$url" > "$work/wrk.$i" 2>&1 &
        pids+=($!)
        i=$((i + 1))
    done
    wait "${pids[@]}"
    for ((i = 0; i < $#; i++)); do
        grep -q '^Requests/sec' "$work/wrk.$i" || { cat "$work/wrk.$i" >&2; exit 1; }
        total=$(calc "$total + $(awk '/^Requests\/sec/ { print $2 }' "$work/wrk.$i")")
    done
    echo "$total"
}

say "HTTP through IPVS: ${connections} connections for ${duration} s to the VIP"
via_ipvs=$(rps http://192.168.145.100/)
say "HTTP by plain forwarding through the director: ${connections} connections for ${duration} s to the RIPs"
bash "$repo/lab/lab" exec ip route replace 192.168.2.0/24 via 192.168.145.100
forwarded=$(rps http://192.168.2.100/ http://192.168.2.101/)
bash "$repo/lab/lab" exec ip route del 192.168.2.0/24 via 192.168.145.100

ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }
printf '\n%-58s %10s %s\n' "figure" "value" "ratio"
printf '%-58s %9ss\n' "lab up (4 VMs, TCG)" "$lab_seconds"
printf '%-58s %9.1fs\n' "converge: pulumi up, empty state, 15 resources" "$converge"
printf '%-58s %9.1fs %s\n' "no-op: pulumi up again" "$noop" "$(ratio "$noop" "$converge") x converge"
printf '%-58s %10.0f\n' "HTTP through IPVS (VIP), requests/s" "$via_ipvs"
printf '%-58s %10.0f\n' "HTTP plain forwarding (RIPs), requests/s" "$forwarded"
printf '%-58s %10s %s\n' "IPVS / plain forwarding" "" "$(ratio "$via_ipvs" "$forwarded")"
