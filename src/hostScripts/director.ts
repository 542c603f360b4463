// The director's steps, in the tutorial's order: ipvsadm present, forwarding
// on, VIP and DIP addresses, then the virtual service with its real servers,
// saved so that Debian's ipvsadm service restores it at boot.
import { destinationAddress, destinationFlags, serviceAddress, serviceFlags } from "../ipvs";
import { lines } from "../shell";
import { cidr, DirectorSpec, RealServerSpec, VirtualServiceSpec } from "../spec";
import { CLEAN_STATE, ensurePackage, HostStep, installUnit, networkUnit, preamble, purgeIfInstalled, removeUnit, requireInterfaces } from "./common";

/** ipvsadm installed (from apt when missing) and the kernel able to do IPVS. */
export function ipvsadmStep(director: Pick<DirectorSpec, "name">): HostStep {
    return {
        create: lines(
            preamble(director.name),
            'mkdir -p "$state"',
            ensurePackage("ipvsadm"),
            // Listing loads ip_vs; failing here means the kernel cannot do IPVS at all.
            'ipvsadm -L -n >/dev/null || { echo "this kernel has no IPVS (module ip_vs): use a kernel with CONFIG_IP_VS" >&2; exit 1; }',
            "ipvsadm --version",
        ),
        delete: lines(preamble(director.name), purgeIfInstalled("ipvsadm"), CLEAN_STATE),
    };
}

export const SYSCTL_FILE = "/etc/sysctl.d/90-pulumi-lvs.conf";

/** net.ipv4.ip_forward = 1, now and at every boot; delete restores the value found. */
export function ipForwardStep(director: Pick<DirectorSpec, "name">): HostStep {
    return {
        create: lines(
            preamble(director.name),
            'mkdir -p "$state"',
            '[ -e "$state/ip_forward.orig" ] || sysctl -n net.ipv4.ip_forward > "$state/ip_forward.orig"',
            `printf '%s\\n' '# Written by pulumi-lvs: the director forwards between the VIP and real-server networks.' 'net.ipv4.ip_forward = 1' > ${SYSCTL_FILE}`,
            "sysctl -q -w net.ipv4.ip_forward=1",
        ),
        delete: lines(
            preamble(director.name),
            `rm -f ${SYSCTL_FILE}`,
            'if [ -e "$state/ip_forward.orig" ]; then',
            '    sysctl -q -w net.ipv4.ip_forward="$(cat "$state/ip_forward.orig")"',
            '    rm -f "$state/ip_forward.orig"',
            "fi",
            CLEAN_STATE,
        ),
    };
}

export function directorUnitName(director: Pick<DirectorSpec, "name">): string {
    return `pulumi-lvs-${director.name}-addresses.service`;
}

/** VIP on the outside interface, DIP on the inside one, kept by a systemd unit. */
export function addressesStep(director: Pick<DirectorSpec, "name" | "vip" | "dip">): HostStep {
    const { vip, dip } = director;
    const start = [
        `link set dev ${vip.interface} up`,
        `address replace ${cidr(vip)} dev ${vip.interface}`,
        `link set dev ${dip.interface} up`,
        `address replace ${cidr(dip)} dev ${dip.interface}`,
    ];
    const stop = [`address del ${cidr(vip)} dev ${vip.interface}`, `address del ${cidr(dip)} dev ${dip.interface}`];
    const unit = networkUnit(
        `pulumi-lvs director ${director.name}: VIP ${cidr(vip)} on ${vip.interface}, DIP ${cidr(dip)} on ${dip.interface}`,
        [...new Set([vip.interface, dip.interface])],
        start,
        stop,
    );
    const name = directorUnitName(director);
    return {
        create: lines(
            preamble(director.name),
            requireInterfaces([vip.interface, dip.interface], "lvs:director.vipInterface/dipInterface"),
            installUnit(name, unit),
        ),
        delete: lines(preamble(director.name), removeUnit(name)),
    };
}

/** Where Debian's ipvsadm service reads the rules it restores at boot. */
export const RULES_FILE = "/etc/ipvsadm.rules";
export const IPVSADM_DEFAULTS = "/etc/default/ipvsadm";

/**
 * The virtual service and its real servers, converged like kube-proxy's
 * IPVS proxier: read the live table, then add what is missing, edit what
 * differs and remove what is no longer wanted. A scheduler or weight change
 * is an `-E`/`-e` in place; the table is never flushed. The rules are then
 * saved and restored at boot by Debian's ipvsadm service, and the applied
 * service is printed (the `ipvsTable` output).
 */
export function virtualServiceStep(
    director: Pick<DirectorSpec, "name" | "vip">,
    vs: VirtualServiceSpec,
    realServers: Pick<RealServerSpec, "address" | "weight">[],
): HostStep {
    const svc = serviceAddress(director, vs);
    const wanted = realServers.map(destinationAddress);
    return {
        create: lines(
            preamble(director.name),
            'mkdir -p "$state"',
            `svc=${svc}`,
            "# The virtual service: added, or its scheduler edited in place.",
            'if ipvsadm -L -n -t "$svc" >/dev/null 2>&1; then',
            `    ipvsadm -E -t "$svc" ${serviceFlags(vs)}`,
            "else",
            `    ipvsadm -A -t "$svc" ${serviceFlags(vs)}`,
            "fi",
            "# Its real servers: added, edited in place, or removed when no longer listed.",
            `live=$(ipvsadm-save -n | awk -v svc="$svc" '$1 == "-a" && $3 == svc { print $5 }')`,
            ...realServers.map((rs) => {
                const rip = destinationAddress(rs);
                return `if printf '%s\\n' "$live" | grep -qxF ${rip}; then ipvsadm -e -t "$svc" -r ${rip} ${destinationFlags(rs)}; else ipvsadm -a -t "$svc" -r ${rip} ${destinationFlags(rs)}; fi`;
            }),
            "for rip in $live; do",
            `    case " ${wanted.join(" ")} " in *" $rip "*) ;; *) ipvsadm -d -t "$svc" -r "$rip" ;; esac`,
            "done",
            saveRules(),
            restoreAtBoot(),
            'ipvsadm -L -n -t "$svc"',
        ),
        delete: lines(
            preamble(director.name),
            `svc=${svc}`,
            'if ipvsadm -L -n -t "$svc" >/dev/null 2>&1; then ipvsadm -D -t "$svc"; fi',
            'mkdir -p "$state"',
            saveRules(),
            // The last service gone: boot-time restore goes back to how it was found.
            undoRestoreAtBoot(),
            CLEAN_STATE,
        ),
    };
}

/** Saves the live table where the ipvsadm service restores it from, noting whether the file is ours. */
function saveRules(): string {
    return lines(
        `[ -e ${RULES_FILE} ] || touch "$state/ipvsadm-rules.created"`,
        `ipvsadm-save -n > ${RULES_FILE}.new && mv ${RULES_FILE}.new ${RULES_FILE}`,
    ).trimEnd();
}

/**
 * Turns on Debian's restore at boot (AUTO="true", the ipvsadm service
 * enabled), recording both original settings first.
 */
function restoreAtBoot(): string {
    return lines(
        `if [ -f ${IPVSADM_DEFAULTS} ]; then`,
        `    [ -e "$state/ipvsadm-auto.orig" ] || sed -n 's/^AUTO=//p' ${IPVSADM_DEFAULTS} > "$state/ipvsadm-auto.orig"`,
        `    if grep -q '^AUTO=' ${IPVSADM_DEFAULTS}; then sed -i 's/^AUTO=.*/AUTO="true"/' ${IPVSADM_DEFAULTS}; else echo 'AUTO="true"' >> ${IPVSADM_DEFAULTS}; fi`,
        "fi",
        `[ -e "$state/ipvsadm-service.orig" ] || { systemctl is-enabled --quiet ipvsadm 2>/dev/null && echo enabled || echo disabled; } > "$state/ipvsadm-service.orig"`,
        "systemctl is-enabled --quiet ipvsadm 2>/dev/null || systemctl enable --quiet ipvsadm 2>/dev/null",
    ).trimEnd();
}

/** The undo of restoreAtBoot, once the table holds no service any more. */
function undoRestoreAtBoot(): string {
    return lines(
        'if [ -z "$(ipvsadm-save -n)" ]; then',
        `    if [ -e "$state/ipvsadm-auto.orig" ]; then sed -i "s/^AUTO=.*/AUTO=$(cat "$state/ipvsadm-auto.orig")/" ${IPVSADM_DEFAULTS}; fi`,
        `    if [ "$(cat "$state/ipvsadm-service.orig" 2>/dev/null)" = disabled ]; then systemctl disable --quiet ipvsadm 2>/dev/null || true; fi`,
        `    if [ -e "$state/ipvsadm-rules.created" ]; then rm -f ${RULES_FILE}; fi`,
        '    rm -f "$state/ipvsadm-auto.orig" "$state/ipvsadm-service.orig" "$state/ipvsadm-rules.created"',
        "fi",
    ).trimEnd();
}
