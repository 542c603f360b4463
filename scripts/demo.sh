#!/usr/bin/env bash
# `npm run demo`: the main job on the built-in local lab. Installs what is
# missing, brings the lab up (VMs: director, rs1, rs2, client), runs
# `pulumi up` on the dev stack, and shows the proof: requests from the client
# through the VIP alternating between the two real servers' test pages, and
# the director's IPVS table with its counters. The lab stays up to explore.
# PULUMI_LVS_DEMO_STACK=containers runs the same on Docker containers, on the
# container lab (one VM: the Docker host).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stack=${PULUMI_LVS_DEMO_STACK:-dev}
labdir=.lab
if [ "$stack" = containers ]; then
    export PULUMI_LVS_LAB_KIND=docker
    labdir=.lab-docker
fi
say() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
cd "$repo"

say "Installing what is missing (Debian packages, npm packages, Pulumi toolchain)"
bash scripts/bootstrap.sh

say "Bringing up the local lab (first run: builds the VM image and boots the VMs once to save them, a few minutes; later runs restore them in seconds)"
bash lab/lab up

# shellcheck source=/dev/null
. .toolchain/env
marker=$labdir/run/deployed-$stack
if pulumi stack select "$stack" 2>/dev/null; then
    if [ ! -e "$marker" ]; then
        # The stack's state describes VMs of an earlier lab that are gone; its
        # host steps are idempotent, so it starts afresh on these VMs.
        say "Stack $stack was deployed to an earlier lab: starting its state afresh"
        pulumi stack rm --yes --force --preserve-config "$stack" >/dev/null
        pulumi stack init "$stack" >/dev/null
    fi
else
    # A salt written under another passphrase would refuse this one.
    sed -i '/^encryptionsalt:/d' "stacks/Pulumi.$stack.yaml"
    pulumi stack init "$stack" >/dev/null
fi

say "pulumi up --stack $stack"
pulumi up --stack "$stack" --yes --non-interactive --diff=false
touch "$marker"

vip=$(pulumi stack output vipUrl --stack "$stack")
if [ "$stack" = containers ]; then
    export DOCKER_HOST="unix://$repo/$labdir/run/docker.sock"
    container() { pulumi stack output containers --stack "$stack" --json | node -pe "JSON.parse(require('fs').readFileSync(0)).$1"; }
    say "Proof: 6 requests from the client container to $vip"
    docker exec "$(container client)" sh -c "for i in 1 2 3 4 5 6; do curl -s --max-time 5 $vip; done"
    say "The director container's live table"
    sleep 2 # counters refresh about every 2 s
    docker exec "$(container director)" ipvsadm -Ln --stats
    cat >&2 <<EOT

Next:
  - edit stacks/Pulumi.$stack.yaml (scheduler: dh), then: source .toolchain/env && pulumi up --stack $stack
    the table is edited in place in the same director container; requests then all land on one real server
  - explore: DOCKER_HOST=$DOCKER_HOST docker ps
  - clean up: source .toolchain/env && pulumi destroy --stack $stack --yes; PULUMI_LVS_LAB_KIND=docker npm run lab -- down
EOT
    exit 0
fi
say "Proof: 6 requests from the client VM to $vip"
bash lab/lab ssh client "for i in 1 2 3 4 5 6; do curl -s --max-time 5 $vip; done"

say "The director's live table, as npm run status -- $stack shows it"
sleep 2 # counters refresh about every 2 s
node dist/tools/status.js "$stack"

cat >&2 <<EOT

Next:
  - edit stacks/Pulumi.$stack.yaml (scheduler: dh), then: source .toolchain/env && pulumi up --stack $stack
    the table is edited in place (ipvsadm -E); requests then all land on one real server
  - drift: npm run lab -- ssh director ipvsadm -e -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 5
    then pulumi preview --stack $stack --diff shows it, and pulumi up repairs it
  - explore: npm run lab -- ssh director   |   npm run lab -- ssh client curl -s $vip
  - clean up: source .toolchain/env && pulumi destroy --stack $stack --yes; npm run lab -- down
EOT
