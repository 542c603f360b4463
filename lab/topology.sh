# The lab's topology, sourced by lab/lab. It mirrors the LVS tutorial:
#   vip network 192.168.145.0/24: the client, the director's outside NIC (VIP), the namespace's own .1,
#                                 and .13, a second client (sh pins it to another real server than .10)
#   rs network  192.168.2.0/24:   the director's inside NIC (DIP), the real servers, and the namespace's
#                                 .254: the router VS/DR and VS/TUN real servers answer clients through
#   mgmt network 10.77.0.0/24:    one NIC per VM for SSH (the engine's path), never routed elsewhere
# The vip and rs networks carry IPv6 too (fd00:145::/64 and fd00:2::/64, the namespace's ::1 and ::254 as
# above) for the stacks' ipv6 services; the VMs' NICs there have only their link-local addresses of their own.
# Addresses on the vip and rs networks are pulumi-lvs's job, except the client's.
# Everything lives in the lab's own network namespace.

# The container lab (below) has defaults of its own, so both labs can be up at once.
if [ "${PULUMI_LVS_LAB_KIND:-vms}" = docker ]; then
    LAB_NETNS=${PULUMI_LVS_LAB_NETNS:-pulumi-lvs-docker}
    LAB_SSH_PORT_BASE=${PULUMI_LVS_LAB_SSH_PORT_BASE:-2330}
    LAB_DEFAULT_DIR=.lab-docker
else
    LAB_NETNS=${PULUMI_LVS_LAB_NETNS:-pulumi-lvs-lab}
    LAB_SSH_PORT_BASE=${PULUMI_LVS_LAB_SSH_PORT_BASE:-2220}
    LAB_DEFAULT_DIR=.lab
fi

# Bridges: name, the namespace's addresses on it (comma-separated; "-" for none).
# The namespace routes between br-vip and br-rs (the router of DR and TUN).
LAB_BRIDGES=(
    "br-mgmt 10.77.0.1/24"
    "br-vip 192.168.145.1/24,192.168.145.13/24,fd00:145::1/64"
    "br-rs 192.168.2.254/24,fd00:2::254/64"
)

# VMs: name, index (MACs, SSH port = base + index), management address,
# bridges of eth1.. in order, lab-configured extra addresses (IFACE,CIDR), and
# the image: `base` has ipvsadm and lighttpd installed, `bare` has neither
# (pulumi-lvs installs them with apt, from the lab's package repository),
# `director` is base with keepalived installed and not running (health checks).
# `trixie/…` is the same image made from Debian 13 with its own kernel: the
# director and rs1 run Debian 13, rs2 and the client Debian 12, so that every
# end-to-end suite proves both (lab/build-image.sh). director2 is the second director of a pair (VRRP:
# lvs:backup), on Debian 12 with its keepalived 2.2.7, beside the first's Debian 13 and keepalived 2.3.3.
LAB_VMS=(
    "director 1 10.77.0.11 br-vip,br-rs - trixie/director"
    "rs1 2 10.77.0.12 br-rs - trixie/base"
    "rs2 3 10.77.0.13 br-rs - bare"
    "client 4 10.77.0.14 br-vip eth1,192.168.145.10/24 base"
    "director2 5 10.77.0.15 br-vip,br-rs - director"
)

# The container lab (PULUMI_LVS_LAB_KIND=docker): one VM, the Docker host, whose
# engine's socket the lab forwards to $PULUMI_LVS_LAB_DIR/run/docker.sock. The
# cluster's networks, director, real servers and client are its containers.
if [ "${PULUMI_LVS_LAB_KIND:-vms}" = docker ]; then
    LAB_VMS=("dockerhost 1 10.77.0.11 - - docker")
fi
# The image the lab imports on the Docker host for every container of a cluster.
LAB_CONTAINER_IMAGE=pulumi-lvs/lab-host:1

# The lab's Debian package repository: served on the management bridge (the
# VMs' only package source), from the image's repo/ directory.
LAB_REPO_ADDRESS=10.77.0.1
LAB_REPO_PORT=8080
