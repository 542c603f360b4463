// What runs on a director whose table keepalived holds. keepalived.conf is
// written beside the live one, tested by keepalived itself (`keepalived -t`)
// and only then moved into place, so that a file keepalived rejects never
// replaces one it runs with; a change reaches the running keepalived by
// reload (SIGHUP: it applies the difference, moving nothing else), never by
// restart, which would drop the whole table first. Each service keepalived
// holds is marked under the state directory: lvs:ipvs:VirtualService's delete
// leaves a marked service to keepalived (a table handed over to keepalived is
// never deleted on the way), and this delete leaves to pulumi-lvs's own table
// a service that one now keeps (marked by it).
import { lines, raw, sh, shellQuote, words } from "../../src/shell";
import {
    CLEAN_STATE,
    HOST_LOCK,
    LIVE_IPVS_TABLE,
    packagedServiceEnablement,
    preamble,
    PREFIXED,
    REQUIRE_SYSTEMD,
    unitActive,
    unitEnabled,
} from "../../src/hostScript";
import { KEEPALIVED_CONF } from "../../src/keepalived/render";
import { keepalivedMarker, serviceMarker } from "../virtualService/scripts";

/** keepalived.conf's directory, which a host without keepalived's package may lack. */
const KEEPALIVED_DIR = KEEPALIVED_CONF.replace(/\/[^/]*$/, "");

/** Where the read's output turns to the live table, which ipvsadm prints itself, to the end. */
const LIVE_TABLE_FOLLOWS = "live table:";

/** keepalived.conf (each line after `config `), whether keepalived runs and starts at boot, then the live table. */
export function readKeepalivedScript(director: string): string {
    return lines(
        preamble(director),
        PREFIXED,
        sh`if [ -f ${KEEPALIVED_CONF} ]; then prefixed config < ${KEEPALIVED_CONF}; fi`,
        `${unitActive("keepalived")} && echo "active yes" || echo "active no"`,
        `${unitEnabled("keepalived")} && echo "enabled yes" || echo "enabled no"`,
        `echo ${shellQuote(LIVE_TABLE_FOLLOWS)}`,
        LIVE_IPVS_TABLE,
    );
}

export interface KeepalivedRead {
    /** keepalived.conf's text; absent when there is no such file. */
    config?: string;
    active: boolean;
    enabled: boolean;
    /** The live table in `ipvsadm-save -n` form. */
    live: string;
}

export function parseKeepalivedRead(stdout: string): KeepalivedRead {
    const all = stdout.split("\n");
    const follows = all.indexOf(LIVE_TABLE_FOLLOWS);
    const head = follows < 0 ? all : all.slice(0, follows);
    const config = head.filter((l) => l.startsWith("config ")).map((l) => l.slice("config ".length));
    return {
        ...(config.length > 0 ? { config: `${config.join("\n")}\n` } : {}),
        active: head.includes("active yes"),
        enabled: head.includes("enabled yes"),
        live:
            follows < 0
                ? ""
                : all
                      .slice(follows + 1)
                      .filter((l) => l !== "")
                      .join("\n"),
    };
}

/**
 * Writes keepalived.conf from standard input, after keepalived has accepted it (`keepalived -t`), keeping the
 * file found before (once); marks the services keepalived will hold and unmarks the others. Changes nothing
 * when keepalived rejects the file: fails with keepalived's own words.
 */
export function placeConfigScript(director: string, services: string[][]): string {
    return lines(
        preamble(director),
        REQUIRE_SYSTEMD,
        HOST_LOCK,
        'mkdir -p "$state"/keepalived',
        sh`if [ ! -d ${KEEPALIVED_DIR} ]; then mkdir -p ${KEEPALIVED_DIR} && touch "$state"/keepalived-dir.created; fi`,
        'cat > "$state"/keepalived.conf.new',
        // keepalived -t logs its complaints; -l sends them to stderr, which we keep for the failure's line.
        'if ! out=$(keepalived -t -l -f "$state"/keepalived.conf.new 2>&1); then',
        '    rm -f "$state"/keepalived.conf.new',
        '    fail "keepalived rejects the configuration pulumi-lvs rendered (nothing was changed): $(printf "%s\\n" "$out" | grep -v "^$" | tail -n 3 | tr "\\n" " ")"',
        "fi",
        sh`if [ ! -e "$state"/keepalived.conf.orig ] && [ ! -e "$state"/keepalived.conf.created ]; then`,
        sh`    if [ -e ${KEEPALIVED_CONF} ]; then cp -p ${KEEPALIVED_CONF} "$state"/keepalived.conf.orig; else touch "$state"/keepalived.conf.created; fi`,
        "fi",
        sh`chmod 640 "$state"/keepalived.conf.new && mv "$state"/keepalived.conf.new ${KEEPALIVED_CONF}`,
        'rm -f "$state"/keepalived/*',
        ...services.map((svc) => `touch ${keepalivedMarker(svc)}`),
    );
}

/**
 * Applies the placed file: a running keepalived reloads (SIGHUP, the difference only); a stopped one starts,
 * enabled at boot (the settings found before recorded once). Prints the host's time before the reload, so
 * that the provider can wait for keepalived's own words in the journal that it has read the file.
 */
export function applyConfigScript(director: string): string {
    return lines(
        preamble(director),
        REQUIRE_SYSTEMD,
        'echo "since $(date +%s)"',
        `if ${unitActive("keepalived")}; then`,
        "    systemctl reload keepalived",
        "else",
        `    [ -e "$state"/keepalived-enabled.orig ] || { ${unitEnabled("keepalived")} && echo enabled || echo disabled; } > "$state"/keepalived-enabled.orig`,
        // (Debian's package enables it; where it does not, without the SysV detour: seconds on a slow host.)
        `    ${unitEnabled("keepalived")} || ${packagedServiceEnablement("enable", "keepalived")}`,
        "    systemctl reset-failed keepalived 2>/dev/null || true",
        '    systemctl start keepalived || fail "keepalived did not start: $(journalctl -u keepalived -n 3 -o cat 2>/dev/null | tr "\\n" " ")"',
        "fi",
    );
}

/** keepalived's lines in the journal since a time (applyConfigScript's), to see what a reload did. */
export function journalSinceScript(director: string, since: number): string {
    return lines(preamble(director), sh`journalctl -u keepalived -o cat -q --since=@${since} 2>/dev/null || true`);
}

/** Whether the director holds an address (`ADDRESS/PREFIX`): `holds yes` or `holds no`. */
export function holdsAddressScript(director: string, cidr: string): string {
    return lines(
        preamble(director),
        sh`if ip -o address show | awk '{ print $4 }' | grep -qxF ${cidr}; then echo "holds yes"; else echo "holds no"; fi`,
    );
}

/** The live table in `ipvsadm-save -n` form, and its listing with counters. */
export function liveTableScript(director: string): string {
    return lines(preamble(director), "ipvsadm -S -n", `echo ${shellQuote(LIVE_TABLE_FOLLOWS)}`, "ipvsadm -L -n");
}

/** The saved rules and the listing, split. */
export function parseLiveTable(stdout: string): { saved: string; listing: string } {
    const all = stdout.split("\n");
    const follows = all.indexOf(LIVE_TABLE_FOLLOWS);
    return follows < 0
        ? { saved: stdout, listing: "" }
        : { saved: all.slice(0, follows).join("\n"), listing: all.slice(follows + 1).join("\n") };
}

/**
 * Runs ipvsadm commands on entries keepalived does not hold yet (the table it takes over), as one step: they
 * make a service that exists already what the stack declares, since keepalived keeps an existing entry as it
 * finds it.
 */
export function tableCommandsScript(director: string, commands: string[]): string {
    return lines(preamble(director), HOST_LOCK, ...commands);
}

/**
 * Stops keepalived and puts back what was found. A service that pulumi-lvs's own table now keeps (handed back:
 * its lvs:ipvs:VirtualService marker is there) must outlive keepalived, whose stop deletes every entry it holds:
 * then keepalived is stopped (SIGSTOP) and killed (SIGKILL leaves the table), and the services not handed back
 * are deleted.
 */
export function removeKeepalivedScript(director: string, services: string[][]): string {
    const handedBack = services.map((svc) => `[ -e ${serviceMarker(svc)} ]`);
    return lines(
        preamble(director),
        REQUIRE_SYSTEMD,
        HOST_LOCK,
        "handed_back=",
        ...handedBack.map((test) => `if ${test}; then handed_back=yes; fi`),
        'if [ -n "$handed_back" ]; then',
        // Stopped first, every process of it: the checker child would take its parent's death (PR_SET_PDEATHSIG)
        // as a stop and delete every entry it holds before its own SIGKILL reached it.
        "    systemctl kill --signal=SIGSTOP keepalived 2>/dev/null || true",
        "    systemctl kill --signal=SIGKILL keepalived 2>/dev/null || true",
        `    for _i in 1 2 3 4 5 6 7 8 9 10; do ${unitActive("keepalived")} || break; sleep 0.5; done`,
        "    systemctl stop keepalived 2>/dev/null || true",
        ...services.map(
            (svc) =>
                sh`    if [ ! -e ${raw(serviceMarker(svc))} ] && ipvsadm -L -n ${words(svc)} >/dev/null 2>&1; then ipvsadm -D ${words(svc)}; fi`,
        ),
        "else",
        "    systemctl stop keepalived 2>/dev/null || true",
        "fi",
        "systemctl reset-failed keepalived 2>/dev/null || true",
        // A pair's connection synchronisation (lvs_sync_daemon): the kernel's sync threads, which a stopped
        // keepalived may leave running, holding ip_vs so that it cannot be unloaded as found.
        "if grep -q '^ *lvs_sync_daemon ' " + KEEPALIVED_CONF + " 2>/dev/null; then",
        "    ipvsadm --stop-daemon master 2>/dev/null || true",
        "    ipvsadm --stop-daemon backup 2>/dev/null || true",
        "fi",
        `if [ "$(cat "$state"/keepalived-enabled.orig 2>/dev/null)" = disabled ]; then ${packagedServiceEnablement("disable --now", "keepalived")} || true; fi`,
        sh`if [ -e "$state"/keepalived.conf.orig ]; then mv "$state"/keepalived.conf.orig ${KEEPALIVED_CONF}; ` +
            sh`elif [ -e "$state"/keepalived.conf.created ]; then rm -f ${KEEPALIVED_CONF}; fi`,
        sh`if [ -e "$state"/keepalived-dir.created ]; then rmdir ${KEEPALIVED_DIR} 2>/dev/null || true; fi`,
        'rm -f "$state"/keepalived.conf.created "$state"/keepalived-enabled.orig "$state"/keepalived-dir.created',
        'rm -rf "$state"/keepalived',
        CLEAN_STATE,
    );
}
