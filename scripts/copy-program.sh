#!/usr/bin/env bash
# copy-program.sh DEST: a copy of the Pulumi program in DEST for a run with a
# state of its own (the tests, the benchmark), so the engine's writes never
# touch the checkout. What the program reads but never changes is linked:
# node_modules, the compiled provider (dist, which the lvs plugin in provider/bin
# runs) and the labs' directories (the stacks name their keys relative to the
# project). Salts written by someone's own `pulumi stack init` belong
# to their passphrase, not the run's, so they are dropped.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:?usage: copy-program.sh DEST}
mkdir -p "$dest"
# (With their times: program.js compiles again what is newer than dist.)
for entry in Pulumi.yaml package.json tsconfig.json tsconfig.build.json program.js index.ts lib.ts components resources src stacks; do cp -rp "$repo/$entry" "$dest/"; done
for linked in node_modules dist provider pluginKit toolchain .lab .lab-ci .lab-docker .lab-ci-docker; do ln -sfn "$repo/$linked" "$dest/$linked"; done
sed -i '/^encryptionsalt:/d' "$dest/stacks/"*.yaml
