// Addresses and the default route a host must have (the director's VIP and
// DIP; a real server's RIP and its route via the DIP), applied at once and
// kept by a oneshot systemd unit whose start re-applies them at boot and
// whose stop removes them: stopping the unit is the exact undo, whatever
// network manager the host uses. The default route found before is recorded
// and put back on delete.

import { lines, sh, words } from "../../src/shell";
import {
    CLEAN_STATE,
    FactScripts,
    fileHolds,
    installUnit,
    OWN_UNITS_WANTED_BY,
    ownUnitEnabled,
    preamble,
    removeUnit,
    REQUIRE_SYSTEMD,
    requireInterfaces,
    startUnit,
    unitSafe,
} from "../../src/hostScript";
import type { AddressesFact } from "./state";

export interface AddressesLive {
    /** The wanted addresses that are present, on the interface they are on. */
    addresses: Record<string, { interface: string }>;
    /** The default route found (absent when there is none). */
    defaultRoute?: { via: string; interface: string };
    /** The IPv6 default route found (read only when the fact has one). */
    defaultRoute6?: { via: string; interface: string };
    /** Whether the unit that restores them at boot is in place and enabled. */
    persisted: boolean;
}

/**
 * The default routes a fact may own, one per family: how `ip` is told the family (a change needs `-6` only; a
 * show needs `-4` too, as it would list both), where the route found before is kept, and how a warning names it.
 */
const DEFAULT_ROUTES = [
    { field: "defaultRoute", family: "", show: "-4", orig: "default-route.orig", what: "default route" },
    { field: "defaultRoute6", family: "-6 ", show: "-6", orig: "default-route6.orig", what: "IPv6 default route" },
] as const;

/** The default routes the fact owns, each with how its family is handled. */
function ownedRoutes(fact: AddressesFact): ((typeof DEFAULT_ROUTES)[number] & { route: { via: string; interface: string } })[] {
    return DEFAULT_ROUTES.flatMap((r) => {
        const route = fact[r.field];
        return route ? [{ ...r, route }] : [];
    });
}

export function unitName(name: string): string {
    return `pulumi-lvs-${name}-addresses.service`;
}

function interfacesOf(fact: AddressesFact): string[] {
    const all = Object.values(fact.addresses).map((a) => a.interface);
    for (const { route } of ownedRoutes(fact)) all.push(route.interface);
    return [...new Set(all)];
}

/** Interfaces whose state (down) is recorded and put back: not lo, nor the tunnel device that goes with its module. */
function linksToRestore(fact: AddressesFact): string[] {
    return interfacesOf(fact).filter((d) => d !== "lo" && d !== "tunl0");
}

/**
 * The `ip` commands that apply the fact; each is idempotent (`replace`). An IPv6 address skips duplicate address
 * detection (`nodad`): it is usable at once, where DAD would hold it back (tentative) for a second or more.
 */
function startCommands(fact: AddressesFact): string[] {
    const commands: string[] = [];
    for (const dev of interfacesOf(fact)) commands.push(`link set dev ${dev} up`);
    for (const [address, { interface: dev }] of Object.entries(fact.addresses))
        commands.push(`address replace ${address} dev ${dev}${address.includes(":") ? " nodad" : ""}`);
    for (const { family, route } of ownedRoutes(fact))
        commands.push(`${family}route replace default via ${route.via} dev ${route.interface}`);
    return commands;
}

function stopCommands(fact: AddressesFact): string[] {
    const commands: string[] = [];
    for (const { family, route } of ownedRoutes(fact)) commands.push(`${family}route del default via ${route.via} dev ${route.interface}`);
    for (const [address, { interface: dev }] of Object.entries(fact.addresses)) commands.push(`address del ${address} dev ${dev}`);
    return commands;
}

/** The oneshot unit: its start applies the fact (at boot too), its stop removes it. */
export function addressesUnit(fact: AddressesFact): string {
    for (const value of [fact.description, ...Object.keys(fact.addresses), ...Object.values(fact.addresses).map((a) => a.interface)])
        unitSafe(value);
    for (const { route } of ownedRoutes(fact)) [route.via, route.interface].forEach(unitSafe);
    // The loopback interface is there before any unit; tunl0 appears when ipip is loaded (modules-load.d, early at boot).
    const devices = interfacesOf(fact)
        .filter((d) => d !== "lo")
        .map((d) => `sys-subsystem-net-devices-${d}.device`)
        .join(" ");
    return lines(
        "[Unit]",
        `Description=pulumi-lvs ${fact.description}`,
        `Wants=network-pre.target ${devices}`,
        `After=network-pre.target ${devices}`,
        "Before=network.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        ...startCommands(fact).map((c) => `ExecStart=/sbin/ip ${c}`),
        // "-": a stop that finds an address or route already gone is not a failure.
        ...stopCommands(fact).map((c) => `ExecStop=-/sbin/ip ${c}`),
        "",
        "[Install]",
        `WantedBy=${OWN_UNITS_WANTED_BY}`,
    );
}

export function addressesScripts(fact: AddressesFact): FactScripts {
    const unit = unitName(fact.hostName);
    const path = `/etc/systemd/system/${unit}`;
    const text = addressesUnit(fact);
    return {
        apply: lines(
            preamble(fact.hostName),
            REQUIRE_SYSTEMD,
            requireInterfaces(interfacesOf(fact), fact.interfaceSetting),
            'mkdir -p "$state"',
            ...ownedRoutes(fact).map(
                ({ show, orig }) => `[ -e "$state"/${orig} ] || ip ${show} route show default | head -n 1 > "$state"/${orig}`,
            ),
            "# Interfaces found down are put down again on delete (lo and tunl0 aside: always up, or gone with ipip).",
            '[ -e "$state"/links-down.orig ] || {',
            sh`    for dev in ${words(linksToRestore(fact))}; do`,
            '        ip -o link show dev "$dev" | grep -q "[<,]UP[,>]" || echo "$dev"',
            '    done > "$state"/links-down.orig.new && mv "$state"/links-down.orig.new "$state"/links-down.orig',
            "}",
            "# A changed unit is stopped first, so that its stop removes what it added.",
            installUnit(unit, text, true),
            "# Applied directly too, so that an address someone removed comes back without a blip of the others.",
            ...startCommands(fact).map((c) => sh`ip ${words(c.split(" "))}`),
            startUnit(unit),
        ),
        read: lines(
            preamble(fact.hostName),
            // Every address and the (IPv4) default route, raw, from one ip process (a process costs tens of
            // milliseconds on a slow host, every refresh): parseAddressesRead picks out the wanted ones.
            "ip -o -batch - <<'EOF'",
            "address show",
            fact.defaultRoute ? "route show default" : "",
            "EOF",
            // (ip's batch takes no family option: the IPv6 default route is a process of its own, marked.)
            fact.defaultRoute6 ? "ip -6 route show default | sed 's/^/inet6-route /'" : "",
            `${fileHolds(path, text)} && ${ownUnitEnabled(unit)} || echo "persisted false"`,
            "true",
        ),
        remove: lines(
            preamble(fact.hostName),
            removeUnit(unit),
            // Every family's, whatever the fact says now: a route found before is given back if none replaced it.
            ...DEFAULT_ROUTES.flatMap(({ family, show, orig, what }) => [
                `if [ -s "$state"/${orig} ] && [ -z "$(ip ${show} route show default)" ]; then`,
                `    ip ${family}route replace $(cat "$state"/${orig}) || warn "could not restore the ${what}: $(cat "$state"/${orig})"`,
                "fi",
                `rm -f "$state"/${orig}`,
            ]),
            'if [ -e "$state"/links-down.orig ]; then',
            '    for dev in $(cat "$state"/links-down.orig); do [ -e "/sys/class/net/$dev" ] && ip link set dev "$dev" down; done',
            '    rm -f "$state"/links-down.orig',
            "fi",
            CLEAN_STATE,
        ),
    };
}

export function parseAddressesRead(stdout: string, fact: AddressesFact): AddressesLive {
    const live: AddressesLive = { addresses: {}, persisted: true };
    for (const line of stdout.split("\n")) {
        // `address show`: "2: eth1    inet 192.168.2.1/24 brd … scope global eth1…", "… inet6 fd00:2::1/64 scope global …"
        // (a VLAN's name may carry "@link").
        const inet = /^\d+:\s+([^\s@]+)\S*\s+inet6?\s+(\S+)/.exec(line);
        if (inet && fact.addresses[inet[2]!]?.interface === inet[1]) live.addresses[inet[2]!] = { interface: inet[1]! };
        // `route show default`: the first "default via X dev Y …" line (of IPv6's, marked).
        const route = /^(inet6-route )?default via (\S+) dev (\S+)/.exec(line);
        const field = route?.[1] ? "defaultRoute6" : "defaultRoute";
        if (route && !live[field]) live[field] = { via: route[2]!, interface: route[3]! };
        if (line === "persisted false") live.persisted = false;
    }
    return live;
}
