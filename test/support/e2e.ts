// What the end-to-end tests share: the host fingerprint that destroy must
// leave unchanged, the engine's planned steps, `pulumi up` that must succeed,
// and requests through the VIP, bounded in count and time: from the lab's
// namespace (its own 192.168.145.1, or 192.168.145.13: two clients), where a
// request costs a few milliseconds, or from the client VM (192.168.145.10),
// the tutorial's client, where each costs a process start under emulation.
import { EngineEvent, Stack, StepEventMetadata } from "@pulumi/pulumi/automation";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { expect } from "vitest";
import { CI_LAB_ENV, lab, onVm } from "./lab";

export const VIP = "192.168.145.100";
/** The lab stacks' IPv6 VIP (their ipv6 services'; the lab's namespace is fd00:145::1 on that network). */
export const VIP6 = "fd00:145::100";

/** An HTTP GET over IPv6 of `http://[VIP6]:port/`, bounded: prints the body (the address in brackets, not a curl glob). */
export function curl6(port = 80): string {
    return `curl -g -s --max-time 5 'http://[${VIP6}]:${port}/'`;
}

/** The lab's second client: an address of its namespace on the VIP network (lab/topology.sh). */
export const SECOND_CLIENT = "192.168.145.13";

/**
 * `count` TCP connections to the VIP's port 80 from the lab's namespace, open and idle for `seconds`, then
 * closed (`closed`), or at once by `close()`: the connections a drain waits for.
 */
export function holdConnections(count: number, seconds: number): { closed: Promise<void>; close(): void } {
    const hold = `exec 3<>/dev/tcp/${VIP}/80 && sleep ${seconds}`;
    // (timeout --foreground stays in the shell's process group, as it would not otherwise.)
    const script = `for i in $(seq ${count}); do timeout --foreground ${seconds + 5} bash -c '${hold}' & done; wait`;
    // A process group of its own: close() ends the shell and every connection's process with it.
    const child = spawn("ip", ["netns", "exec", CI_LAB_ENV.PULUMI_LVS_LAB_NETNS, "bash", "-c", script], {
        detached: true,
        stdio: "ignore",
    });
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    return {
        closed,
        close: () => {
            if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGTERM");
        },
    };
}

/**
 * Everything pulumi-lvs may touch on a host, to compare before and after:
 * links and their state, addresses and routes, every file it writes or
 * changes by content hash (systemd units and their .wants links, sysctl and
 * module-load files, Debian's ipvsadm defaults and rules, the document root,
 * its own state), the ipvsadm and lighttpd units' state, every sysctl it sets
 * (ARP and reverse-path settings of VS/DR and VS/TUN included), the modules
 * it loads, the IPVS table, the nftables ruleset and the installed packages.
 * A command that fails fails the test.
 */
export const FINGERPRINT = [
    "set -eu",
    "shopt -s nullglob",
    "echo '# links'",
    "ip -o link show | awk '{ print $2, $3 }'",
    "echo '# addresses and routes'",
    "ip -4 -o address show | awk '{ print $2, $4 }' | sort",
    "ip -4 route show | sort",
    // IPv6: the global addresses and the routes but the link-local ones, which come and go with a link's state.
    "ip -6 -o address show scope global | awk '{ print $2, $4 }' | sort",
    "ip -6 route show | grep -v '^fe80::' | sort || true",
    // A few processes for all of it, builtins where they do: each process start costs tens of milliseconds in
    // an emulated VM, and the suites take this fingerprint about forty times.
    "echo '# files'",
    "dirs=()",
    "for d in /etc/systemd/system /etc/sysctl.d /etc/modules-load.d /etc/default/ipvsadm /etc/ipvsadm.rules /etc/pulumi-lvs /var/www " +
        "/var/lib/pulumi-lvs /etc/keepalived; do",
    '    if [ -e $d ]; then dirs+=("$d"); else echo "$d absent"; fi',
    "done",
    "find \"${dirs[@]}\" \\( -type f -o -type l -o -type d \\) -printf '%p %y %l\\n' | sort",
    'find "${dirs[@]}" -type f -exec sha256sum {} + | sort -k2',
    "echo '# units (unit file state, activity) and the SysV links that enable their scripts'",
    "systemctl show -p Id,UnitFileState,ActiveState ipvsadm lighttpd nftables keepalived | awk -F= '",
    '    function out() { if (u != "") printf "%s %s %s\\n", u, (f == "" ? "none" : f), a; u = ""; f = ""; a = "" }',
    '    /^$/ { out(); next } $1 == "Id" { u = $2; sub(/\\.service$/, "", u) } $1 == "UnitFileState" { f = $2 }',
    '    $1 == "ActiveState" { a = $2 } END { out() }\'',
    'for l in /etc/rc[0-6S].d/*; do case ${l##*/} in ???ipvsadm | ???lighttpd | ???nftables | ???keepalived) echo "$l" ;; esac; done',
    "echo '# sysctls'",
    "setting() {",
    "    local v",
    '    if { read -r v < "/proc/sys/${1//.//}"; } 2>/dev/null; then echo "$1 $v"; else echo "$1 absent"; fi',
    "}",
    "for k in net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.ipv4.vs.expire_nodest_conn net.ipv4.vs.conn_reuse_mode net.ipv4.vs.expire_quiescent_template; do",
    "    setting $k",
    "done",
    "for dev in all default eth1 eth2 tunl0; do for s in arp_ignore arp_announce rp_filter; do setting net.ipv4.conf.$dev.$s; done; done",
    "echo '# modules'",
    'for m in ip_vs ipip; do if [ -d /sys/module/$m ]; then echo "$m loaded"; else echo "$m absent"; fi; done',
    "echo '# ipvs'",
    // Only when loaded: listing the table would load ip_vs, and with it settings that were absent.
    "if [ -d /sys/module/ip_vs ]; then ipvsadm-save -n; else echo 'ip_vs not loaded'; fi",
    "echo '# nftables'",
    "if command -v nft >/dev/null; then nft list ruleset; else echo 'nft not installed'; fi",
    "echo '# packages'",
    "dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\\n' | sort",
].join("\n");

export function log(line: string): void {
    process.stdout.write(`    | ${line}`);
}

export interface Step {
    op: string;
    /** The resource's type token, e.g. `lvs:ipvs:VirtualService`. */
    type: string;
    name: string;
    diff: Record<string, string>;
    live: Record<string, unknown>;
}

/** The engine's planned steps (not the refresh), with their detailed diff (path → kind) and the live state they start from. */
export function stepsOf(events: EngineEvent[]): Step[] {
    return events
        .map((e) => e.resourcePreEvent?.metadata)
        .filter(
            (m): m is StepEventMetadata =>
                m !== undefined && m.op !== "refresh" && m.op !== "same" && !m.urn.includes("pulumi:pulumi:Stack"),
        )
        .map((m) => ({
            op: m.op,
            type: m.urn.split("::").at(-2)!.split("$").pop()!,
            name: m.urn.split("::").pop()!,
            diff: Object.fromEntries(Object.entries(m.detailedDiff ?? {}).map(([k, v]) => [k, v.diffKind])),
            live: (m.old?.outputs ?? {}) as Record<string, unknown>,
        }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
}

export async function previewSteps(stack: Stack): Promise<Step[]> {
    const events: EngineEvent[] = [];
    await stack.preview({ onEvent: (e) => events.push(e), diff: true });
    return stepsOf(events);
}

/** `pulumi up`, which must succeed: its steps and the summary of changes. */
export async function upStack(stack: Stack): Promise<{ steps: Step[]; changes: Record<string, number>; output: string }> {
    const events: EngineEvent[] = [];
    const result = await stack.up({ onOutput: log, onEvent: (e) => events.push(e) });
    expect(result.summary.result).toBe("succeeded");
    return { steps: stepsOf(events), changes: result.summary.resourceChanges ?? {}, output: result.stdout };
}

/** A further `pulumi up` (refresh included) that must change nothing. */
export async function noOpUp(stack: Stack): Promise<void> {
    const { changes } = await upStack(stack);
    expect(Object.keys(changes)).toEqual(["same"]);
}

/** `count` runs of a one-line command on the client VM, each bounded; one output line each (FAILED when it failed). */
export function fromClientVm(command: string, count: number): string[] {
    const out = onVm("client", `for i in $(seq ${count}); do ${command} || echo FAILED; done`, count * 6_000 + 30_000);
    return out.trimEnd().split("\n");
}

/** The same from the lab's namespace: from 192.168.145.1, or from the address `curl(url, from)` names. */
export function fromNamespace(command: string, count: number): string[] {
    const out = lab(["exec", "sh", "-c", `for i in $(seq ${count}); do ${command} || echo FAILED; done`], count * 6_000 + 30_000);
    return out.trimEnd().split("\n");
}

/** An HTTP GET of `url`, bounded: prints the body. */
export function curl(url: string, from?: string): string {
    return `curl -s --max-time 5 ${from ? `--interface ${from} ` : ""}${url}`;
}

/** How many of `names` each name has. */
export function tally(names: string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const n of names) counts[n] = (counts[n] ?? 0) + 1;
    return counts;
}

/**
 * Every answer came from one and the same real server: no request failed or
 * got a stranger's answer (`servers` maps each answer to its real server, or
 * to "unexpected: …"). Returns that server.
 */
export function expectOneServer(answers: string[], count: number, servers: (lines: string[]) => string[], known: string[]): string {
    expect(answers).toHaveLength(count);
    const names = servers(answers);
    expect(known, `first answer: ${answers[0]}`).toContain(names[0]);
    expect(names).toEqual(Array<string>(count).fill(names[0]!));
    return names[0]!;
}

/** A process's parent PID and command line, from /proc; undefined once it has gone. */
function processInfo(pid: number): { ppid: number; comm: string; cmdline: string; cwd?: string } | undefined {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // The command name is in parentheses and may hold spaces: the fields after it are split.
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
        let cwd: string | undefined;
        try {
            cwd = readlinkSync(`/proc/${pid}/cwd`);
        } catch {
            // (Another user's process: not one of ours.)
        }
        return { ppid, comm, cmdline, cwd };
    } catch {
        return undefined;
    }
}

/**
 * The project's plugin processes (the lvs provider, the offline Docker and command plugins) working in
 * `workDir` (the engine starts a stack's plugins in its program's directory) that no `pulumi` engine
 * process is running: what a command of that stack left behind. (Other test files, side by side, run
 * plugins of their own elsewhere.)
 */
export function lingeringPluginProcesses(workDir: string): string[] {
    const plugin = /pulumi-resource-(lvs|docker|command)|dist\/(provider|plugins)\//;
    const lingering: string[] = [];
    for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const info = processInfo(Number(entry));
        if (!info || !plugin.test(info.cmdline) || !isWithin(info.cwd, workDir)) continue;
        let ancestor = processInfo(info.ppid);
        for (let depth = 0; ancestor && ancestor.comm !== "pulumi" && depth < 8; depth++) ancestor = processInfo(ancestor.ppid);
        if (ancestor?.comm !== "pulumi") lingering.push(`${entry}: ${info.cmdline}`);
    }
    return lingering;
}

function isWithin(dir: string | undefined, root: string): boolean {
    return dir !== undefined && (dir === root || dir.startsWith(root.endsWith("/") ? root : `${root}/`));
}
