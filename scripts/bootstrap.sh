#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian or Ubuntu machine,
# idempotently (a second run takes a few seconds):
#   Debian packages: QEMU, debootstrap, OpenSSH (client, and server for the plugin's tests), socat,
#                    dpkg-dev (the lab's package repository), wrk (load through the VIP), docker.io
#                    (the Docker CLI, and a throwaway dockerd for the Docker plugin's tests), busybox-static
#                    (their image), ...
#   npm packages:    `npm ci` when node_modules is missing or older than package-lock.json
#   the build:       the library and plugins compiled into dist/ when a source is newer
#   Pulumi:          scripts/setup-toolchain.sh (a pulumi on PATH, else built once from the Go module proxy)
#   the labs:        the VM image (lab/build-image.sh) and each lab's saved state (lab/lab prepare), cached
# Prerequisites: Node.js 20 with npm, and Go >= 1.24 unless a pulumi CLI is on PATH.
#
#   bootstrap.sh         all of it, in that order (npm run demo)
#   bootstrap.sh unit    what lint and the unit tests need: their packages (OpenSSH), npm packages, the build
#   bootstrap.sh e2e     the rest, for the engine and end-to-end tests: the other packages, Pulumi and the labs
#                        (npm test runs it in the background while lint and the unit tests run)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
part=${1:-all}
say() { printf '[bootstrap] %s\n' "$*" >&2; }

# command -> Debian package providing it: what lint and the unit tests need, and the rest.
# (The fake host of the unit tests runs in a mount namespace: unshare.)
declare -A unit_packages=([/usr/sbin/sshd]=openssh-server [ssh]=openssh-client [unshare]=util-linux [ip]=iproute2)
declare -A e2e_packages=(
    [qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils [debootstrap]=debootstrap
    [socat]=socat [xz]=xz-utils [zstd]=zstd [mkfs.ext4]=e2fsprogs
    [dpkg-scanpackages]=dpkg-dev [wrk]=wrk [/usr/sbin/dockerd]=docker.io [/bin/busybox]=busybox-static
)

install_packages() { # install_packages ARRAY_NAME...: in one apt run, the packages of the commands that are missing
    local name cmd missing=() sudo=""
    for name in "$@"; do
        local -n wanted=$name
        for cmd in "${!wanted[@]}"; do
            command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}")
        done
        unset -n wanted
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

npm_packages() {
    cd "$repo"
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        say "installing npm packages (npm ci)"
        # --ignore-scripts: @pulumi/command's install script would try to download its plugin.
        npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    fi
}

labs() { # the VM image and the saved state of each lab the tests use (both cached; the first time takes minutes)
    (set -a && . "$repo/lab/ci-lab.env" && bash "$repo/lab/lab" prepare)
    (set -a && . "$repo/lab/ci-docker-lab.env" && bash "$repo/lab/lab" prepare)
}

case "$part" in
all)
    install_packages unit_packages e2e_packages
    npm_packages
    bash "$repo/scripts/setup-toolchain.sh"
    ;;
unit)
    install_packages unit_packages
    npm_packages
    bash "$repo/scripts/compile.sh"
    ;;
e2e)
    # Pulumi (a Go build on a fresh machine) needs no Debian package: it builds while apt installs, then the labs.
    bash "$repo/scripts/setup-toolchain.sh" &
    toolchain=$!
    status=0
    # (A process of its own: errexit holds inside it, where a `||` would turn it off.)
    bash "${BASH_SOURCE[0]}" e2e-packages-and-labs || status=$?
    wait "$toolchain" || status=$?
    exit "$status"
    ;;
e2e-packages-and-labs)
    install_packages e2e_packages
    labs
    ;;
*)
    say "usage: bootstrap.sh [all|unit|e2e]"
    exit 2
    ;;
esac
