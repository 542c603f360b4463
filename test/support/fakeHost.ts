// A throwaway host for running host scripts for real: a private mount
// namespace in which /etc, /var and /sys/class/net are temporary directories,
// and the tools the scripts call (ipvsadm, sysctl, systemctl, ip, dpkg-query,
// ss, apt-get, modprobe, nft) are the fake in fakeHost/fake-host.cjs, which keeps the
// host's state in a JSON file and logs every call. Nothing touches the real
// host. Needs `unshare` (util-linux) and root or user namespaces.
import { spawn, spawnSync } from "node:child_process";
import {
    cpSync,
    existsSync,
    lstatSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    readlinkSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Transport } from "../../provider/host";

const FAKE = path.join(__dirname, "fakeHost", "fake-host.cjs");
const TOOLS = ["ipvsadm", "ipvsadm-save", "sysctl", "systemctl", "ip", "ss", "dpkg-query", "apt-get", "modprobe", "nft"];

/** The fake host's state, as the fake tools keep it. */
export interface FakeHostState {
    /** false: a container, without an init system (no /run/systemd/system). Default: a systemd host. */
    systemd?: boolean;
    ipvs: { services: FakeService[] };
    sysctl: Record<string, string>;
    modules: string[];
    missingModules?: string[];
    units: Record<string, { enabled: boolean; active: boolean }>;
    /** The TCP ports each unit listens on while it is active (ss). */
    listens?: Record<string, number[]>;
    /** How many more `ss` calls see nothing listening: a simple service still binding after its start returned. */
    bindLag?: number;
    links: string[];
    up?: string[];
    addresses: Record<string, string[]>;
    defaultRoute?: string;
    packages: string[];
    /** Packages apt can install, with the dependencies each brings. */
    repository?: Record<string, string[]>;
    /** Reverse dependencies: purging the key also purges these. */
    dependents?: Record<string, string[]>;
    /** The systemd unit a package ships (installed enabled and running, as Debian does). */
    packageUnits?: Record<string, string>;
    listsFetched?: boolean;
    aptUnreachable?: boolean;
    /** nftables tables of the ip family, with their mark rules. */
    nft?: Record<string, { address: string; protocol: string; ports: number[]; mark: number }[]>;
}

export interface FakeService {
    key: string;
    protocol?: string;
    addr?: string;
    fwmark?: number;
    scheduler: string;
    persistence?: number;
    netmask?: string;
    flags?: string;
    dests: { server: string; method: string; weight: number; active: number; inactive: number }[];
}

/** A Debian director/real server as the lab image has it: ipvsadm and lighttpd installed, lighttpd disabled. */
export function debianHost(): FakeHostState {
    return {
        ipvs: { services: [] },
        // IPVS's settings appear once its module is loaded.
        sysctl: {
            "net.ipv4.ip_forward": "0",
            // Debian's defaults (systemd's 50-default.conf sets rp_filter to 2, loose).
            ...Object.fromEntries(
                ["all", "default", "lo", "eth0", "eth1", "eth2"].flatMap((dev) => [
                    [`net.ipv4.conf.${dev}.arp_ignore`, "0"],
                    [`net.ipv4.conf.${dev}.arp_announce`, "0"],
                    [`net.ipv4.conf.${dev}.rp_filter`, "2"],
                ]),
            ),
        },
        modules: [],
        units: { ipvsadm: { enabled: true, active: false }, lighttpd: { enabled: false, active: false } },
        links: ["lo", "eth0", "eth1", "eth2"],
        // The lab's VMs bring up only the management NIC; pulumi-lvs brings up the others it uses.
        up: ["lo", "eth0"],
        addresses: { eth0: ["10.77.0.11/24"] },
        defaultRoute: "default via 10.77.0.1 dev eth0",
        packages: ["base-files", "ipvsadm", "lighttpd", "libnl-3-200"],
        repository: { ipvsadm: ["libnl-3-200", "libpopt0"], lighttpd: ["libbrotli1", "spawn-fcgi"] },
        dependents: {},
        packageUnits: { lighttpd: "lighttpd" },
        listens: { lighttpd: [80] },
    };
}

export interface ScriptRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

export class FakeHost {
    readonly dir: string;
    readonly root: string;
    private readonly bin: string;
    private readonly systemd: boolean;
    /** Files copied from the real /etc for the tools' sake: not the host's state. */
    private readonly systemFiles = new Set<string>();

    constructor(
        initial: FakeHostState = debianHost(),
        files: Record<string, string> = { "/etc/default/ipvsadm": 'AUTO="false"\nDAEMON="none"\n' },
    ) {
        this.dir = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-fakehost-"));
        this.root = path.join(this.dir, "root");
        this.bin = path.join(this.dir, "bin");
        this.systemd = initial.systemd !== false;
        for (const d of [
            "etc/systemd/system",
            "etc/sysctl.d",
            "etc/modules-load.d",
            "etc/default",
            "var/lib",
            "sys-class-net",
            "sys-module",
            "run-lock",
            "run-units",
            "proc-sys",
        ])
            mkdirSync(path.join(this.root, d), { recursive: true });
        mkdirSync(this.bin);
        for (const tool of TOOLS) symlinkSync(FAKE, path.join(this.bin, tool));
        for (const link of initial.links) writeFileSync(path.join(this.root, "sys-class-net", link), "");
        for (const module of initial.modules) mkdirSync(path.join(this.root, "sys-module", module));
        // What the real tools need from /etc to run at all (awk is an alternative on Debian).
        for (const entry of ["alternatives", "ld.so.cache", "passwd", "group", "nsswitch.conf"]) {
            if (!existsSync(`/etc/${entry}`)) continue;
            cpSync(`/etc/${entry}`, path.join(this.root, "etc", entry), { recursive: true, verbatimSymlinks: true });
            this.systemFiles.add(`/etc/${entry}`);
        }
        for (const [file, content] of Object.entries(files)) this.writeFile(file, content);
        this.setState(initial);
        writeFileSync(this.logFile, "");
    }

    private get stateFile(): string {
        return path.join(this.dir, "state.json");
    }

    private get logFile(): string {
        return path.join(this.dir, "calls.log");
    }

    /**
     * The host's state as an undo must restore it: files and the fake's state,
     * without what no undo takes back on a real host either (fetched package
     * lists, loaded kernel modules).
     */
    snapshot(): { state: FakeHostState; files: Record<string, string> } {
        const { listsFetched: _l, modules: _m, ...state } = this.state();
        return { state: state as FakeHostState, files: this.files() };
    }

    state(): FakeHostState {
        return JSON.parse(readFileSync(this.stateFile, "utf8")) as FakeHostState;
    }

    setState(state: FakeHostState): void {
        writeFileSync(this.stateFile, JSON.stringify(state, null, 2));
        // The fake, run as itself, shows the state in the files scripts read without a tool (/proc/sys, ...).
        const r = spawnSync(process.execPath, [FAKE], { env: this.fakeEnv(), encoding: "utf8" });
        if (r.status !== 0) throw new Error(`fake host: ${r.stderr}`);
    }

    private fakeEnv(): NodeJS.ProcessEnv {
        // (The fake tools are node programs; the CA bundle NODE_EXTRA_CA_CERTS names is not in the throwaway /etc.)
        return {
            ...process.env,
            NODE_EXTRA_CA_CERTS: undefined,
            FAKE_HOST_STATE: this.stateFile,
            FAKE_HOST_LOG: this.logFile,
            FAKE_HOST_ROOT: this.root,
        };
    }

    update(change: (state: FakeHostState) => void): void {
        const s = this.state();
        change(s);
        this.setState(s);
    }

    /** Every tool call since the last `clearCalls`, one `tool args...` line each. */
    calls(tool?: string): string[] {
        const all = readFileSync(this.logFile, "utf8").split("\n").filter(Boolean);
        return tool ? all.filter((l) => l.startsWith(`${tool} `) || l === tool) : all;
    }

    clearCalls(): void {
        writeFileSync(this.logFile, "");
    }

    /** A file of the host (path as on the host, e.g. /etc/ipvsadm.rules), or undefined. */
    readFile(file: string): string | undefined {
        try {
            return readFileSync(this.hostPath(file), "utf8");
        } catch {
            return undefined;
        }
    }

    writeFile(file: string, content: string): void {
        mkdirSync(path.dirname(this.hostPath(file)), { recursive: true });
        writeFileSync(this.hostPath(file), content);
    }

    /** A symbolic link on the host (`systemctl mask`'s /dev/null, a SysV runlevel's start link). */
    writeLink(file: string, target: string): void {
        mkdirSync(path.dirname(this.hostPath(file)), { recursive: true });
        symlinkSync(target, this.hostPath(file));
    }

    removeFile(file: string): void {
        rmSync(this.hostPath(file));
    }

    private hostPath(file: string): string {
        if (!file.startsWith("/etc/") && !file.startsWith("/var/")) throw new Error(`the fake host keeps only /etc and /var: ${file}`);
        return path.join(this.root, file);
    }

    /** Every file under /etc and /var with its content (a link: its target), for comparing the host before and after. */
    files(): Record<string, string> {
        const out: Record<string, string> = {};
        const walk = (dir: string, rel: string) => {
            for (const name of readdirSync(dir).sort()) {
                const full = path.join(dir, name);
                const r = `${rel}/${name}`;
                if (this.systemFiles.has(r)) continue;
                const stat = lstatSync(full);
                if (stat.isDirectory()) {
                    out[`${r}/`] = "";
                    walk(full, r);
                } else if (stat.isSymbolicLink()) out[r] = `-> ${readlinkSync(full)}`;
                else out[r] = readFileSync(full, "utf8");
            }
        };
        walk(path.join(this.root, "etc"), "/etc");
        walk(path.join(this.root, "var"), "/var");
        return out;
    }

    /** Runs a script as the provider would (as root, by sh), inside the throwaway root. */
    run(script: string, stdin = ""): ScriptRun {
        const [command, args, options] = this.invocation(script);
        const result = spawnSync(command, args, { ...options, input: stdin, encoding: "utf8", timeout: 60_000 });
        return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    }

    /** The same without blocking: scripts of one host run concurrently, as the provider runs them. */
    runConcurrently(script: string, stdin = ""): Promise<ScriptRun> {
        const [command, args, options] = this.invocation(script);
        return new Promise((resolve, reject) => {
            const child = spawn(command, args, { ...options, stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
            child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
            child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
            child.on("error", reject);
            child.on("close", (code) => {
                clearTimeout(timer);
                resolve({ code, stdout, stderr });
            });
            // A script that never reads its stdin may exit before the write lands (EPIPE): its exit is what counts.
            child.stdin.on("error", () => undefined);
            child.stdin.end(stdin);
        });
    }

    private invocation(script: string): [string, string[], { env: NodeJS.ProcessEnv }] {
        const setup = [
            'mount --bind "$1/etc" /etc',
            'mount --bind "$1/var" /var',
            'mount --bind "$1/sys-class-net" /sys/class/net',
            'mount --bind "$1/sys-module" /sys/module',
            // A /run of its own: with /run/systemd/system on a systemd host (how scripts tell), and the host's lock dir.
            "mount -t tmpfs tmpfs /run",
            `mkdir -p /run/lock${this.systemd ? " /run/systemd/system /run/systemd/units" : ""}`,
            'mount --bind "$1/run-lock" /run/lock',
            this.systemd ? 'mount --bind "$1/run-units" /run/systemd/units' : "true",
            'mount --bind "$1/proc-sys" /proc/sys',
            'export PATH="$2:$PATH"',
            "shift 2",
            'exec sh -c "$1"',
        ].join(" && ");
        return [
            "unshare",
            ["--mount", "--propagation", "private", "sh", "-c", setup, "sh", this.root, this.bin, script],
            { env: this.fakeEnv() },
        ];
    }

    /** The provider's view of this host. */
    transport(label = "fake (root@fake:22)"): Transport {
        return { label, run: (script, stdin) => this.runConcurrently(script, stdin) };
    }

    cleanup(): void {
        rmSync(this.dir, { recursive: true, force: true });
    }
}
