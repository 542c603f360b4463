// A systemd service a host must run (the real servers' httpd, Debian's
// lighttpd): its package installed when missing, the unit enabled and
// running. Delete stops and disables it unless it was enabled before, and
// purges the package if this fact installed it.
import { lines, sh } from "../shell";
import {
    CLEAN_STATE,
    ensurePackage,
    FactScripts,
    HOST_LOCK,
    installedIn,
    preamble,
    purgeIfInstalled,
    readInstalled,
    readLines,
    REQUIRE_SYSTEMD,
    unitActive,
    unitEnabled,
} from "./common";

export interface ServiceFact {
    /** The host's name (its state directory). */
    hostName: string;
    /** The systemd unit, e.g. `lighttpd`. */
    unit: string;
    /** The Debian package that ships it. */
    package: string;
}

export interface ServiceLive {
    installed: boolean;
    enabled: boolean;
    running: boolean;
}

export function serviceScripts(fact: ServiceFact): FactScripts {
    const { unit } = fact;
    return {
        apply: lines(
            preamble(fact.hostName),
            REQUIRE_SYSTEMD,
            HOST_LOCK,
            ensurePackage(fact.package),
            'mkdir -p "$state"',
            sh`[ -e "$state"/${unit}.enabled.orig ] || { systemctl is-enabled --quiet ${unit} && echo enabled || echo ` +
                sh`disabled; } > "$state"/${unit}.enabled.orig`,
            sh`systemctl is-enabled --quiet ${unit} || systemctl enable --quiet --no-reload ${unit}`,
            sh`systemctl is-active --quiet ${unit} || systemctl start ${unit} || fail ${unit}" does not start: see journalctl -u "${unit}`,
        ),
        read: lines(
            preamble(fact.hostName),
            readInstalled(fact.package),
            `${unitEnabled(unit)} && echo "enabled true" || echo "enabled false"`,
            `${unitActive(unit)} && echo "running true" || echo "running false"`,
        ),
        remove: lines(
            preamble(fact.hostName),
            HOST_LOCK,
            sh`if [ "$(cat "$state"/${unit}.enabled.orig 2>/dev/null)" != enabled ]; then systemctl disable --now ` +
                sh`--quiet ${unit} 2>/dev/null || true; fi`,
            sh`rm -f "$state"/${unit}.enabled.orig`,
            purgeIfInstalled(fact.package),
            CLEAN_STATE,
        ),
    };
}

export function parseServiceRead(stdout: string): ServiceLive {
    const facts = readLines(stdout);
    return {
        installed: installedIn(facts),
        enabled: facts.get("enabled") === "true",
        running: facts.get("running") === "true",
    };
}
