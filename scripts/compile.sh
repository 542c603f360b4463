#!/usr/bin/env bash
# The project's compiled code (npm run build into dist/): the library, the lvs
# provider plugin and the offline plugins; only when a source is newer than
# the last build. Run by scripts/bootstrap.sh and scripts/setup-toolchain.sh.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
if [ ! -f dist/provider/main.js ] ||
    [ -n "$(find index.ts lib.ts components resources src provider pluginKit toolchain/plugins tools tsconfig.json tsconfig.build.json -name '*.ts' -newer dist/provider/main.js -print -quit 2>/dev/null)" ]; then
    printf '[setup] %s\n' "compiling the library and plugins (npm run build)" >&2
    node_modules/.bin/tsc -p tsconfig.build.json
    touch dist/provider/main.js
fi
