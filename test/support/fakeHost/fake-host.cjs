#!/usr/bin/env node
// A fake Debian host for running pulumi-lvs's host scripts in tests, as
// kube-proxy tests its IPVS proxier against a fake IPVS: one program installed
// under the names of the tools the scripts call (ipvsadm, ipvsadm-save,
// sysctl, systemctl, ip, ss, dpkg-query, apt-get, modprobe, nft). It keeps the host's
// state in a JSON file ($FAKE_HOST_STATE) and appends every call to a log
// ($FAKE_HOST_LOG), so a test asserts the exact commands and the resulting
// state. It is written independently of the code under test: the listing and
// save formats follow ipvsadm 1.31 as printed on the lab's Debian VMs.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const stateFile = process.env.FAKE_HOST_STATE;
const logFile = process.env.FAKE_HOST_LOG;
const tool = path.basename(process.argv[1]);
const args = process.argv.slice(2);

const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
const loaded = JSON.stringify(state);
if (tool !== "fake-host.cjs") fs.appendFileSync(logFile, [tool, ...args].join(" ") + "\n");

/** Writes the state back if this call changed it, atomically: scripts on one host run concurrently, as on a real one. */
function save() {
    if (state.nft && Object.keys(state.nft).length === 0) delete state.nft;
    if (JSON.stringify(state) === loaded) return;
    fs.writeFileSync(`${stateFile}.${process.pid}`, JSON.stringify(state, null, 2));
    fs.renameSync(`${stateFile}.${process.pid}`, stateFile);
    project();
}

/**
 * Shows the state where a real host shows it to a script that reads without a
 * tool: each sysctl as a file under /proc/sys, each active unit's invocation
 * link under /run/systemd/units, and each enabled packaged unit's link in
 * multi-user.target.wants (a unit file of /etc/systemd/system gets its links
 * from `systemctl enable`, installLinks). Paths are the throwaway root's
 * ($FAKE_HOST_ROOT), never the machine's own, also inside the host's namespace.
 */
function project() {
    const root = process.env.FAKE_HOST_ROOT;
    if (!root) throw new Error("FAKE_HOST_ROOT is not set");
    const procSys = path.join(root, "proc-sys");
    for (const entry of fs.readdirSync(procSys)) fs.rmSync(path.join(procSys, entry), { recursive: true });
    for (const [key, value] of Object.entries(state.sysctl)) {
        const file = path.join(procSys, ...key.split("."));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `${value}\n`);
    }
    // A table with services is IPVS's: its module is loaded (and shows in /sys/module, as the kernel's does).
    if (state.ipvs.services.length > 0 && !state.modules.includes("ip_vs")) state.modules.push("ip_vs");
    for (const module of state.modules) fs.mkdirSync(path.join(root, "sys-module", module, "holders"), { recursive: true });
    const units = path.join(root, "run-units");
    for (const entry of fs.readdirSync(units)) fs.rmSync(path.join(units, entry));
    const wants = path.join(root, "etc/systemd/system/multi-user.target.wants");
    // (A unit file of /etc's own is a regular file; a masked unit's is a link to /dev/null.)
    const packaged = (name) => {
        const file = path.join(root, `etc/systemd/system/${name}.service`);
        return !fs.existsSync(file) || !fs.lstatSync(file).isFile();
    };
    if (fs.existsSync(wants))
        for (const entry of fs.readdirSync(wants))
            if (fs.readlinkSync(path.join(wants, entry)).startsWith("/lib/systemd/system/")) fs.rmSync(path.join(wants, entry));
    for (const [name, unit] of Object.entries(state.units)) {
        if (unit.active) fs.symlinkSync("0123456789abcdef0123456789abcdef", path.join(units, `invocation:${name}.service`));
        if (unit.enabled && packaged(name)) {
            fs.mkdirSync(wants, { recursive: true });
            fs.symlinkSync(`/lib/systemd/system/${name}.service`, path.join(wants, `${name}.service`));
        }
    }
    if (fs.existsSync(wants) && fs.readdirSync(wants).length === 0) fs.rmdirSync(wants);
}
function out(text) {
    process.stdout.write(text);
}
function fail(message, code = 1) {
    process.stderr.write(message + "\n");
    save();
    process.exit(code);
}

// ---------------------------------------------------------------- ipvsadm
const PROTO = { "-t": "tcp", "-u": "udp", "--sctp-service": "sctp" };
const METHOD = { "-m": "nat", "-g": "dr", "-i": "tun" };
const SAVE_METHOD = { nat: "-m", dr: "-g", tun: "-i" };
const LIST_METHOD = { nat: "Masq", dr: "Route", tun: "Tunnel" };

function serviceOf(argv) {
    for (let i = 0; i < argv.length; i++) {
        if (PROTO[argv[i]]) return { key: `${PROTO[argv[i]]} ${argv[i + 1]}`, protocol: PROTO[argv[i]], addr: argv[i + 1] };
        if (argv[i] === "-f") return { key: `fwmark ${Number(argv[i + 1])}`, fwmark: Number(argv[i + 1]) };
    }
    return undefined;
}
function opt(argv, name) {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
}
function servicePort(svc) {
    return svc.addr ? Number(svc.addr.split(":").pop()) : 0;
}
function serviceSettings(argv) {
    const settings = { scheduler: opt(argv, "-s") || "wlc" };
    const p = argv.indexOf("-p");
    if (p >= 0) settings.persistence = /^\d+$/.test(argv[p + 1] || "") ? Number(argv[p + 1]) : 360;
    if (opt(argv, "-M")) settings.netmask = opt(argv, "-M");
    if (opt(argv, "-b")) settings.flags = opt(argv, "-b");
    return settings;
}
function destOf(argv, svc) {
    let server = opt(argv, "-r");
    if (!server) fail("Missing real server");
    if (!server.includes(":")) server = `${server}:${servicePort(svc)}`;
    const method = Object.keys(METHOD).find((m) => argv.includes(m));
    return { server, method: method ? METHOD[method] : undefined, weight: opt(argv, "-w") };
}
function serviceLine(s) {
    return s.fwmark !== undefined ? `-f ${s.fwmark}` : `${Object.keys(PROTO).find((k) => PROTO[k] === s.protocol)} ${s.addr}`;
}

function ipvsadm(argv) {
    // As the kernel does for the real one: IPVS's module is loaded at ipvsadm's first call.
    if (!state.modules.includes("ip_vs")) modprobe(["ip_vs"]);
    const ipvs = state.ipvs;
    const cmd = argv[0];
    const svc = serviceOf(argv);
    const find = () => ipvs.services.find((s) => s.key === svc.key);
    switch (cmd) {
        case "-A": {
            if (find()) fail("Service already exists", 255);
            ipvs.services.push({ ...svc, ...serviceSettings(argv), dests: [] });
            break;
        }
        case "-E": {
            const s = find();
            if (!s) fail("No such service");
            delete s.persistence;
            delete s.netmask;
            delete s.flags;
            Object.assign(s, serviceSettings(argv));
            break;
        }
        case "-D": {
            if (!find()) fail("No such service");
            ipvs.services = ipvs.services.filter((s) => s.key !== svc.key);
            break;
        }
        case "-C":
            ipvs.services = [];
            break;
        case "-a":
        case "-e": {
            const s = find();
            if (!s) fail("No such service");
            const d = destOf(argv, s);
            const existing = s.dests.find((x) => x.server === d.server);
            if (cmd === "-a" && existing) fail("Destination already exists", 255);
            if (cmd === "-e" && !existing) fail("No such destination");
            if (cmd === "-a")
                s.dests.push({ server: d.server, method: d.method || "dr", weight: Number(d.weight ?? 1), active: 0, inactive: 0 });
            else
                Object.assign(existing, {
                    method: d.method || existing.method,
                    weight: d.weight === undefined ? existing.weight : Number(d.weight),
                });
            break;
        }
        case "-d": {
            const s = find();
            if (!s) fail("No such service");
            const d = destOf(argv, s);
            if (!s.dests.some((x) => x.server === d.server)) fail("No such destination");
            s.dests = s.dests.filter((x) => x.server !== d.server);
            break;
        }
        case "-S":
            for (const s of ipvs.services) {
                let line = `-A ${serviceLine(s)} -s ${s.scheduler}`;
                if (s.persistence !== undefined)
                    line += ` -p ${s.persistence}` + (s.netmask && s.netmask !== "255.255.255.255" ? ` -M ${s.netmask}` : "");
                if (s.flags) line += ` -b ${s.flags}`;
                out(line + "\n");
                for (const d of s.dests)
                    out(
                        `-a ${serviceLine(s)} -r ${d.server} ${SAVE_METHOD[d.method]} -w ${d.weight}${d.method === "tun" ? " --tun-type ipip" : ""}\n`,
                    );
            }
            break;
        case "-L":
        case "-l": {
            const only = svc ? ipvs.services.filter((s) => s.key === svc.key) : ipvs.services;
            if (svc && only.length === 0) fail("No such service");
            const stats = argv.includes("--stats");
            if (!svc) out("IP Virtual Server version 1.2.1 (size=4096)\n");
            out(
                stats
                    ? "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n"
                    : "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
            );
            for (const s of only) {
                const head = s.fwmark !== undefined ? `FWM  ${s.fwmark}` : `${s.protocol.toUpperCase().padEnd(4)} ${s.addr}`;
                if (stats) out(`${head.padEnd(33)} 0        0        0        0        0\n`);
                else
                    out(
                        `${head} ${s.scheduler}${s.flags ? ` (${s.flags})` : ""}${s.persistence !== undefined ? ` persistent ${s.persistence}` : ""}\n`,
                    );
                for (const d of s.dests) {
                    if (stats) out(`  -> ${d.server.padEnd(28)}   ${d.active + d.inactive}        0        0        0        0\n`);
                    else
                        out(
                            `  -> ${d.server.padEnd(28)} ${LIST_METHOD[d.method].padEnd(7)} ${String(d.weight).padEnd(6)} ${String(d.active).padEnd(10)} ${d.inactive}\n`,
                        );
                    // Connections to a quiesced real server end one by one as time passes (one per listing).
                    if (d.weight === 0 && d.active > 0) {
                        d.active--;
                        d.inactive++;
                    }
                }
            }
            break;
        }
        default:
            fail(`fake ipvsadm: unsupported ${argv.join(" ")}`, 2);
    }
}

// ---------------------------------------------------------------- sysctl
function sysctl(argv) {
    const quiet = argv.includes("-q");
    const rest = argv.filter((a) => a !== "-q" && a !== "-w");
    if (argv.includes("-n")) {
        const key = rest.filter((a) => a !== "-n")[0];
        if (!(key in state.sysctl)) fail(`sysctl: cannot stat /proc/sys/${key.replace(/\./g, "/")}: No such file or directory`, 255);
        out(state.sysctl[key] + "\n");
        return;
    }
    // `sysctl [-e] KEY...`: each key as "key = value"; -e passes over keys the kernel lacks.
    const ignoreUnknown = rest.includes("-e");
    const reads = rest.filter((a) => a !== "-e" && !a.includes("="));
    if (reads.length > 0) {
        for (const key of reads) {
            if (key in state.sysctl) out(`${key} = ${state.sysctl[key]}\n`);
            else if (!ignoreUnknown) fail(`sysctl: cannot stat /proc/sys/${key.replace(/\./g, "/")}: No such file or directory`, 255);
        }
        return;
    }
    for (const assignment of rest) {
        const [key, value] = assignment.split("=");
        if (!(key in state.sysctl)) fail(`sysctl: cannot stat /proc/sys/${key.replace(/\./g, "/")}: No such file or directory`, 255);
        state.sysctl[key] = value;
        if (!quiet) out(`${key} = ${value}\n`);
    }
}

// ---------------------------------------------------------------- modprobe
function modprobe(argv) {
    const name = argv.filter((a) => !a.startsWith("-"))[0];
    if (argv.includes("-r")) {
        if (name === "ip_vs" && state.ipvs.services.length > 0) fail("modprobe: FATAL: Module ip_vs is in use.");
        state.modules = state.modules.filter((m) => m !== name);
        fs.rmSync(`/sys/module/${name}`, { recursive: true, force: true });
        if (name === "ipip") removeLink("tunl0");
        if (name === "ip_vs") for (const key of Object.keys(state.sysctl)) if (key.startsWith("net.ipv4.vs.")) delete state.sysctl[key];
        return;
    }
    if ((state.missingModules || []).includes(name)) fail(`modprobe: FATAL: Module ${name} not found`);
    if (!state.modules.includes(name)) state.modules.push(name);
    fs.mkdirSync(`/sys/module/${name}/holders`, { recursive: true });
    // Loading ipip brings its fallback tunnel device, tunl0, down, with the interface settings every device has.
    if (name === "ipip" && !state.links.includes("tunl0")) {
        state.links.push("tunl0");
        fs.writeFileSync("/sys/class/net/tunl0", "");
        for (const key of ["rp_filter", "arp_ignore", "arp_announce"])
            state.sysctl[`net.ipv4.conf.tunl0.${key}`] = state.sysctl[`net.ipv4.conf.default.${key}`] ?? "0";
    }
    // Loading ip_vs brings its settings, at their defaults.
    if (name === "ip_vs") {
        const defaults = {
            "net.ipv4.vs.expire_nodest_conn": "0",
            "net.ipv4.vs.conn_reuse_mode": "1",
            "net.ipv4.vs.expire_quiescent_template": "0",
        };
        for (const [key, value] of Object.entries(defaults)) if (!(key in state.sysctl)) state.sysctl[key] = value;
    }
}

function removeLink(dev) {
    state.links = state.links.filter((l) => l !== dev);
    state.up = (state.up || []).filter((l) => l !== dev);
    delete state.addresses[dev];
    fs.rmSync(`/sys/class/net/${dev}`, { force: true });
    for (const key of Object.keys(state.sysctl)) if (key.startsWith(`net.ipv4.conf.${dev}.`)) delete state.sysctl[key];
}

// ---------------------------------------------------------------- systemctl
/** Runs a unit's ExecStart= or ExecStop= lines, as systemd does on start and stop ("-": failure ignored). */
function runUnit(name, which) {
    const file = `/etc/systemd/system/${name}.service`;
    if (!fs.existsSync(file)) return;
    const { spawnSync } = require("node:child_process");
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (!line.startsWith(`${which}=`)) continue;
        let command = line.slice(which.length + 1);
        const ignore = command.startsWith("-");
        if (ignore) command = command.slice(1);
        const [program, ...rest] = command.split(" ");
        save();
        const r = spawnSync(path.basename(program), rest, { encoding: "utf8" });
        // The command changed the state file: take it over whole (keys it removed included).
        for (const key of Object.keys(state)) delete state[key];
        Object.assign(state, JSON.parse(fs.readFileSync(stateFile, "utf8")));
        if (r.status !== 0 && !ignore) fail(`Job for ${name}.service failed: ${r.stderr}`);
    }
}

/** As systemctl enable and disable do: the links of a unit file's WantedBy= targets, in /etc/systemd/system. */
function installLinks(name, enabled) {
    const file = `/etc/systemd/system/${name}.service`;
    if (!fs.existsSync(file)) return;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const target = /^WantedBy=(.+)$/.exec(line)?.[1];
        if (!target) continue;
        const link = `/etc/systemd/system/${target}.wants/${name}.service`;
        fs.rmSync(link, { force: true });
        if (enabled) {
            fs.mkdirSync(path.dirname(link), { recursive: true });
            fs.symlinkSync(file, link);
        } else if (fs.readdirSync(path.dirname(link)).length === 0) fs.rmdirSync(path.dirname(link));
    }
}

function systemctl(argv) {
    const words = argv.filter((a) => !a.startsWith("-"));
    const [verb, ...units] = words;
    const now = argv.includes("--now");
    const unitOf = (u) => {
        const name = u.replace(/\.service$/, "");
        if (!state.units[name]) {
            if (!fs.existsSync(`/etc/systemd/system/${name}.service`))
                fail(`Failed to ${verb} ${u}: Unit ${u} not found.`, verb === "is-enabled" || verb === "is-active" ? 4 : 5);
            state.units[name] = { enabled: false, active: false };
        }
        return state.units[name];
    };
    // Units of files in /etc/systemd/system are known from their file; without it, they are gone after a reload.
    const local = (name) => fs.existsSync(`/etc/systemd/system/${name}.service`) || /^pulumi-lvs-/.test(name) === false;
    const bare = (u) => u.replace(/\.service$/, "");
    function start(u) {
        if (unitOf(u).active) return;
        runUnit(bare(u), "ExecStart");
        unitOf(u).active = true;
    }
    function stop(u) {
        if (!unitOf(u).active) return;
        runUnit(bare(u), "ExecStop");
        unitOf(u).active = false;
        // systemd lets go of a stopped unit that nothing refers to: a disabled one no target wants in memory. (Here
        // only for units of files in /etc/systemd/system, which the fake knows from their file again.)
        const own = fs.existsSync(`/etc/systemd/system/${bare(u)}.service`);
        if (own && !unitOf(u).enabled && !unitOf(u).wanted) delete state.units[bare(u)];
    }
    switch (verb) {
        case "daemon-reload":
            for (const name of Object.keys(state.units)) if (!local(name)) delete state.units[name];
            // After a reload (or a boot) the targets want the units enabled then, in memory, until the next one.
            for (const unit of Object.values(state.units)) unit.wanted = unit.enabled;
            return;
        case "is-enabled": {
            const u = unitOf(units[0]);
            if (!argv.includes("--quiet")) out((u.enabled ? "enabled" : "disabled") + "\n");
            if (!u.enabled) fail("", 1);
            return;
        }
        case "is-active": {
            const u = unitOf(units[0]);
            if (!argv.includes("--quiet")) out((u.active ? "active" : "inactive") + "\n");
            if (!u.active) fail("", 3);
            return;
        }
        case "enable":
            for (const u of units) {
                unitOf(u).enabled = true;
                installLinks(bare(u), true);
                if (now) start(u);
            }
            return;
        case "disable":
            for (const u of units) {
                unitOf(u).enabled = false;
                installLinks(bare(u), false);
                if (now) stop(u);
            }
            return;
        case "start":
            units.forEach(start);
            return;
        case "restart":
            units.forEach(stop);
            units.forEach(start);
            return;
        case "stop":
            units.forEach(stop);
            return;
        case "show": {
            // Only `show -P LoadState UNIT`: a unit is loaded while systemd has it (its file may be gone: stale).
            const property = argv[argv.indexOf("-P") + 1];
            if (property !== "LoadState") fail(`fake systemctl: unsupported ${argv.join(" ")}`, 2);
            const name = bare(words[words.length - 1]);
            out((state.units[name] ? "loaded" : "not-found") + "\n");
            return;
        }
        default:
            fail(`fake systemctl: unsupported ${argv.join(" ")}`, 2);
    }
}

// ---------------------------------------------------------------- ss
/**
 * `ss -Hltn "sport = :PORT"`: one LISTEN line when an active unit listens on
 * the port (state.listens), unless the host is still binding: each of the
 * first `bindLag` calls sees nothing, as a script that polls right after a
 * simple service's start does on a slow host.
 */
function ss(argv) {
    const port = Number(/^sport = :(\d+)$/.exec(argv.slice(1).join(" "))?.[1]);
    if (argv[0] !== "-Hltn" || !port) fail(`fake ss: unsupported ${argv.join(" ")}`, 2);
    if (state.bindLag > 0) {
        state.bindLag--;
        return;
    }
    const bound = Object.entries(state.listens || {}).some(([unit, ports]) => state.units[unit]?.active && ports.includes(port));
    if (bound) out(`LISTEN 0      1024         0.0.0.0:${port}        0.0.0.0:*\n`);
}

// ---------------------------------------------------------------- ip
function ip(argv) {
    // `-batch -`: one command per line of standard input, as ip(8) runs them.
    const batch = argv.indexOf("-batch");
    if (batch >= 0) {
        const options = argv.filter((x, i) => i !== batch && i !== batch + 1);
        for (const line of fs.readFileSync(0, "utf8").split("\n")) if (line.trim()) ip([...options, ...line.trim().split(/\s+/)]);
        return;
    }
    const a = argv.filter((x) => x !== "-4" && x !== "-o");
    const dev = opt(a, "dev");
    if (dev && !state.links.includes(dev)) fail(`Cannot find device "${dev}"`);
    if (a[0] === "link" && a[1] === "set") {
        if (a.includes("down")) state.up = (state.up || []).filter((l) => l !== dev);
        else state.up = [...new Set([...(state.up || []), dev])];
        return;
    }
    if (a[0] === "link" && a[1] === "show") {
        const up = (state.up || []).includes(dev);
        out(`3: ${dev}: <BROADCAST,MULTICAST${up ? ",UP,LOWER_UP" : ""}> mtu 1500 qdisc pfifo_fast state ${up ? "UP" : "DOWN"}\n`);
        return;
    }
    if (a[0] === "address" || a[0] === "addr") {
        const verb = a[1];
        if (verb === "show") {
            const list = dev ? { [dev]: state.addresses[dev] || [] } : state.addresses;
            let n = 2;
            for (const [d, cidrs] of Object.entries(list)) for (const c of cidrs) out(`${n++}: ${d}    inet ${c} scope global ${d}\n`);
            return;
        }
        const cidr = a[2];
        const list = (state.addresses[dev] = state.addresses[dev] || []);
        if (verb === "replace" || verb === "add") {
            if (verb === "add" && list.includes(cidr)) fail("RTNETLINK answers: File exists", 2);
            if (!list.includes(cidr)) list.push(cidr);
        } else if (verb === "del") {
            if (!list.includes(cidr)) fail("RTNETLINK answers: Cannot assign requested address", 2);
            state.addresses[dev] = list.filter((c) => c !== cidr);
            if (state.addresses[dev].length === 0) delete state.addresses[dev];
        } else fail(`fake ip: unsupported ${argv.join(" ")}`, 2);
        return;
    }
    if (a[0] === "route") {
        const verb = a[1];
        if (verb === "show") {
            if (state.defaultRoute) out(`${state.defaultRoute}\n`);
            return;
        }
        const route = a.slice(2).join(" ");
        if (verb === "replace" || verb === "add") state.defaultRoute = route;
        else if (verb === "del") {
            if (state.defaultRoute !== route) fail("RTNETLINK answers: No such process", 2);
            delete state.defaultRoute;
        } else fail(`fake ip: unsupported ${argv.join(" ")}`, 2);
        return;
    }
    fail(`fake ip: unsupported ${argv.join(" ")}`, 2);
}

// ---------------------------------------------------------------- nft
// Only the statements pulumi-lvs's firewall marks use: tables of the ip family with mark rules, listed as nft 1.0 does.
const MARK_RULE = /^ip daddr (\S+) (tcp|udp|sctp) dport (?:\{ ([\d, ]+) \}|(\d+)) meta mark set (\d+|0x[0-9a-f]+)$/;
function nftTables() {
    return (state.nft = state.nft || {});
}
function nftStatement(text) {
    const tables = nftTables();
    let m;
    if ((m = /^table ip (\w+)$/.exec(text))) tables[m[1]] = tables[m[1]] || [];
    else if ((m = /^delete table ip (\w+)$/.exec(text))) {
        if (!tables[m[1]]) fail(`Error: No such file or directory; did you mean table '${m[1]}'?\ndelete table ip ${m[1]}`);
        delete tables[m[1]];
    } else fail(`Error: syntax error, unexpected ${text}`);
}
function nftFile(file) {
    const before = JSON.stringify(nftTables());
    const text = fs
        .readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.trim());
    let table;
    for (const line of text) {
        if (!line || line.startsWith("#")) continue;
        let m;
        if ((m = /^table ip (\w+) \{$/.exec(line))) {
            table = m[1];
            nftTables()[table] = nftTables()[table] || [];
        } else if (table && (/^chain \w+ \{$/.test(line) || /^type filter hook prerouting priority mangle; policy accept;$/.test(line))) {
            continue;
        } else if (table && line === "}") {
            continue;
        } else if (table && (m = MARK_RULE.exec(line))) {
            nftTables()[table].push({
                address: m[1],
                protocol: m[2],
                ports: (m[3] || m[4]).split(",").map((p) => Number(p)),
                mark: Number(m[5]),
            });
        } else if (!table) {
            nftStatement(line);
        } else {
            // A failing file changes nothing: nft applies a file as one transaction.
            state.nft = JSON.parse(before);
            fail(`${file}: Error: syntax error: ${line}`);
        }
    }
}
function nft(argv) {
    if (argv[0] === "-f") return nftFile(argv[1]);
    const text = argv.join(" ");
    let m;
    if ((m = /^list table ip (\w+)$/.exec(text))) {
        const rules = nftTables()[m[1]];
        if (!rules) fail(`Error: No such file or directory\nlist table ip ${m[1]}`);
        const hex = (n) => `0x${n.toString(16).padStart(8, "0")}`;
        out(
            [
                `table ip ${m[1]} {`,
                "\tchain prerouting {",
                "\t\ttype filter hook prerouting priority mangle; policy accept;",
                ...rules.map(
                    (r) =>
                        `\t\tip daddr ${r.address} ${r.protocol} dport ${r.ports.length > 1 ? `{ ${r.ports.join(", ")} }` : r.ports[0]} meta mark set ${hex(r.mark)}`,
                ),
                "\t}",
                "}",
                "",
            ].join("\n"),
        );
        return;
    }
    return nftStatement(text);
}

// ---------------------------------------------------------------- dpkg-query, apt-get
function dependenciesOf(pkg) {
    return [pkg, ...((state.repository || {})[pkg] || [])];
}
function dpkgQuery(argv) {
    const format = (argv.find((x) => x.startsWith("-f")) || "").replace(/^-f=?/, "");
    const names = argv.filter((x) => !x.startsWith("-"));
    if (format.includes("db:Status-Abbrev")) {
        for (const p of [...state.packages].sort()) out(`ii  ${p}\n`);
        return;
    }
    const pkg = names[0];
    if (!state.packages.includes(pkg)) fail(`dpkg-query: no packages found matching ${pkg}`);
    // The format's fields and escapes, as dpkg-query expands them (the default: the name and version).
    out(
        (format || "${Package}\\t${Version}\\n")
            .replace(/\$\{Status\}/g, "install ok installed")
            .replace(/\$\{Package\}/g, pkg)
            .replace(/\$\{Version\}/g, "1.0")
            .replace(/\\n/g, "\n")
            .replace(/\\t/g, "\t"),
    );
}
function aptGet(argv) {
    const words = argv.filter((x) => !x.startsWith("-") && !/^[A-Za-z:]+::/.test(x));
    const verb = words[0];
    const pkgs = words.slice(1);
    const simulate = argv.includes("-s");
    if (verb === "update") {
        if (state.aptUnreachable) {
            out("Err:1 http://deb.debian.org/debian bookworm InRelease\n  Temporary failure resolving 'deb.debian.org'\n");
            fail(
                "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'",
                100,
            );
        }
        state.listsFetched = true;
        return;
    }
    if (verb === "install") {
        for (const p of pkgs) {
            if (!state.listsFetched || !(state.repository || {})[p]) fail(`E: Unable to locate package ${p}`, 100);
            for (const dep of dependenciesOf(p)) if (!state.packages.includes(dep)) state.packages.push(dep);
            // Debian's maintainer scripts enable and start the service a package ships.
            if ((state.packageUnits || {})[p]) state.units[state.packageUnits[p]] = { enabled: true, active: true };
        }
        return;
    }
    if (verb === "purge" || verb === "remove") {
        // Purging a package also purges what depends on it (state.dependents: package -> its reverse dependencies).
        const gone = new Set(pkgs);
        for (const p of pkgs) for (const r of (state.dependents || {})[p] || []) if (state.packages.includes(r)) gone.add(r);
        if (simulate) {
            for (const p of gone) out(`Purg ${p} [1.0]\n`);
            return;
        }
        state.packages = state.packages.filter((p) => !gone.has(p));
        for (const p of gone) if ((state.packageUnits || {})[p]) delete state.units[state.packageUnits[p]];
        return;
    }
    fail(`fake apt-get: unsupported ${argv.join(" ")}`, 2);
}

const tools = {
    // Run as itself: the files in line with a state the test wrote.
    "fake-host.cjs": project,
    ipvsadm: () => ipvsadm(args),
    "ipvsadm-save": () => ipvsadm(["-S", ...args]),
    sysctl: () => sysctl(args),
    modprobe: () => modprobe(args),
    systemctl: () => systemctl(args),
    ip: () => ip(args),
    ss: () => ss(args),
    "dpkg-query": () => dpkgQuery(args),
    "apt-get": () => aptGet(args),
    nft: () => nft(args),
};
if (!tools[tool]) fail(`fake host has no ${tool}`, 127);
tools[tool]();
save();
