// What every host step shares: the shape of a step, where a step keeps the
// facts it needs to undo itself, and the checks every script starts with.
import { lines, shellQuote } from "../shell";

/**
 * One idempotent change to a host: `create` converges the host (it also
 * serves as the update, since it can run again any time); `delete` undoes
 * exactly what `create` added, using what it recorded under the state dir.
 */
export interface HostStep {
    create: string;
    delete: string;
    /** Data for `create` on standard input (kept out of the command text). */
    stdin?: string;
}

/** Root of the facts pulumi-lvs records on a host (original values to restore). */
export const STATE_ROOT = "/var/lib/pulumi-lvs";

/** The state directory of one host, named after its director or real server. */
export function stateDir(host: string): string {
    return `${STATE_ROOT}/${host}`;
}

/** First lines of every script: stop at the first error; refuse hosts without systemd. */
export function preamble(host: string): string {
    return lines(
        "set -eu",
        `state=${shellQuote(stateDir(host))}`,
        'command -v systemctl >/dev/null 2>&1 || { echo "pulumi-lvs needs a systemd host (Debian or Ubuntu)" >&2; exit 1; }',
    ).trimEnd();
}

/** Fails with the host's interface names unless every given interface exists; `setting` tells where to fix it. */
export function requireInterfaces(devices: string[], setting: string): string {
    return lines(
        `for dev in ${devices.map(shellQuote).join(" ")}; do`,
        `    [ -e "/sys/class/net/$dev" ] || { echo "interface $dev not found on this host (see ${setting}); it has: $(ls /sys/class/net | tr "\\n" " ")" >&2; exit 1; }`,
        "done",
    ).trimEnd();
}

/** Removes the state directory once its last fact is gone. */
export const CLEAN_STATE = `rmdir "$state" 2>/dev/null || true; rmdir ${STATE_ROOT} 2>/dev/null || true`;

/**
 * Installs a Debian package unless it is there already, recording that this
 * step installed it so that delete purges it (and only then).
 */
export function ensurePackage(pkg: string): string {
    const p = shellQuote(pkg);
    return lines(
        `if ! dpkg-query -W -f='\${Status}' ${p} 2>/dev/null | grep -q 'install ok installed'; then`,
        `    command -v apt-get >/dev/null 2>&1 || { echo "${pkg} is not installed and this host has no apt-get: install ${pkg}, then run pulumi up again" >&2; exit 1; }`,
        `    DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${p} >/dev/null`,
        `    touch "$state/${pkg}.installed"`,
        "fi",
    ).trimEnd();
}

/** The undo of ensurePackage: purge only what this step installed. */
export function purgeIfInstalled(pkg: string): string {
    const p = shellQuote(pkg);
    return lines(
        `if [ -e "$state/${pkg}.installed" ]; then`,
        `    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ${p} >/dev/null`,
        `    rm -f "$state/${pkg}.installed"`,
        "fi",
    ).trimEnd();
}

/**
 * A oneshot systemd unit that applies `ip` commands at start and reverts them
 * at stop: addresses come back after a reboot whatever network manager the
 * host uses, and stopping the unit is the exact undo.
 */
export function networkUnit(description: string, devices: string[], start: string[], stop: string[]): string {
    const deviceUnits = devices.map((d) => `sys-subsystem-net-devices-${d}.device`).join(" ");
    return lines(
        "[Unit]",
        `Description=${description}`,
        `Wants=network-pre.target ${deviceUnits}`,
        `After=network-pre.target ${deviceUnits}`,
        "Before=network.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        ...start.map((c) => `ExecStart=/sbin/ip ${c}`),
        // "-": a stop that finds the address already gone is not a failure.
        ...stop.map((c) => `ExecStop=-/sbin/ip ${c}`),
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    );
}

/**
 * Shell that writes, enables and starts a network unit. The unit restarts
 * (re-applying its `ip` commands) only when its text changed, so re-running
 * a step does not blip the addresses.
 */
export function installUnit(unitName: string, unit: string): string {
    const path = `/etc/systemd/system/${unitName}`;
    return lines(
        `cat > ${path}.new <<'UNIT'`,
        unit.trimEnd(),
        "UNIT",
        `if cmp -s ${path}.new ${path}; then rm -f ${path}.new; action=start; else mv ${path}.new ${path}; systemctl daemon-reload; action=restart; fi`,
        `systemctl enable --quiet ${unitName}`,
        `systemctl "$action" ${unitName}`,
    ).trimEnd();
}

/** Shell that stops (reverting its `ip` changes), disables and removes a unit. */
export function removeUnit(unitName: string): string {
    return lines(
        `if [ -e /etc/systemd/system/${unitName} ]; then`,
        `    systemctl disable --now --quiet ${unitName} || true`,
        `    rm -f /etc/systemd/system/${unitName}`,
        "    systemctl daemon-reload",
        "fi",
    ).trimEnd();
}
