// The director's virtual service, converged like kube-proxy's IPVS proxier:
// the provider reads the live table (`ipvsadm-save -n`), plans the difference
// (ipvs/plan.ts) and runs only that, in place, never flushing the table; a
// real server on its way out is quiesced and drained first. Only the service
// this fact owns is read or changed: other services on the director are left
// alone. After each change the rules are saved to /etc/ipvsadm.rules (one
// writer at a time: a director's services change concurrently), which
// Debian's ipvsadm service restores at boot once AUTO="true". When the last
// service pulumi-lvs keeps on a director goes, the rules file, AUTO and the
// ipvsadm service are given back as they were found (services someone added
// by hand stay in the kernel's table, untouched).
import { lines, raw, sh, shellQuote, words } from "../../src/shell";
import { CLEAN_STATE, FactScripts, HOST_LOCK, LIVE_IPVS_TABLE, preamble, PREFIXED, unitEnabled } from "../../src/hostScript";

/** Where Debian's ipvsadm service reads the rules it restores at boot. */
export const RULES_FILE = "/etc/ipvsadm.rules";
export const IPVSADM_DEFAULTS = "/etc/default/ipvsadm";

/**
 * What restores the saved rules at start, the one thing that differs on a
 * container director: on a host, Debian's ipvsadm service (enabled through
 * systemd); in a container, which has no init system, its start command runs
 * that service's init script itself (ContainerCluster), so it counts as enabled.
 */
const BOOT_SERVICE = lines(
    "if [ -d /run/systemd/system ]; then",
    `    boot_service_enabled() { ${unitEnabled("ipvsadm")}; }`,
    "    boot_service_enable() { systemctl enable --quiet --no-reload ipvsadm 2>/dev/null; }",
    "    boot_service_disable() { systemctl disable --quiet ipvsadm 2>/dev/null || true; }",
    "else",
    "    boot_service_enabled() { true; }",
    "    boot_service_enable() { true; }",
    "    boot_service_disable() { true; }",
    "fi",
).trimEnd();

/** Where a table read's output turns to the live table, which ipvsadm prints itself, to the end. */
const LIVE_TABLE_FOLLOWS = "live table:";

/**
 * The saved rules and the boot-time restore, one prefixed line each, then the
 * live table as ipvsadm prints it: a pipe into `prefixed` would cost a fork on
 * every refresh. A table that cannot be listed (no ipvsadm) reads as empty.
 */
export function readTableScript(director: string): string {
    return lines(
        preamble(director),
        BOOT_SERVICE,
        PREFIXED,
        sh`if [ -f ${RULES_FILE} ]; then prefixed saved < ${RULES_FILE}; fi`,
        sh`if [ -f ${IPVSADM_DEFAULTS} ]; then prefixed default < ${IPVSADM_DEFAULTS}; fi`,
        'boot_service_enabled && echo "boot-service enabled" || echo "boot-service disabled"',
        `echo ${shellQuote(LIVE_TABLE_FOLLOWS)}`,
        // (What Debian's ipvsadm-save runs, without the bash it takes to get there.)
        LIVE_IPVS_TABLE,
    );
}

/** The read lines split back into the live rules, the saved rules and whether they are restored at boot. */
export function parseTableRead(stdout: string): { live: string; saved: string; restoreAtBoot: boolean } {
    const all = stdout.split("\n");
    const follows = all.indexOf(LIVE_TABLE_FOLLOWS);
    const head = follows < 0 ? all : all.slice(0, follows);
    const live = follows < 0 ? [] : all.slice(follows + 1).filter((l) => l !== "");
    const take = (prefix: string) =>
        head
            .filter((l) => l.startsWith(prefix))
            .map((l) => l.slice(prefix.length))
            .join("\n");
    // The last AUTO= line of /etc/default/ipvsadm counts, as when its init script sources it.
    const auto = take("default AUTO=").split("\n").pop()!.replace(/["']/g, "").trim();
    return { live: live.join("\n"), saved: take("saved "), restoreAtBoot: auto === "true" && head.includes("boot-service enabled") };
}

/** Saves the live table where the ipvsadm service restores it from, keeping the file found before (once). */
function saveRules(): string {
    return lines(
        sh`if [ ! -e "$state"/ipvsadm-rules.created ] && [ ! -e "$state"/ipvsadm.rules.orig ]; then`,
        sh`    if [ -e ${RULES_FILE} ]; then cp -p ${RULES_FILE} "$state"/ipvsadm.rules.orig; else touch ` +
            sh`"$state"/ipvsadm-rules.created; fi`,
        "fi",
        sh`ipvsadm-save -n > ${RULES_FILE}.new && mv ${RULES_FILE}.new ${RULES_FILE}`,
    ).trimEnd();
}

/** The file that marks a service as one pulumi-lvs keeps on this director (in `dir`: its own table's, or keepalived's). */
export function serviceMarker(service: string[], dir: "services" | "keepalived" = "services"): string {
    return `"$state"/${dir}/${service
        .join("_")
        .replace(/^-+/, "")
        .replace(/[^A-Za-z0-9_.:-]/g, "_")}`;
}

/** The file that marks a service as one keepalived holds (lvs:keepalived:Keepalived), which this table leaves alone. */
export function keepalivedMarker(service: string[]): string {
    return serviceMarker(service, "keepalived");
}

/** Turns on Debian's restore at boot (AUTO="true", the ipvsadm service enabled), recording both original settings first. */
function restoreAtBoot(): string {
    return lines(
        sh`if [ -f ${IPVSADM_DEFAULTS} ]; then`,
        sh`    [ -e "$state"/ipvsadm-auto.orig ] || sed -n 's/^AUTO=//p' ${IPVSADM_DEFAULTS} > "$state"/ipvsadm-auto.orig`,
        sh`    if grep -q '^AUTO="true"$' ${IPVSADM_DEFAULTS}; then :; elif grep -q '^AUTO=' ${IPVSADM_DEFAULTS}; then ` +
            sh`sed -i 's/^AUTO=.*/AUTO="true"/' ${IPVSADM_DEFAULTS}; else echo 'AUTO="true"' >> ${IPVSADM_DEFAULTS}; fi`,
        "fi",
        '[ -e "$state"/ipvsadm-service.orig ] || { boot_service_enabled && echo enabled || echo disabled; } > "$state"/ipvsadm-service.orig',
        "boot_service_enabled || boot_service_enable",
    ).trimEnd();
}

/** The undo of restoreAtBoot and of the saved rules, once no service of pulumi-lvs's is left on this director. */
function undoRestoreAtBoot(): string {
    return lines(
        'if [ -z "$(ls "$state"/services 2>/dev/null)" ]; then',
        '    rmdir "$state"/services 2>/dev/null || true',
        sh`    if [ -e "$state"/ipvsadm-auto.orig ]; then sed -i "s/^AUTO=.*/AUTO=$(cat "$state"/ipvsadm-auto.orig)/" ` +
            sh`${IPVSADM_DEFAULTS}; fi`,
        '    if [ "$(cat "$state"/ipvsadm-service.orig 2>/dev/null)" = disabled ]; then boot_service_disable; fi',
        sh`    if [ -e "$state"/ipvsadm.rules.orig ]; then mv "$state"/ipvsadm.rules.orig ${RULES_FILE}; fi`,
        sh`    if [ -e "$state"/ipvsadm-rules.created ]; then rm -f ${RULES_FILE}; fi`,
        '    rm -f "$state"/ipvsadm-auto.orig "$state"/ipvsadm-service.orig "$state"/ipvsadm-rules.created',
        "fi",
    ).trimEnd();
}

/** Runs planned ipvsadm commands, then saves the rules, turns on the restore at boot and lists the service. */
export function applyTableScript(director: string, service: string[], commands: string[]): string {
    return lines(
        preamble(director),
        BOOT_SERVICE,
        HOST_LOCK,
        'mkdir -p "$state"/services',
        `touch ${serviceMarker(service)}`,
        ...commands,
        saveRules(),
        restoreAtBoot(),
        sh`ipvsadm -L -n ${words(service)}`,
    );
}

/** The service's listing with its connection counts, to follow a drain. */
export function listServiceScript(director: string, service: string[]): string {
    return lines(preamble(director), sh`ipvsadm -L -n ${words(service)}`);
}

/**
 * What a real server did when the director opened a TCP connection to it: took it, refused it (a host that
 * is there, its port closed), or nothing within a second, or the director's kernel gave up on reaching it
 * (no route, its neighbour entry failed): `silent`, a host gone or cut off.
 */
export type Answer = "connected" | "refused" | "silent";

/**
 * Asks from the director how each real server (`address:port` entries) answers a TCP connection, all at
 * once: one `answers ENTRY ANSWER` line each (parseAnswers). bash for /dev/tcp (Debian's bash is essential,
 * always there), in the C locale for the system's own words.
 */
export function answersScript(director: string, entries: string[]): string {
    return lines(
        preamble(director),
        "export LC_ALL=C",
        sh`for entry in ${words(entries)}; do`,
        "    (",
        // (An IPv6 entry is `[ADDRESS]:PORT`: /dev/tcp takes the address without its brackets.)
        '        if why=$(timeout 1 bash -c \'h=${1%:*}; h=${h#\\[}; exec 3<>"/dev/tcp/${h%\\]}/${1##*:}"\' _ "$entry" 2>&1); then answer=connected',
        '        else case "$why" in *"Connection refused"*) answer=refused ;; *) answer=silent ;; esac; fi',
        '        echo "answers $entry $answer"',
        "    ) &",
        "done",
        "wait",
    );
}

/** answersScript's lines: each entry's answer. */
export function parseAnswers(stdout: string): Map<string, Answer> {
    const answers = new Map<string, Answer>();
    for (const m of stdout.matchAll(/^answers (\S+) (connected|refused|silent)$/gm)) answers.set(m[1]!, m[2] as Answer);
    return answers;
}

/** Deletes the service (only it), saves what remains and gives the boot-time restore back once the table is empty. */
export function removeServiceScript(director: string, service: string[]): string {
    return lines(
        preamble(director),
        BOOT_SERVICE,
        HOST_LOCK,
        // A service handed over to keepalived (marked by lvs:keepalived:Keepalived) is keepalived's now: it stays.
        sh`if [ ! -e ${raw(keepalivedMarker(service))} ] && ipvsadm -L -n ${words(service)} >/dev/null 2>&1; then ipvsadm -D ${words(service)}; fi`,
        'mkdir -p "$state"',
        `rm -f ${serviceMarker(service)}`,
        saveRules(),
        undoRestoreAtBoot(),
        CLEAN_STATE,
    );
}

export type { FactScripts };
