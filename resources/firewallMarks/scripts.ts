// The director's firewall marks for firewall-mark virtual services
// (`ipvsadm -f`): packets to the VIP on a service's ports get its mark, in an
// nftables table of pulumi-lvs's own (`ip pulumi_lvs_<host>`), so that nothing
// of the host's own ruleset is touched. Applied at once (the whole table is
// replaced atomically) and kept by a oneshot systemd unit that loads the table
// at boot; its stop deletes the table.
import { Protocol } from "../../src/ipvs/model";
import { lines, sh, writeFile } from "../../src/shell";
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
    startUnit,
    unitSafe,
} from "../../src/hostScript";
import type { FirewallMark, FirewallMarksFact } from "./state";

export interface FirewallMarksLive {
    marks: Record<string, FirewallMark>;
    /** Whether the unit that loads the table at boot is in place and enabled. */
    persisted: boolean;
}

export function tableName(hostName: string): string {
    return `pulumi_lvs_${hostName.replace(/-/g, "_")}`;
}

function rulesFile(hostName: string): string {
    return `/etc/pulumi-lvs/${hostName}-marks.nft`;
}

function unitName(hostName: string): string {
    return `pulumi-lvs-${hostName}-marks.service`;
}

/** The table in nft's syntax; `table ...; delete table ...;` first makes loading it replace the old one at once. */
export function marksRuleset(fact: FirewallMarksFact): string {
    const table = tableName(fact.hostName);
    const rules = Object.entries(fact.marks).map(
        ([mark, m]) => `        ip daddr ${m.address} ${m.protocol} dport { ${m.ports.join(", ")} } meta mark set ${mark}`,
    );
    return lines(
        `table ip ${table}`,
        `delete table ip ${table}`,
        `table ip ${table} {`,
        "    chain prerouting {",
        "        type filter hook prerouting priority mangle; policy accept;",
        ...rules,
        "    }",
        "}",
    );
}

function unitText(fact: FirewallMarksFact): string {
    unitSafe(fact.hostName);
    const table = tableName(fact.hostName);
    return lines(
        "[Unit]",
        `Description=pulumi-lvs director ${fact.hostName}: firewall marks of its firewall-mark virtual services`,
        "Before=network-pre.target",
        "Wants=network-pre.target",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        `ExecStart=/usr/sbin/nft -f ${rulesFile(fact.hostName)}`,
        `ExecStop=-/usr/sbin/nft delete table ip ${table}`,
        "[Install]",
        `WantedBy=${OWN_UNITS_WANTED_BY}`,
    );
}

export function firewallMarksScripts(fact: FirewallMarksFact): FactScripts {
    const unit = unitName(fact.hostName);
    const file = rulesFile(fact.hostName);
    const table = tableName(fact.hostName);
    return {
        apply: lines(
            preamble(fact.hostName),
            REQUIRE_SYSTEMD,
            'command -v nft >/dev/null 2>&1 || fail "nft is missing: install nftables"',
            'mkdir -p "$state" /etc/pulumi-lvs',
            writeFile(file, marksRuleset(fact)),
            sh`nft -f ${file} || fail "nft refused the firewall marks in "${file}`,
            // (Not stopped when changed: its stop would take away the marks just loaded.)
            installUnit(unit, unitText(fact), false),
            startUnit(unit),
        ),
        read: lines(
            preamble(fact.hostName),
            // One rule per line, in nft's own words: `ip daddr A tcp dport { 8080, 8081 } meta mark set 0x00000001`.
            sh`nft list table ip ${table} 2>/dev/null | sed -n 's/^[[:space:]]*\\(ip daddr .* meta mark set .*\\)$/rule \\1/p' || true`,
            `${fileHolds(file, marksRuleset(fact))} && ${ownUnitEnabled(unit)} || echo "persisted false"`,
            "true",
        ),
        remove: lines(
            preamble(fact.hostName),
            removeUnit(unit),
            sh`nft delete table ip ${table} 2>/dev/null || true`,
            sh`rm -f ${file}`,
            "rmdir /etc/pulumi-lvs 2>/dev/null || true",
            CLEAN_STATE,
        ),
    };
}

export function parseFirewallMarksRead(stdout: string): FirewallMarksLive {
    const live: FirewallMarksLive = { marks: {}, persisted: true };
    for (const line of stdout.split("\n")) {
        const m = /^rule ip daddr (\S+) (tcp|udp|sctp) dport (\{ ([^}]*) \}|\d+) meta mark set (0x[0-9a-f]+|\d+)/.exec(line);
        if (m) {
            const ports = (m[4] ?? m[3]!).split(",").map((p) => Number(p.trim()));
            live.marks[String(Number(m[5]))] = { protocol: m[2] as Protocol, address: m[1]!, ports };
        }
        if (line === "persisted false") live.persisted = false;
    }
    return live;
}
