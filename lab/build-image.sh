#!/usr/bin/env bash
# Builds the lab's VM image into OUTDIR (atomically): Debian (bookworm, or the SUITE given) with
# systemd, openssh-server, sudo, ipvsadm, lighttpd and nftables, curl and socat
# (the tests' clients and listeners; minbase debootstrap),
# and Debian's own kernel (`linux-image-amd64`, whose ip_vs modules the host
# kernel lacks) with a small gzip initramfs. Produces:
#   vmlinux   the uncompressed kernel (QEMU boots it via PVH: no slow XZ under TCG)
#   initrd    Debian's initramfs (virtio_pci, virtio_blk, ext4)
#   base.img  the root filesystem (ext4), shared read-only by all VMs via qcow2 overlays
#   bare.img  the same without ipvsadm, lighttpd and nftables (and what only they needed):
#             a host as users have it, on which pulumi-lvs installs them with apt
#   director.img  base plus Debian's keepalived, as its package leaves a host (enabled, not running
#             without a keepalived.conf): the director's image, for health checks. Installed here, on the
#             host, because apt in an emulated VM spends minutes unpacking the Perl that its SNMP library needs
#   docker.img  base plus Debian's docker.io, enabled: the lab's Docker host (container hosts)
#   host.tar  base's root filesystem without kernel, boot and firmware files: imported on the
#             Docker host as the image of the director, real-server and client containers
#   repo/     a Debian package repository of exactly those packages, which the
#             lab serves to its VMs (their only package source: they have no other route)
# Both images have the users `deploy` (passwordless sudo) and `nosudo` (no sudo),
# who get the lab's SSH key at boot like root.
# Another SUITE (trixie: Debian 13) makes vmlinux, initrd, base.img, director.img and repo/ only, the
# hosts the lab runs on that Debian (lab/topology.sh), with the same packages and the same preparation.
# Usage: lab/build-image.sh OUTDIR [SUITE]        (needs root: debootstrap, chroot, mount)
set -euo pipefail
out=${1:?usage: build-image.sh OUTDIR [SUITE]}
suite=${2:-bookworm}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mirror=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=systemd-sysv,udev,openssh-server,sudo,ipvsadm,iproute2,kmod,procps,lighttpd,nftables,curl,socat
# The packages pulumi-lvs installs on a host that lacks them (nftables: the director's firewall marks).
installed_by_project="ipvsadm lighttpd nftables"
step() { printf '[lab image] %s\n' "$*" >&2; }

work=$(mktemp -d "${out%/}.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

# Everything that mounts runs in a private mount namespace: nothing stays mounted, even after a crash.
export rootfs here mirror suite packages installed_by_project work
unshare --mount --propagation private bash -euo pipefail -c '
step() { printf "[lab image] %s\n" "$*" >&2; }
in_root() { chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

step "debootstrap $suite (minbase + $packages), about 2 minutes"
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" > "$rootfs.debootstrap.log" 2>&1 ||
    { tail -n 30 "$rootfs.debootstrap.log" >&2; exit 1; }

mount -t proc proc "$rootfs/proc"
mount --bind /dev "$rootfs/dev"
mount -t sysfs sys "$rootfs/sys"
# No service starts inside the chroot.
printf "#!/bin/sh\nexit 101\n" > "$rootfs/usr/sbin/policy-rc.d"
chmod 755 "$rootfs/usr/sbin/policy-rc.d"

step "Debian kernel with a small gzip initramfs"
mkdir -p "$rootfs/etc/initramfs-tools/conf.d"
printf "MODULES=list\nCOMPRESS=gzip\n" > "$rootfs/etc/initramfs-tools/conf.d/lab.conf"
printf "virtio_pci\nvirtio_blk\next4\n" >> "$rootfs/etc/initramfs-tools/modules"
in_root apt-get install -y -q --no-install-recommends linux-image-amd64 > "$rootfs.kernel.log" 2>&1 ||
    { tail -n 30 "$rootfs.kernel.log" >&2; exit 1; }

step "configuring systemd, ssh and the lab identity unit"
install -m 755 "$here/image/lab-init" "$rootfs/usr/local/sbin/lab-init"
install -m 644 "$here/image/lab-init.service" "$rootfs/etc/systemd/system/lab-init.service"
install -D -m 644 "$here/image/networkd-lab.conf" "$rootfs/etc/systemd/networkd.conf.d/lab.conf"
install -m 644 "$here/image/modprobe-lab.conf" "$rootfs/etc/modprobe.d/lab.conf"
printf "PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n" > "$rootfs/etc/ssh/sshd_config.d/lab.conf"
printf "/dev/vda / ext4 rw,noatime 0 1\n" > "$rootfs/etc/fstab"
: > "$rootfs/etc/machine-id"
in_root systemctl enable --quiet lab-init.service systemd-networkd.service
in_root systemctl set-default --quiet multi-user.target
# Hosts start as the tutorial finds them: httpd installed but not serving (the RealServer enables it).
in_root systemctl disable --quiet lighttpd.service
# No timers: a VM restored from the saved state of the lab sets its clock forward, and a daily job (the
# backup of the dpkg database, the apt jobs) would fire then, beside the test that uses the VM.
in_root systemctl mask --quiet serial-getty@ttyS0.service getty@tty1.service e2scrub_reap.service \
    systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
    dpkg-db-backup.timer systemd-tmpfiles-clean.timer

step "users deploy (passwordless sudo) and nosudo"
in_root useradd --create-home --shell /bin/bash deploy
in_root useradd --create-home --shell /bin/bash nosudo
printf "deploy ALL=(ALL) NOPASSWD:ALL\n" > "$rootfs/etc/sudoers.d/deploy"
chmod 440 "$rootfs/etc/sudoers.d/deploy"

step "the package repository of what a bare host lacks: $installed_by_project and what only they need"
# What purging them would take away is exactly what a bare host lacks and apt must bring.
lacking=$(in_root apt-get -s purge --autoremove $installed_by_project | awk "/^Purg / { print \$2 }" | sort -u | tr "\n" " ")
mkdir -p "$work/repo"
(cd "$work/repo" && chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c "cd /tmp && apt-get download -q $lacking >/dev/null" && mv "$rootfs"/tmp/*.deb .)
(cd "$work/repo" && dpkg-scanpackages --multiversion . /dev/null > Packages 2>/dev/null && gzip -9kn Packages)
# A Release file, so that apt takes the flat repository (trusted=yes: it is unsigned).
(cd "$work/repo" && {
    printf "Origin: pulumi-lvs lab\nLabel: pulumi-lvs lab\nSuite: lab\nCodename: lab\nArchitectures: amd64\nDate: %s\n" "$(LC_ALL=C date -u -R)"
    printf "MD5Sum:\n"; for f in Packages Packages.gz; do printf " %s %s %s\n" "$(md5sum < $f | cut -d" " -f1)" "$(stat -c %s $f)" "$f"; done
    printf "SHA256:\n"; for f in Packages Packages.gz; do printf " %s %s %s\n" "$(sha256sum < $f | cut -d" " -f1)" "$(stat -c %s $f)" "$f"; done
} > Release)
printf "%s\n" $lacking > "$work/repo/lacking"
step "repository: $(ls "$work/repo"/*.deb | wc -l) packages ($lacking)"
# The VMs reach only the lab: their one package source is its repository.
# (Another suite'"'"'s repository is served under /SUITE: lab/repo-server.js.)
if [ "$suite" = bookworm ]; then repo_url=http://10.77.0.1:8080; else repo_url=http://10.77.0.1:8080/$suite; fi
printf "deb [trusted=yes] %s ./\n" "$repo_url" > "$rootfs/etc/apt/sources.list"
rm -f "$rootfs/etc/apt/sources.list.d/"*
rm -f "$rootfs/usr/sbin/policy-rc.d"

step "trimming (drivers a VM never loads, docs, apt caches)"
kver=$(ls "$rootfs/lib/modules")
for d in sound drivers/gpu drivers/media drivers/net/wireless drivers/infiniband drivers/staging drivers/isdn \
    drivers/bluetooth net/bluetooth net/wireless net/mac80211; do rm -rf "$rootfs/lib/modules/$kver/kernel/$d"; done
in_root depmod -a "$kver"
in_root apt-get clean
rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/usr/share/doc" "$rootfs/usr/share/man" "$rootfs/usr/share/locale"
cp "$rootfs/boot/vmlinuz-$kver" "$rootfs.vmlinuz"
cp "$rootfs/boot/initrd.img-$kver" "$rootfs.initrd"
umount "$rootfs/sys" "$rootfs/dev" "$rootfs/proc"
'

step "extracting the uncompressed kernel"
# bookworm's kernel is XZ-compressed, trixie's zstd: the first stream of either kind in the image.
# (bytes, not UTF-8: LC_ALL=C; awk reads every match, since `head` would close the pipe early and fail under
# pipefail; grep finding nothing is no failure here)
first_stream() { { LC_ALL=C grep -obUaP "$1" "$rootfs.vmlinuz" || true; } | awk -F: 'NR == 1 { print $1 }'; }
xz_at=$(first_stream '\xfd7zXZ\x00')
zstd_at=$(first_stream '\x28\xb5\x2f\xfd')
# The data after the stream makes either tool complain; the kernel itself is complete.
if [ -n "$xz_at" ] && { [ -z "$zstd_at" ] || [ "$xz_at" -lt "$zstd_at" ]; }; then
    tail -c +$((xz_at + 1)) "$rootfs.vmlinuz" | xz -dcq > "$work/vmlinux" 2>/dev/null || true
elif [ -n "$zstd_at" ]; then
    tail -c +$((zstd_at + 1)) "$rootfs.vmlinuz" | zstd -dcq > "$work/vmlinux" 2>/dev/null || true
else
    step "no XZ or zstd stream in the kernel image"
    exit 1
fi
[ "$(head -c 4 "$work/vmlinux" | od -An -c | tr -d ' ')" = "177ELF" ] || { step "extracted kernel is not an ELF file"; exit 1; }
mv "$rootfs.initrd" "$work/initrd"

if [ "$suite" = bookworm ]; then
    step "root filesystem images: base (with $installed_by_project), director (with keepalived), docker (with docker.io) and bare (without either)"
else
    step "root filesystem images: base (with $installed_by_project) and director (with keepalived)"
fi
mkfs.ext4 -q -F -L labroot -d "$rootfs" "$work/base.img" 2G
# The containers' image: the same userland (ipvsadm, lighttpd, curl, iproute2), no kernel or boot files.
[ "$suite" != bookworm ] || tar -C "$rootfs" --numeric-owner --exclude=./boot --exclude=./lib/modules --exclude=./usr/lib/modules \
    --exclude=./usr/lib/firmware --exclude=./var/cache/apt --exclude=./var/lib/apt/lists -cf "$work/host.tar" .
in_chroot() { # in_chroot LOG COMMAND...: with /proc, and no service started
    local log=$1
    shift
    unshare --mount --propagation private bash -euo pipefail -c '
mount -t proc proc "$rootfs/proc"
printf "#!/bin/sh\nexit 101\n" > "$rootfs/usr/sbin/policy-rc.d"; chmod 755 "$rootfs/usr/sbin/policy-rc.d"
chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@" > "$0" 2>&1 ||
    { tail -n 20 "$0" >&2; exit 1; }
rm -f "$rootfs/usr/sbin/policy-rc.d" "$0"
umount "$rootfs/proc"
' "$log" "$@"
}
# The director's and the Docker host's packages come from the Debian mirror (the VMs have no other source);
# each image is base plus its packages, purged again (with what only they needed) before the next one.
from_mirror() { # from_mirror LOG APT_COMMAND: with the mirror as the only source, the lab's repository back after
    mv "$rootfs/etc/apt/sources.list" "$rootfs/etc/apt/sources.list.lab"
    printf "deb %s %s main\n" "$mirror" "$suite" > "$rootfs/etc/apt/sources.list"
    in_chroot "$1" sh -c "apt-get update -q && $2 && apt-get clean"
    mv "$rootfs/etc/apt/sources.list.lab" "$rootfs/etc/apt/sources.list" && rm -rf "$rootfs/var/lib/apt/lists/"*
}
from_mirror "$rootfs.keepalived.log" "apt-get install -y -q --no-install-recommends keepalived"
mkfs.ext4 -q -F -L labroot -d "$rootfs" "$work/director.img" 2G
# Another suite's lab runs only a director and real servers on it (lab/topology.sh): base and director.
if [ "$suite" = bookworm ]; then
    in_chroot "$rootfs.unkeepalived.log" apt-get purge -y -q --autoremove keepalived
    # The Docker host: docker.io, started at boot, with the ip_vs modules a director container needs loaded
    # at boot (no container can load modules).
    from_mirror "$rootfs.docker.log" "apt-get install -y -q --no-install-recommends docker.io"
    printf "ip_vs\nip_vs_rr\nip_vs_wrr\nip_vs_dh\nip_vs_sh\nip_vs_lc\nip_vs_wlc\n" > "$rootfs/etc/modules-load.d/lab-docker.conf"
    mkfs.ext4 -q -F -L labroot -d "$rootfs" "$work/docker.img" 3G
    rm -f "$rootfs/etc/modules-load.d/lab-docker.conf"
    in_chroot "$rootfs.purge.log" apt-get purge -y -q --autoremove docker.io containerd runc $installed_by_project
    mkfs.ext4 -q -F -L labroot -d "$rootfs" "$work/bare.img" 2G
fi
rm -rf "$rootfs" "$rootfs".*
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$work" "$out"
trap - EXIT
step "$suite image ready in $out ($(du -sh "$out" | cut -f1))"
