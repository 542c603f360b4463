#!/usr/bin/env bash
# `npm test`: installs what is missing, checks the code (ESLint with
# typescript-eslint, Prettier), then runs every test: unit (pure logic, host
# scripts on a throwaway host, the provider, the command plugin against real
# SSH servers, the components under Pulumi mocks), engine (the offline
# previews, the library installed from its tarball, the Docker plugin) and
# e2e (real VMs, real IPVS, real HTTP on the local labs).
#
# What lint and the unit tests need is installed first (scripts/bootstrap.sh
# unit); the rest (Debian packages, the Pulumi toolchain, the lab's image and
# saved states: minutes on a fresh machine, a few seconds on a warm one) is
# readied in the background meanwhile, and the engine and e2e test files wait
# for it (test/support/prepared.ts). Its log: .toolchain/prepare.log.
# Extra arguments go to vitest, e.g. `npm test -- --project unit`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/bootstrap.sh unit

mkdir -p .toolchain
rm -f .toolchain/prepare.status
# The background part writes its exit status when it ends; prepared.ts waits for that file while its PID lives.
# In a process group of its own (setsid), so that all of it can be ended at once.
setsid bash -c '
    status=0
    bash scripts/bootstrap.sh e2e > .toolchain/prepare.log 2>&1 < /dev/null || status=$?
    echo "$status" > .toolchain/prepare.status
' &
prepare=$!
echo "$prepare" > .toolchain/prepare.pid
# When this script ends early (lint fails, Ctrl-C), the background part goes with it, processes and all.
trap 'kill -TERM -- "-$prepare" 2>/dev/null || true' EXIT

npm run --silent lint
status=0
node_modules/.bin/vitest run "$@" || status=$?
# (Normally long done: the engine and e2e tests waited for it.)
wait "$prepare" || true
trap - EXIT
rm -f .toolchain/prepare.pid
if [ "$(cat .toolchain/prepare.status 2>/dev/null)" != 0 ]; then
    echo "[test] readying the engine and e2e tests' toolchain and labs failed: see .toolchain/prepare.log" >&2
    tail -n 20 .toolchain/prepare.log >&2 || true
    [ "$status" != 0 ] || status=1
fi
exit "$status"
