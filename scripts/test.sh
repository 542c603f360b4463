#!/usr/bin/env bash
# `npm test`: installs what is missing (scripts/bootstrap.sh), checks the code
# (ESLint with typescript-eslint, Prettier), then runs every test: unit (pure
# logic, host scripts on a throwaway host, the provider, the command plugin
# against real SSH servers, the components under Pulumi mocks) and engine (the
# offline previews, the library installed from its tarball, and the end-to-end
# run on the local lab: real VMs, real IPVS, real HTTP).
# Extra arguments go to vitest, e.g. `npm test -- --project unit`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$repo/scripts/bootstrap.sh"
cd "$repo"
npm run --silent lint
exec node_modules/.bin/vitest run "$@"
