#!/usr/bin/env bash
# Makes the Pulumi toolchain available without internet, idempotently:
#  - uses a `pulumi` already on PATH (installed the normal way), else builds the
#    pinned CLI and the Node.js language host once from the Go module proxy into
#    a cache outside the repository and reuses it;
#  - provides pulumi-resource-pulumi-nodejs (dynamic providers);
#  - compiles the project's own command and Docker plugins and installs them in
#    the toolchain's Pulumi home, where the official plugins are not installed;
#  - writes .toolchain/env (source it) and .toolchain/bin (the Automation API's root).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${PULUMI_LVS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-lvs}
toolchain="$repo/.toolchain"
bin="$toolchain/bin"
say() { printf '[setup] %s\n' "$*" >&2; }

module_version() { # module version from a wrapper go.mod
    grep -oP "^\s*(require\s+)?\Q$2\E\s+\Kv\S+" "$repo/toolchain/$1/go.mod" | head -n1
}
cli_version=$(module_version pulumi-cli github.com/pulumi/pulumi/pkg/v3)
host_version=$(module_version pulumi-language-nodejs github.com/pulumi/pulumi/sdk/v3)
command_plugin_version=$(node -p "require('$repo/node_modules/@pulumi/command/package.json').version" 2>/dev/null || echo 1.2.1)
docker_plugin_version=$(node -p "require('$repo/node_modules/@pulumi/docker/package.json').version" 2>/dev/null || echo 5.2.0)

need_go() {
    command -v go >/dev/null || {
        say "Go (1.24 or newer) is needed to build the Pulumi CLI offline."
        say "With internet, install Pulumi instead: curl -fsSL https://get.pulumi.com | sh"
        exit 1
    }
}

# go_build WRAPPER OUT PACKAGE [FLAGS...]: builds once into the cache (atomically).
go_build() {
    local wrapper=$1 out=$2 package=$3
    shift 3
    [ -x "$out" ] && return 0
    need_go
    say "building $(basename "$out") from the Go module proxy (once; the CLI takes ~8 min on 2 cores)..."
    mkdir -p "$(dirname "$out")"
    local tmp="$out.tmp.$$"
    (cd "$repo/toolchain/$wrapper" && CGO_ENABLED=0 go build -buildvcs=false -trimpath "$@" -o "$tmp" "$package")
    mv -f "$tmp" "$out"
}

own_pulumi() { # a pulumi on PATH that is not this project's own link
    local p
    p=$(PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$bin" | paste -sd:) command -v pulumi || true)
    if [ -n "$p" ]; then readlink -f "$p"; fi
}

[ -x "$repo/node_modules/.bin/tsc" ] || { say "npm packages are missing: run npm ci --ignore-scripts first (npm test and npm run demo do it all)"; exit 1; }
mkdir -p "$bin"
installed=$(own_pulumi)
if [ -n "$installed" ] && [[ "$installed" != "$cache"/* ]]; then
    say "using the Pulumi CLI on PATH: $installed ($("$installed" version))"
    cli="$installed"
    host="$(dirname "$installed")/pulumi-language-nodejs"
else
    cli="$cache/pulumi-$cli_version/pulumi"
    go_build pulumi-cli "$cli" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi -tags osusergo,grpcnotrace \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$cli_version"
    host=""
fi
if [ -z "$host" ] || [ ! -x "$host" ]; then
    # Beside the CLI the engine treats it as bundled and does not warn about
    # an ambient plugin on every run.
    host="$(dirname "$cli")/pulumi-language-nodejs"
    [ -w "$(dirname "$cli")" ] || host="$cache/pulumi-language-nodejs-$host_version/pulumi-language-nodejs"
    # The host built here takes the project's runtime options as flags: under
    # its name runs options-as-flags.sh, which passes them (see there).
    built="$host-sdk-host"
    if [ -f "$host" ] && [ ! -f "$built" ] && ! grep -q options-as-flags "$host"; then
        mv -f "$host" "$built" # built by an earlier setup under the plain name
    fi
    go_build pulumi-language-nodejs "$built" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs -ldflags "-s -w"
    cmp -s "$repo/toolchain/pulumi-language-nodejs/options-as-flags.sh" "$host" ||
        install -m 755 "$repo/toolchain/pulumi-language-nodejs/options-as-flags.sh" "$host"
fi
ln -sfn "$cli" "$bin/pulumi"
ln -sfn "$host" "$bin/pulumi-language-nodejs"
ln -sfn "$repo/toolchain/bin/pulumi-resource-pulumi-nodejs" "$bin/pulumi-resource-pulumi-nodejs"

# The project's compiled code: the library, the lvs provider plugin and the offline plugins.
bash "$repo/scripts/compile.sh"

# The command and Docker plugins: the official ones when both are installed,
# else a Pulumi home of the toolchain's (.toolchain/pulumi-home, used through
# .toolchain/env) holding, per plugin, the official one if installed or the
# project's own stand-in: found like any installed plugin, so the CLI does not
# warn about a plugin on PATH on every run, and never in front of an official
# plugin the user installs.
user_home=${PULUMI_HOME:-$HOME/.pulumi}
own_home="$toolchain/pulumi-home"
rm -f "$bin/pulumi-resource-command"
official() { # official plugin dir of KIND VERSION, if installed and not overridden
    local dir="$user_home/plugins/resource-$1-v$2"
    [ -d "$dir" ] && [ "${PULUMI_LVS_PLUGINS:-auto}" != project ] && [ "$user_home" != "$own_home" ] && echo "$dir"
}
if [ -n "$(official command "$command_plugin_version")" ] && [ -n "$(official docker "$docker_plugin_version")" ]; then
    say "using the official command and Docker plugins in $user_home/plugins"
    rm -rf "$own_home"
    offline=false
else
    for plugin in "command $command_plugin_version" "docker $docker_plugin_version"; do
        set -- $plugin
        plugin_dir="$own_home/plugins/resource-$1-v$2"
        rm -rf "$plugin_dir"
        if [ -n "$(official "$1" "$2")" ]; then
            ln -sfn "$(official "$1" "$2")" "$plugin_dir"
        else
            mkdir -p "$plugin_dir"
            printf '#!/bin/sh\n# pulumi-lvs offline %s plugin (see toolchain/plugins/%s/README.md)\nexec %s "$@"\n' \
                "$1" "$1" "$repo/toolchain/plugins/$1/bin/pulumi-resource-$1" > "$plugin_dir/pulumi-resource-$1"
            chmod 755 "$plugin_dir/pulumi-resource-$1"
        fi
    done
    offline=true
fi

mkdir -p "$repo/.pulumi-state"
cat > "$toolchain/env" <<ENV
# Written by scripts/setup-toolchain.sh. \`source .toolchain/env\` to use the
# project's Pulumi toolchain: its CLI, plugins and a local state backend.
export PATH="$bin:\$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
$([ "$offline" = true ] && echo "export PULUMI_HOME=\"$own_home\"")
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=$offline
export PULUMI_BACKEND_URL="\${PULUMI_BACKEND_URL:-file://$repo/.pulumi-state}"
if [ -z "\${PULUMI_CONFIG_PASSPHRASE:-}\${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    [ -s "$repo/.pulumi-state/passphrase" ] || (umask 077 && head -c 24 /dev/urandom | base64 > "$repo/.pulumi-state/passphrase")
    export PULUMI_CONFIG_PASSPHRASE_FILE="$repo/.pulumi-state/passphrase"
fi
ENV
say "toolchain ready: $("$bin/pulumi" version), language host $(basename "$(dirname "$host")"), plugins $([ "$offline" = true ] && echo "in $own_home" || echo official)"
say "use it with: source .toolchain/env"
