#!/bin/sh
# Installed by scripts/setup-toolchain.sh as `pulumi-language-nodejs`, beside
# the Node.js language host it builds (the one of sdk v3.68.0, the last the Go
# module proxy serves). That host takes a project's runtime options
# (Pulumi.yaml `runtime.options`: typescript, nodeargs, tsconfig) as flags;
# the CLI of today sends them in its requests instead, which that host does
# not read, so `typescript: false` would be ignored. This passes them as the
# flags, from the project the host starts in (the CLI starts it in the
# project's directory), so that options mean what they mean with an official
# Pulumi install. It reads the block form `pulumi new` writes:
#   runtime:
#     name: nodejs
#     options:
#       typescript: false
set -eu
project=Pulumi.yaml
[ -f "$project" ] || project=Pulumi.yml
flags=""
if [ -f "$project" ]; then
    flags=$(awk '
        /^runtime:/ { runtime = 1; next }
        /^[^ #]/ { runtime = 0; options = 0 }
        runtime && /^ +options: *$/ { options = 1; match($0, /^ +/); depth = RLENGTH; next }
        runtime && options && /^ *(#.*)?$/ { next }
        runtime && options {
            match($0, /^ */)
            if (RLENGTH <= depth) { options = 0; next }
            if (match($0, /^ +(typescript|nodeargs|tsconfig):/)) {
                line = $0
                sub(/^ +/, "", line)
                key = line; sub(/:.*/, "", key)
                value = line; sub(/^[^:]*: */, "", value); sub(/ +#.*$/, "", value)
                gsub(/^["\047]|["\047]$/, "", value)
                print "-" key "=" value
            }
        }' "$project")
fi
# One flag per line, each kept whole (nodeargs may hold spaces).
set -f
old_ifs=$IFS
IFS='
'
# shellcheck disable=SC2086
set -- $flags "$@"
IFS=$old_ifs
exec "$(dirname "$(readlink -f "$0")")/pulumi-language-nodejs-sdk-host" "$@"
