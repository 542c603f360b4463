#!/usr/bin/env bash
# `npm run status -- STACK`: the director's live IPVS table, connections and
# counters per real server, and whether it matches the stack (tools/status.ts).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
[ -f .toolchain/env ] || bash scripts/setup-toolchain.sh >/dev/null
# shellcheck source=/dev/null
. .toolchain/env
[ -f dist/tools/status.js ] || node_modules/.bin/tsc -p tsconfig.build.json
exec node dist/tools/status.js "$@"
