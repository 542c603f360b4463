// A systemd service a host must run (the real servers' httpd, Debian's
// lighttpd): the unit enabled and running. Its package is a fact of its own
// (package.ts), installed before anything of a cluster changes on any host.
// Delete stops and disables it unless it was enabled before.
import { lines, sh } from "../../src/shell";
import {
    CLEAN_STATE,
    FactScripts,
    HOST_LOCK,
    packagedServiceEnablement,
    preamble,
    readLines,
    REQUIRE_SYSTEMD,
    unitActive,
    unitEnabled,
} from "../../src/hostScript";
import type { ServiceFact } from "./state";

export interface ServiceLive {
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
            'mkdir -p "$state"',
            sh`[ -e "$state"/${unit}.enabled.orig ] || { systemctl is-enabled --quiet ${unit} && echo enabled || echo ` +
                sh`disabled; } > "$state"/${unit}.enabled.orig`,
            sh`systemctl is-enabled --quiet ${unit} || ` + packagedServiceEnablement("enable", unit),
            sh`systemctl is-active --quiet ${unit} || systemctl start ${unit} || fail ${unit}" does not start: see journalctl -u "${unit}`,
        ),
        read: lines(
            preamble(fact.hostName),
            `${unitEnabled(unit)} && echo "enabled true" || echo "enabled false"`,
            `${unitActive(unit)} && echo "running true" || echo "running false"`,
        ),
        remove: lines(
            preamble(fact.hostName),
            HOST_LOCK,
            // (No reload: disabling changes links, which systemd reads when it needs them; a reload costs seconds.)
            sh`if [ "$(cat "$state"/${unit}.enabled.orig 2>/dev/null)" != enabled ]; then ` +
                `${packagedServiceEnablement("disable --now", unit)} 2>/dev/null || true; fi`,
            sh`rm -f "$state"/${unit}.enabled.orig`,
            CLEAN_STATE,
        ),
    };
}

export function parseServiceRead(stdout: string): ServiceLive {
    const facts = readLines(stdout);
    return {
        enabled: facts.get("enabled") === "true",
        running: facts.get("running") === "true",
    };
}
