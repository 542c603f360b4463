#!/usr/bin/env bash
# The benchmark's baseline: the LVS tutorial (VS/NAT) as the plain shell script
# a user would write instead of pulumi-lvs, on the ci lab's hosts: one batched
# SSH session per host, all hosts in parallel. The same steps as the ci stack:
# addresses and links, the real servers' default route through the DIP,
# ip_forward (persisted), `ipvsadm -A/-a ... -m` and the saved rules restored at
# boot, httpd (installed with apt where missing) enabled with a test page.
#   scripts/bench-tutorial.sh apply   converge the lab from bare VMs
#   scripts/bench-tutorial.sh undo    give the hosts back as they were (so pulumi up starts from empty)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
set -a; . "$repo/lab/ci-lab.env"; set +a
key="$repo/${PULUMI_LVS_LAB_DIR}/ssh/id_ed25519"
base=$PULUMI_LVS_LAB_SSH_PORT_BASE
action=${1:?usage: bench-tutorial.sh apply|undo}

director_apply='
ip link set eth1 up && ip link set eth2 up
ip address replace 192.168.145.100/24 dev eth1
ip address replace 192.168.2.1/24 dev eth2
printf "[Match]\nName=eth1\n[Network]\nAddress=192.168.145.100/24\n" > /etc/systemd/network/50-bench-eth1.network
printf "[Match]\nName=eth2\n[Network]\nAddress=192.168.2.1/24\n" > /etc/systemd/network/50-bench-eth2.network
echo net.ipv4.ip_forward=1 > /etc/sysctl.d/50-bench.conf && sysctl -q -w net.ipv4.ip_forward=1
ipvsadm -A -t 192.168.145.100:80 -s rr
ipvsadm -a -t 192.168.145.100:80 -r 192.168.2.100:80 -m
ipvsadm -a -t 192.168.145.100:80 -r 192.168.2.101:80 -m
ipvsadm-save -n > /etc/ipvsadm.rules
sed -i "s/^AUTO=.*/AUTO=\"true\"/" /etc/default/ipvsadm
systemctl enable --quiet ipvsadm
'
director_undo='
ipvsadm -D -t 192.168.145.100:80 || true
rm -f /etc/ipvsadm.rules /etc/sysctl.d/50-bench.conf /etc/systemd/network/50-bench-eth*.network
sed -i "s/^AUTO=.*/AUTO=\"false\"/" /etc/default/ipvsadm
sysctl -q -w net.ipv4.ip_forward=0
ip address del 192.168.145.100/24 dev eth1 || true
ip address del 192.168.2.1/24 dev eth2 || true
ip link set eth1 down && ip link set eth2 down
'
rs_apply() { # rs_apply NAME ADDRESS
    cat <<EOF
ip link set eth1 up
ip address replace $2/24 dev eth1
ip route replace default via 192.168.2.1 dev eth1
printf "[Match]\nName=eth1\n[Network]\nAddress=$2/24\nGateway=192.168.2.1\n" > /etc/systemd/network/50-bench-eth1.network
dpkg-query -W -f='\${Status}' lighttpd 2>/dev/null | grep -q "ok installed" ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q lighttpd >/dev/null &&
        touch /root/.bench-installed-lighttpd; }
echo "<h1>$1 ($2)</h1>" > /var/www/html/index.html
systemctl enable --quiet --now lighttpd
EOF
}
rs_undo() { # rs_undo NAME ADDRESS ORIGINAL_ROUTE
    cat <<EOF
systemctl disable --quiet --now lighttpd
rm -f /var/www/html/index.html /etc/systemd/network/50-bench-eth1.network
if [ -e /root/.bench-installed-lighttpd ]; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q --autoremove lighttpd >/dev/null && rm /root/.bench-installed-lighttpd
fi
ip route replace $3
ip address del $2/24 dev eth1 || true
ip link set eth1 down
EOF
}

on() { # on PORT SCRIPT: one batched session, as root
    ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -i "$key" -p "$1" root@127.0.0.1 "set -e; $2"
}

case "$action" in
    apply)
        on $((base + 1)) "$director_apply" &
        on $((base + 2)) "$(rs_apply rs1 192.168.2.100)" &
        on $((base + 3)) "$(rs_apply rs2 192.168.2.101)" &
        ;;
    undo)
        # The management network's route is the VMs' original default (lab/topology.sh).
        on $((base + 1)) "$director_undo" &
        on $((base + 2)) "$(rs_undo rs1 192.168.2.100 'default via 10.77.0.1 dev eth0')" &
        on $((base + 3)) "$(rs_undo rs2 192.168.2.101 'default via 10.77.0.1 dev eth0')" &
        ;;
    *) echo "usage: bench-tutorial.sh apply|undo" >&2; exit 2 ;;
esac
failed=0
for job in $(jobs -p); do wait "$job" || failed=1; done
exit $failed
