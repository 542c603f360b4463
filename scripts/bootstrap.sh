#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian or Ubuntu machine,
# idempotently (a second run takes about a second):
#   Debian packages: QEMU, debootstrap, OpenSSH (client, and server for the plugin's tests), socat,
#                    dpkg-dev (the lab's package repository), wrk (load through the VIP), docker.io
#                    (the Docker CLI, and a throwaway dockerd for the Docker plugin's tests), busybox-static
#                    (their image), ...
#   npm packages:    `npm ci` when node_modules is missing or older than package-lock.json
#   Pulumi:          scripts/setup-toolchain.sh (a pulumi on PATH, else built once from the Go module proxy)
# Prerequisites: Node.js 20 with npm, and Go >= 1.24 unless a pulumi CLI is on PATH.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '[bootstrap] %s\n' "$*" >&2; }

# command -> Debian package providing it
declare -A packages=(
    [qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils [debootstrap]=debootstrap
    [/usr/sbin/sshd]=openssh-server [ssh]=openssh-client [socat]=socat [xz]=xz-utils
    [mkfs.ext4]=e2fsprogs [ip]=iproute2 [unshare]=util-linux [dpkg-scanpackages]=dpkg-dev [wrk]=wrk
    [/usr/sbin/dockerd]=docker.io [/bin/busybox]=busybox-static
)
missing=()
for cmd in "${!packages[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${packages[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

cd "$repo"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm packages (npm ci)"
    # --ignore-scripts: @pulumi/command's install script would try to download its plugin.
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

bash scripts/setup-toolchain.sh
