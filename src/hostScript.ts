// What every host script shares: where a host keeps the facts it needs to
// undo a change, the first lines of every script, failures that explain
// themselves in one line, and the package helpers (install with apt when
// missing, purge exactly what was installed).
import { lines, raw, sh, words, writeFile } from "./shell";

/** The scripts of one host fact: converge it, read it back, undo it. */
export interface FactScripts {
    /** Converges the host; safe to run again at any time. */
    apply: string;
    /** Prints the live state, one `key value` line per fact (see each fact's parser). */
    read: string;
    /** Undoes exactly what apply added, from what it recorded under the state directory. */
    remove: string;
    /** Data for apply on standard input (kept out of the script text). */
    stdin?: string;
}

/** Root of the facts pulumi-lvs records on a host (original values to restore). */
export const STATE_ROOT = "/var/lib/pulumi-lvs";

/** The state directory of one host, named after its director or real server. */
export function stateDir(host: string): string {
    return `${STATE_ROOT}/${host}`;
}

/** Marks a line of stderr as the one-line reason for a failure (the provider shows only these lines). */
export const FAILURE_PREFIX = "pulumi-lvs: ";
/** Marks a warning to show without failing. */
export const WARNING_PREFIX = "pulumi-lvs: warning: ";

/**
 * First lines of every script: stop at the first error, the state directory,
 * and `fail`/`warn` helpers whose message the provider shows as is.
 */
export function preamble(host: string): string {
    return lines(
        "set -eu",
        sh`state=${stateDir(host)}`,
        `fail() { printf '${FAILURE_PREFIX}%s\\n' "$*" >&2; exit 3; }`,
        `warn() { printf '${WARNING_PREFIX}%s\\n' "$*" >&2; }`,
    ).trimEnd();
}

/** Where steps that must not run at once on one host take their turn. */
export const HOST_LOCK_FILE = "/run/lock/pulumi-lvs.lock";

/**
 * Makes the rest of the script wait for any other pulumi-lvs step on this host
 * holding the lock: one `pulumi up` runs a host's steps concurrently, and apt
 * (one dpkg at a time) and the saved IPVS rules (one file for every service)
 * take one writer. The lock goes with the script's exit; its file lives on
 * /run's tmpfs, as lock files do.
 */
export const HOST_LOCK = lines(
    `mkdir -p /run/lock && exec 9>${HOST_LOCK_FILE}`,
    'flock -w 900 9 || fail "another pulumi-lvs step on this host has held ' + HOST_LOCK_FILE + ' for 15 minutes"',
).trimEnd();

/** Refuses hosts without systemd, for facts that are kept by systemd units. */
export const REQUIRE_SYSTEMD =
    'command -v systemctl >/dev/null 2>&1 || fail "this host has no systemd: pulumi-lvs manages Debian or Ubuntu hosts with systemd"';

/**
 * Puts a unit file of pulumi-lvs's in place, enabled and started. systemd
 * reloads (seconds on a slow host) only when a unit it already has changed: a
 * new unit is loaded when first started (systemd 246 and later; older ones get
 * the reload when that start fails). `stopChanged`: a changed unit is stopped
 * first, so that its stop undoes what the old one did.
 */
export function installUnit(unit: string, text: string, stopChanged: boolean): string {
    const path = `/etc/systemd/system/${unit}`;
    return lines(
        writeFile(`${path}.want`, text),
        sh`if cmp -s ${path}.want ${path}; then`,
        sh`    rm -f ${path}.want`,
        sh`elif [ -e ${path} ]; then`,
        stopChanged ? sh`    systemctl stop ${unit}` : "",
        sh`    mv ${path}.want ${path}`,
        "    systemctl daemon-reload",
        "else",
        sh`    mv ${path}.want ${path}`,
        "fi",
        sh`systemctl is-enabled --quiet ${unit} || systemctl enable --quiet --no-reload ${unit}`,
    ).trimEnd();
}

/** Starts a unit that installUnit put in place, unless it runs. */
export function startUnit(unit: string): string {
    return sh`systemctl is-active --quiet ${unit} || systemctl start ${unit} 2>/dev/null || { systemctl daemon-reload && systemctl start ${unit}; }`;
}

/**
 * Stops, disables and removes a unit of pulumi-lvs's. systemd forgets a
 * stopped unit that nothing refers to by itself; one that a target still
 * wants in memory (after a reload or a boot since it was enabled) would stay
 * loaded as it was, and a later unit of the same name would start as the old
 * one: only then a reload, which costs seconds on a slow host.
 */
export function removeUnit(unit: string): string {
    const path = `/etc/systemd/system/${unit}`;
    return lines(
        sh`if [ -e ${path} ]; then`,
        sh`    systemctl disable --now --quiet --no-reload ${unit} || true`,
        sh`    rm -f ${path}`,
        sh`    [ "$(systemctl show -P LoadState ${unit} 2>/dev/null)" != loaded ] || systemctl daemon-reload`,
        "fi",
    ).trimEnd();
}

/** Fails with the host's interface names unless every given interface exists; `setting` tells where to fix it. */
export function requireInterfaces(devices: string[], setting: string): string {
    return lines(
        sh`for dev in ${words(devices)}; do`,
        sh`    [ -e "/sys/class/net/$dev" ] || fail "interface $dev not found on this host (see "${setting}"); it has: ` +
            sh`$(ls /sys/class/net | tr "\\n" " ")"`,
        "done",
    ).trimEnd();
}

/** A value that goes into a unit file must stay on its line and be no systemd specifier. */
export function unitSafe(value: string): string {
    if (/[\n\r%\\]/.test(value)) throw new Error(`not a value for a systemd unit: ${JSON.stringify(value)}`);
    return value;
}

/** Removes the state directory once its last fact is gone. */
export const CLEAN_STATE = `rmdir "$state" 2>/dev/null || true; rmdir ${STATE_ROOT} 2>/dev/null || true`;

const APT = "DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300";

/**
 * Installs a Debian package unless it is there, recording every package that
 * the install added (`$state/<pkg>.installed`, one name per line) so that the
 * undo purges exactly those and nothing that was there before. Refreshes the
 * package lists once when the package has no candidate; a host whose apt
 * reaches no repository fails with one line naming the package.
 */
export function ensurePackage(pkg: string): string {
    const record = raw(`"$state"/${sh`${pkg}`}.installed`);
    return lines(
        sh`if ! dpkg-query -W -f='\${Status}' ${pkg} 2>/dev/null | grep -q 'install ok installed'; then`,
        sh`    command -v apt-get >/dev/null 2>&1 || fail ${pkg}" is not installed and this host has no apt-get: ` +
            sh`install "${pkg}", then run pulumi up again"`,
        '    mkdir -p "$state"',
        "    installed_now() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\\n' 2>/dev/null | awk '$1 == \"ii\" { " +
            "print $2 }' | sort; }",
        sh`    installed_now > "$state"/${pkg}.before`,
        "    log=$(mktemp)",
        sh`    if ! ${raw(APT)} install --no-install-recommends ${pkg} > "$log" 2>&1; then`,
        "        # No candidate yet (package lists never fetched, or stale): refresh them once.",
        `        if ! ${APT} update > "$log" 2>&1 || grep -q '^\\(Err\\|W: Failed\\|E: Failed\\)' "$log"; then`,
        "            reason=$(grep -m1 '^\\(Err\\|E\\|W\\):' \"$log\" | cut -c1-160)",
        sh`            rm -f "$log" "$state"/${pkg}.before; ${raw(CLEAN_STATE)}`,
        sh`            fail "cannot install "${pkg}": apt could not reach a package repository ($reason): make one ` +
            sh`reachable (/etc/apt/sources.list) or install "${pkg}" by hand"`,
        "        fi",
        sh`        ${raw(APT)} install --no-install-recommends ${pkg} > "$log" 2>&1 ||`,
        sh`            { reason=$(grep -m1 '^E:' "$log" | cut -c1-200); rm -f "$log" "$state"/${pkg}.before; ` +
            sh`${raw(CLEAN_STATE)}; fail "cannot install "${pkg}" with apt-get: $reason"; }`,
        "    fi",
        '    rm -f "$log"',
        sh`    installed_now | comm -13 "$state"/${pkg}.before - > ${record}`,
        sh`    rm -f "$state"/${pkg}.before`,
        "fi",
    ).trimEnd();
}

/**
 * The undo of ensurePackage: purges the packages that install added, unless
 * purging them would also remove a package installed since (then they stay,
 * with a warning).
 */
export function purgeIfInstalled(pkg: string, inUse?: { check: string; why: string }): string {
    const record = raw(`"$state"/${sh`${pkg}`}.installed`);
    return lines(
        sh`if [ -e ${record} ]; then`,
        sh`    set -- $(cat ${record})`,
        '    also=$(apt-get -s purge "$@" 2>/dev/null | awk \'/^Purg / { print $2 }\' | while read -r p; do case " $* ' +
            '" in *" $p "*) ;; *) printf "%s " "$p" ;; esac; done)',
        inUse ? `    if ${inUse.check}; then` : "",
        inUse ? sh`        warn "kept "${pkg}": "${inUse.why}` : "",
        inUse ? '    elif [ -n "$also" ]; then' : '    if [ -n "$also" ]; then',
        sh`        warn "kept "${pkg}": purging what pulumi-lvs installed would also remove $also"`,
        "    else",
        `        ${APT} purge "$@" > /dev/null`,
        "    fi",
        sh`    rm -f ${record}`,
        "fi",
    ).trimEnd();
}

/**
 * Whether a package is installed, as a read line that dpkg-query prints itself,
 * `installed <its Status field>` (no line when dpkg does not know the package):
 * a `$(…)` around it would cost a fork on every refresh. installedIn() reads it.
 */
export function readInstalled(pkg: string): string {
    return sh`dpkg-query -W -f='installed \${Status}\\n' ${pkg} 2>/dev/null || true`;
}

/** A read's verdict on its `installed` line: installed as dpkg means it, "install ok installed" (the last line, for a package of several architectures). */
export function installedIn(facts: Map<string, string>): boolean {
    return facts.get("installed") === "install ok installed";
}

/**
 * Shell function `prefixed WORD`: copies its input to its output, each line
 * after WORD and a space. Reads print raw lines this way and leave the parsing
 * to the provider: the shell's own `read` costs no process, where a `sed` or
 * `awk` per fact costs one, and on a slow host a refresh pays for every one.
 */
export const PREFIXED = 'prefixed() { while IFS= read -r _line || [ -n "$_line" ]; do printf \'%s %s\\n\' "$1" "$_line"; done; }';

/**
 * A read's check that a file is in place, in the shell alone: `$(cat FILE)`
 * costs a process, and a refresh runs these on every host. True when FILE
 * holds TEXT: trailing newlines aside (as `$(cat)` has it), or `exact`ly,
 * telling a last line without its newline apart (the shell's `read` fails on
 * it). Not for files that may hold NUL bytes, which the shell drops.
 */
export function fileHolds(file: string, text: string, exact = false): string {
    const wanted = exact ? text : text.replace(/\n+$/, "");
    // (`_nl`: the last line had no newline. Exact: the newline after the last line is part of the text.)
    return (
        sh`{ [ -f ${file} ] && _text= && _sep= && _nl= && while IFS= read -r _line || { [ -n "$_line" ] && _nl=x; }; do _text="$_text$_sep$_line"; _sep=${"\n"}; done < ${file}` +
        (exact ? sh` && { [ -z "$_sep" ] || [ -n "$_nl" ] || _text="$_text"${"\n"}; }` : "") +
        sh` && [ "$_text" = ${wanted} ]; }`
    );
}

/** The target that wants every unit of pulumi-lvs's (`WantedBy=`): `systemctl enable` links them in its `.wants`. */
export const OWN_UNITS_WANTED_BY = "multi-user.target";

/**
 * True when a unit that installUnit put in place is enabled: its link in the
 * target's `.wants` directory is there. Asked of the file system, not of
 * `systemctl is-enabled`, which costs a slow process on every host of a refresh.
 */
export function ownUnitEnabled(unit: string): string {
    return sh`[ -L ${`/etc/systemd/system/${OWN_UNITS_WANTED_BY}.wants/${unit}`} ]`;
}

/**
 * `systemctl enable` or `disable` of a packaged service. When the package ships a native unit and a SysV init
 * script too (Debian's lighttpd), systemctl also runs systemd-sysv-install (Perl, then update-rc.d) for the
 * script's runlevel links, which systemd ignores for a unit it has natively: about 6 s per call on an emulated
 * host, the longest step of a real server. systemctl skips that under SYSTEMCTL_SKIP_SYSV, as Debian's
 * maintainer scripts have it do; a service that is only an init script (Debian's ipvsadm) still goes through
 * it, since its links are what enable it.
 */
export function packagedServiceEnablement(verb: "enable" | "disable --now", unit: string): string {
    const file = serviceUnitFile(unit);
    return (
        sh`{ if [ -e /lib/systemd/system/${file} ] || [ -e /usr/lib/systemd/system/${file} ]; then ` +
        sh`SYSTEMCTL_SKIP_SYSV=1 systemctl ${raw(verb)} --quiet --no-reload ${unit}; ` +
        sh`else systemctl ${raw(verb)} --quiet --no-reload ${unit}; fi; }`
    );
}

/** A service's unit file name, as systemctl takes `lighttpd` for `lighttpd.service`. */
function serviceUnitFile(unit: string): string {
    return unit.endsWith(".service") ? unit : `${unit}.service`;
}

/**
 * True when systemd starts a packaged unit (lighttpd, ipvsadm) at boot, as
 * `systemctl is-enabled` tells it for a unit `systemctl enable` enabled: not
 * masked, and linked in a target's `.wants` or `.requires` (in /etc, or in
 * /run when enabled for this boot only), or, for a SysV init script such as
 * Debian's ipvsadm, started in a multi-user runlevel (`systemctl enable` runs
 * update-rc.d for those). Asked of the file system: systemctl costs a process
 * and a call into PID 1 (for a SysV script, a shell script more), on every host
 * of every refresh.
 */
export function unitEnabled(unit: string): string {
    const file = serviceUnitFile(unit);
    const name = file.replace(/\.service$/, "");
    const links = sh`/etc/systemd/system/*.wants/${file} /etc/systemd/system/*.requires/${file} /run/systemd/system/*.wants/${file} /run/systemd/system/*.requires/${file} /etc/rc[2345].d/S[0-9][0-9]${name}`;
    return (
        sh`{ ! [ /etc/systemd/system/${file} -ef /dev/null ] && ! [ /run/systemd/system/${file} -ef /dev/null ] && ` +
        `{ for _link in ${links}; do [ -L "$_link" ] && break; done; [ -L "$_link" ]; }; }`
    );
}

/**
 * True when a unit is active, as `systemctl is-active` tells it: systemd keeps
 * the link /run/systemd/units/invocation:UNIT from a unit's start until it is
 * inactive or failed (systemd 236 and later; older ones are asked).
 */
export function unitActive(unit: string): string {
    const file = serviceUnitFile(unit);
    return sh`{ if [ -d /run/systemd/units ]; then [ -L /run/systemd/units/invocation:${file} ]; else systemctl is-active --quiet ${file} 2>/dev/null; fi; }`;
}

/** The read lines of a fact's script, as a map from key to the rest of the line (repeated keys: last wins). */
export function readLines(stdout: string): Map<string, string> {
    const facts = new Map<string, string>();
    for (const line of stdout.split("\n")) {
        const space = line.indexOf(" ");
        if (space > 0) facts.set(line.slice(0, space), line.slice(space + 1));
        else if (line) facts.set(line, "");
    }
    return facts;
}

/**
 * The live IPVS table in `ipvsadm-save -n` form, read without loading IPVS: ipvsadm asks the kernel for its
 * module, so a read of a host that has none loaded would load it, and a destroy then takes the module for
 * one found loaded and leaves it (a replaced director, refreshed before it is set up again). No module: no
 * table.
 */
export const LIVE_IPVS_TABLE = "if [ -d /sys/module/ip_vs ]; then ipvsadm -S -n || true; fi";
