#!/usr/bin/env bash
# `npm test`: installs what is missing (scripts/bootstrap.sh), then runs every
# test: unit (pure logic, the command plugin against a loopback sshd, the
# components under Pulumi mocks) and engine (an offline `pulumi preview`, and
# the end-to-end run on the local lab: real VMs, real IPVS, real HTTP).
# Extra arguments go to vitest, e.g. `npm test -- --project unit`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$repo/scripts/bootstrap.sh"
cd "$repo"
exec node_modules/.bin/vitest run "$@"
