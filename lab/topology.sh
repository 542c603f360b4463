# The lab's topology, sourced by lab/lab. It mirrors the LVS tutorial:
#   vip network 192.168.145.0/24: the client, the director's outside NIC (VIP), the namespace's own .1
#   rs network  192.168.2.0/24:   the director's inside NIC (DIP) and the real servers
#   mgmt network 10.77.0.0/24:    one NIC per VM for SSH (the engine's path), never routed elsewhere
# Addresses on the vip and rs networks are pulumi-lvs's job, except the client's.
# Everything lives in the lab's own network namespace.

LAB_NETNS=${PULUMI_LVS_LAB_NETNS:-pulumi-lvs-lab}
LAB_SSH_PORT_BASE=${PULUMI_LVS_LAB_SSH_PORT_BASE:-2220}

# Bridges: name, the namespace's address on it ("" for none).
LAB_BRIDGES=(
    "br-mgmt 10.77.0.1/24"
    "br-vip 192.168.145.1/24"
    "br-rs -"
)

# VMs: name, index (MACs, SSH port = base + index), management address,
# bridges of eth1.. in order, lab-configured extra addresses (IFACE,CIDR), and
# the image: `base` has ipvsadm and lighttpd installed, `bare` has neither
# (pulumi-lvs installs them with apt, from the lab's package repository).
LAB_VMS=(
    "director 1 10.77.0.11 br-vip,br-rs - base"
    "rs1 2 10.77.0.12 br-rs - base"
    "rs2 3 10.77.0.13 br-rs - bare"
    "client 4 10.77.0.14 br-vip eth1,192.168.145.10/24 base"
)

# The lab's Debian package repository: served on the management bridge (the
# VMs' only package source), from the image's repo/ directory.
LAB_REPO_ADDRESS=10.77.0.1
LAB_REPO_PORT=8080
