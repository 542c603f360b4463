// A systemd service a host must run (the real servers' httpd, Debian's
// lighttpd): the unit enabled and running, and listening on its TCP ports.
// Its package is a fact of its own (package.ts), installed before anything of
// a cluster changes on any host. Delete stops and disables it unless it was
// enabled before.
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

/**
 * A shell function `listening` that succeeds once something listens on each of
 * `ports` (TCP, any address), as ss (iproute2) lists it.
 */
function listeningFunction(ports: number[]): string {
    return `listening() { for _port in ${ports.map((p) => String(Math.trunc(p))).join(" ")}; do ss -Hltn "sport = :$_port" 2>/dev/null | grep -q . || return 1; done; }`;
}

/**
 * Waits for the service's ports. systemd's start of a simple service (Debian's
 * lighttpd) returns once its process is forked: on an emulated host its port
 * was bound 4 s after apt's install, which starts it, had returned, and a real
 * server put in the table meanwhile refused connections.
 */
function waitForListeners(unit: string, ports: number[], timeout: number): string {
    const what = ports.length === 1 ? `TCP port ${ports[0]}` : `TCP ports ${ports.join(", ")}`;
    return lines(
        sh`command -v ss >/dev/null 2>&1 || fail "this host has no ss, which tells when "${unit}" listens: install iproute2"`,
        listeningFunction(ports),
        "_waited=0",
        "until listening; do",
        sh`    [ "$_waited" -lt ${String(timeout * 10)} ] || fail ${unit}" runs but nothing listens on "${what}" after "${String(timeout)}` +
            sh`" s: see journalctl -u "${unit}", and the port in its configuration"`,
        "    sleep 0.1; _waited=$((_waited + 1))",
        "done",
    ).trimEnd();
}

export function serviceScripts(fact: ServiceFact): FactScripts {
    const { unit } = fact;
    const ports = fact.listens;
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
            ports.length > 0 ? waitForListeners(unit, ports, fact.listenTimeout) : "",
        ),
        read: lines(
            preamble(fact.hostName),
            `${unitEnabled(unit)} && echo "enabled true" || echo "enabled false"`,
            `${unitActive(unit)} && echo "running true" || echo "running false"`,
            ports.length > 0
                ? lines(listeningFunction(ports), 'listening && echo "listening true" || echo "listening false"').trimEnd()
                : "",
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
        running: facts.get("running") === "true" && facts.get("listening") !== "false",
    };
}
