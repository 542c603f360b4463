// Kernel settings a host must have (the director's net.ipv4.ip_forward and
// IPVS connection handling): set now and at every boot, with the modules they
// need loaded early enough for systemd-sysctl to apply them. The value found
// before is recorded once and put back on delete, also for a setting a later
// version of the fact no longer lists.
import { lines, raw, sh, writeFile } from "../../src/shell";
import { CLEAN_STATE, FactScripts, fileHolds, preamble } from "../../src/hostScript";
import type { SysctlsFact } from "./state";

export interface SysctlsLive {
    /** Live value of each setting (absent: the kernel has no such setting). */
    values: Record<string, string>;
    /** Whether the boot-time files say what this fact wants. */
    persisted: boolean;
}

/** Where the kernel shows a setting: its dots become slashes, as sysctl(8) reads a dotted key. */
export function procSysPath(key: string): string {
    return `/proc/sys/${key.replace(/\./g, "/")}`;
}

export function sysctlFile(name: string): string {
    return `/etc/sysctl.d/90-pulumi-lvs-${name}.conf`;
}

export function modulesFile(name: string): string {
    return `/etc/modules-load.d/pulumi-lvs-${name}.conf`;
}

function sysctlFileText(fact: SysctlsFact): string {
    return (
        [
            `# Written by pulumi-lvs for ${fact.hostName}: removed, and the values found before restored, when the stack lets go of it.`,
            ...Object.entries(fact.values).map(([key, value]) => `${key} = ${value}`),
        ].join("\n") + "\n"
    );
}

function modulesFileText(fact: SysctlsFact): string {
    return (
        [
            `# Written by pulumi-lvs for ${fact.hostName}: loaded before systemd-sysctl applies ${sysctlFile(fact.hostName)}.`,
            ...fact.modules,
        ].join("\n") + "\n"
    );
}

const MODULE_HINTS: Record<string, string> = {
    ip_vs: "this kernel has no IPVS (module ip_vs): use a kernel built with CONFIG_IP_VS (Debian's and Ubuntu's are)",
};

export function sysctlsScripts(fact: SysctlsFact): FactScripts {
    const keys = Object.keys(fact.values);
    const origin = (key: string) => raw(`"$state"/sysctl/${sh`${key}`}.orig`);
    return {
        apply: lines(
            preamble(fact.hostName),
            'mkdir -p "$state"/sysctl',
            // A module loaded here is unloaded again on delete, when nothing uses it any more.
            ...fact.modules.map(
                (m) =>
                    sh`[ -d /sys/module/${m} ] || { modprobe ${m} 2>/dev/null || fail ${MODULE_HINTS[m] ?? `cannot load kernel module ${m}`}; ` +
                    sh`touch "$state"/sysctl/${m}.module-loaded; }`,
            ),
            ...keys.map(
                (key) =>
                    sh`[ -e ${origin(key)} ] || { sysctl -n ${key} > ${origin(key)}.new 2>/dev/null || fail "the ` +
                    sh`kernel has no setting "${key}; mv ${origin(key)}.new ${origin(key)}; }`,
            ),
            "# A setting no longer wanted goes back to the value found before.",
            'for orig in "$state"/sysctl/*.orig; do',
            '    [ -e "$orig" ] || continue',
            '    key=$(basename "$orig" .orig)',
            sh`    case ${` ${keys.join(" ")} `} in *" $key "*) ;; *) sysctl -q -w "$key=$(cat "$orig")"; rm -f "$orig" ;; esac`,
            "done",
            fact.modules.length > 0
                ? writeFile(modulesFile(fact.hostName), modulesFileText(fact))
                : sh`rm -f ${modulesFile(fact.hostName)}`,
            writeFile(sysctlFile(fact.hostName), sysctlFileText(fact)),
            ...Object.entries(fact.values).map(([key, value]) => sh`sysctl -q -w ${`${key}=${value}`}`),
        ),
        read: lines(
            preamble(fact.hostName),
            // Each setting read from /proc/sys by the shell, as `sysctl -e` prints it ("key = value"; a
            // key the kernel lacks left out), without a sysctl process on every host of every refresh.
            ...keys.map((key) => {
                const file = procSysPath(key);
                return (
                    sh`if [ -r ${file} ] && { IFS= read -r _value || [ -n "$_value" ]; } < ${file}; ` +
                    sh`then printf 'value %s = %s\n' ${key} "$_value"; fi`
                );
            }),
            `${fileHolds(sysctlFile(fact.hostName), sysctlFileText(fact))} || echo "persisted false"`,
            fact.modules.length > 0 ? `${fileHolds(modulesFile(fact.hostName), modulesFileText(fact))} || echo "persisted false"` : "",
        ),
        remove: lines(
            preamble(fact.hostName),
            sh`rm -f ${sysctlFile(fact.hostName)} ${modulesFile(fact.hostName)}`,
            'for orig in "$state"/sysctl/*.orig; do',
            '    [ -e "$orig" ] || continue',
            '    sysctl -q -w "$(basename "$orig" .orig)=$(cat "$orig")" || warn "could not restore $(basename "$orig" ' +
                '.orig) to $(cat "$orig")"',
            '    rm -f "$orig"',
            "done",
            "# Modules loaded here go again, with the helpers only they needed (IPVS's schedulers), unless still in use.",
            'for loaded in "$state"/sysctl/*.module-loaded; do',
            '    [ -e "$loaded" ] || continue',
            '    module=$(basename "$loaded" .module-loaded)',
            '    for holder in /sys/module/"$module"/holders/*; do',
            '        [ -e "$holder" ] && modprobe -r "$(basename "$holder")" 2>/dev/null || true',
            "    done",
            '    modprobe -r "$module" 2>/dev/null || true',
            '    rm -f "$loaded"',
            "done",
            'rmdir "$state"/sysctl 2>/dev/null || true',
            CLEAN_STATE,
        ),
    };
}

export function parseSysctlsRead(stdout: string): SysctlsLive {
    const values: Record<string, string> = {};
    let persisted = true;
    for (const line of stdout.split("\n")) {
        const m = /^value (\S+) = (.*)$/.exec(line);
        if (m) values[m[1]!] = m[2]!.trim();
        if (line === "persisted false") persisted = false;
    }
    return { values, persisted };
}
