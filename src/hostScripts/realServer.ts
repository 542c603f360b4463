// A real server's steps: its address with the director's DIP as default
// gateway (VS/NAT replies must go back through the director), httpd running,
// and a test page that names the server.
import { lines } from "../shell";
import { cidr, InterfaceAddress, RealServerSpec } from "../spec";
import { CLEAN_STATE, ensurePackage, HostStep, installUnit, networkUnit, preamble, purgeIfInstalled, removeUnit, requireInterfaces } from "./common";

export function realServerUnitName(rs: Pick<RealServerSpec, "name">): string {
    return `pulumi-lvs-${rs.name}-addresses.service`;
}

/**
 * The RIP on its interface and the default route via the DIP. The default
 * route found before is recorded and put back on delete.
 */
export function addressesStep(rs: Pick<RealServerSpec, "name" | "address">, gateway: Pick<InterfaceAddress, "address">): HostStep {
    const dev = rs.address.interface;
    const unit = networkUnit(
        `pulumi-lvs real server ${rs.name}: ${cidr(rs.address)} on ${dev}, default route via the director's DIP ${gateway.address}`,
        [dev],
        [`link set dev ${dev} up`, `address replace ${cidr(rs.address)} dev ${dev}`, `route replace default via ${gateway.address} dev ${dev}`],
        [`route del default via ${gateway.address} dev ${dev}`, `address del ${cidr(rs.address)} dev ${dev}`],
    );
    const name = realServerUnitName(rs);
    return {
        create: lines(
            preamble(rs.name),
            'mkdir -p "$state"',
            requireInterfaces([dev], "lvs:realServers[].interface"),
            '[ -e "$state/default-route.orig" ] || ip -4 route show default | head -n 1 > "$state/default-route.orig"',
            installUnit(name, unit),
        ),
        delete: lines(
            preamble(rs.name),
            removeUnit(name),
            'if [ -s "$state/default-route.orig" ] && [ -z "$(ip -4 route show default)" ]; then',
            '    ip route replace $(cat "$state/default-route.orig") || echo "could not restore the default route: $(cat "$state/default-route.orig")" >&2',
            "fi",
            'rm -f "$state/default-route.orig"',
            CLEAN_STATE,
        ),
    };
}

/** The web server package and service that serve the test page (Debian's lighttpd). */
export const HTTPD = "lighttpd";
export const DOCUMENT_ROOT = "/var/www/html";

/**
 * httpd installed (when missing), enabled and running. Delete stops and
 * disables it if it was not enabled before, and purges it if this step
 * installed it.
 */
export function httpdStep(rs: Pick<RealServerSpec, "name">): HostStep {
    return {
        create: lines(
            preamble(rs.name),
            'mkdir -p "$state"',
            ensurePackage(HTTPD),
            `[ -e "$state/${HTTPD}.enabled.orig" ] || { systemctl is-enabled --quiet ${HTTPD} && echo enabled || echo disabled; } > "$state/${HTTPD}.enabled.orig"`,
            `systemctl enable --now --quiet ${HTTPD}`,
            `systemctl is-active ${HTTPD}`,
        ),
        delete: lines(
            preamble(rs.name),
            `if [ "$(cat "$state/${HTTPD}.enabled.orig" 2>/dev/null)" != enabled ]; then systemctl disable --now --quiet ${HTTPD} 2>/dev/null || true; fi`,
            `rm -f "$state/${HTTPD}.enabled.orig"`,
            purgeIfInstalled(HTTPD),
            CLEAN_STATE,
        ),
    };
}

/** The test page, written from standard input; delete puts back the page found before, if any. */
export function testPageStep(rs: Pick<RealServerSpec, "name"> & { page: string }): HostStep {
    const page = `${DOCUMENT_ROOT}/index.html`;
    return {
        create: lines(
            preamble(rs.name),
            'mkdir -p "$state"',
            'if [ ! -e "$state/index.html.orig" ] && [ ! -e "$state/index.html.created" ]; then',
            `    if [ -e ${page} ]; then cp -p ${page} "$state/index.html.orig"; else touch "$state/index.html.created"; fi`,
            "fi",
            `mkdir -p ${DOCUMENT_ROOT}`,
            `cat > ${page}.new && chmod 644 ${page}.new && mv ${page}.new ${page}`,
        ),
        delete: lines(
            preamble(rs.name),
            `if [ -e "$state/index.html.orig" ]; then mv "$state/index.html.orig" ${page}; else rm -f ${page}; fi`,
            'rm -f "$state/index.html.created"',
            CLEAN_STATE,
        ),
        stdin: rs.page,
    };
}
