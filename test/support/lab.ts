// Driving the lab instances of the tests' own (lab/lab with its own namespace,
// state directory and SSH ports, as stacks/Pulumi.ci*.yaml expect): the VM lab,
// and the container lab (one Docker-host VM).
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { repo } from "./pulumi";

type LabEnv = { PULUMI_LVS_LAB_NETNS: string; PULUMI_LVS_LAB_DIR: string; PULUMI_LVS_LAB_SSH_PORT_BASE: string } & Record<string, string>;

/** A lab instance's env file (lab/ci-lab.env, lab/ci-docker-lab.env) as an environment, its lab directory made absolute. */
function labEnv(file: string): LabEnv {
    const env: Record<string, string> = {};
    for (const line of readFileSync(path.join(repo, file), "utf8").split("\n")) {
        const m = /^(PULUMI_LVS_LAB_\w+)=(\S+)/.exec(line);
        if (m) env[m[1]!] = m[2]!;
    }
    const { PULUMI_LVS_LAB_NETNS, PULUMI_LVS_LAB_DIR, PULUMI_LVS_LAB_SSH_PORT_BASE } = env;
    if (!PULUMI_LVS_LAB_NETNS || !PULUMI_LVS_LAB_DIR || !PULUMI_LVS_LAB_SSH_PORT_BASE) throw new Error(`${file} lacks a setting`);
    return { ...env, PULUMI_LVS_LAB_NETNS, PULUMI_LVS_LAB_DIR: path.resolve(repo, PULUMI_LVS_LAB_DIR), PULUMI_LVS_LAB_SSH_PORT_BASE };
}

export const CI_LAB_ENV = labEnv("lab/ci-lab.env");
/** The container lab of the tests: one VM, the Docker host. */
export const CI_DOCKER_LAB_ENV = labEnv("lab/ci-docker-lab.env");

function runLab(env: LabEnv, args: string[], timeoutMs: number, echo: boolean): string {
    const result = spawnSync("bash", [path.join(repo, "lab/lab"), ...args], {
        env: { ...process.env, ...env },
        encoding: "utf8",
        timeout: timeoutMs,
        stdio: ["ignore", "pipe", echo ? "inherit" : "pipe"],
    });
    if (result.status !== 0) {
        throw new Error(
            `lab ${args.join(" ")} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr ?? ""}${result.stdout}`,
        );
    }
    return result.stdout;
}

/** Runs `lab/lab ARGS...` for the CI lab; returns stdout, throws with stderr on failure. */
export function lab(args: string[], timeoutMs = 120_000, echo = false): string {
    return runLab(CI_LAB_ENV, args, timeoutMs, echo);
}

/** The same for the CI container lab. */
export function dockerLab(args: string[], timeoutMs = 120_000, echo = false): string {
    return runLab(CI_DOCKER_LAB_ENV, args, timeoutMs, echo);
}

/** A shell command on a lab VM, as root. */
export function onVm(vm: string, script: string, timeoutMs = 120_000): string {
    return lab(["ssh", vm, script], timeoutMs);
}

/** The same command on several lab VMs at once (each VM has a CPU of its own); each one's stdout by name. */
export async function onVms<Vm extends string>(vms: readonly Vm[], script: string, timeoutMs = 120_000): Promise<Record<Vm, string>> {
    const one = (vm: Vm) =>
        new Promise<[Vm, string]>((resolve, reject) =>
            execFile(
                "bash",
                [path.join(repo, "lab/lab"), "ssh", vm, script],
                { env: { ...process.env, ...CI_LAB_ENV }, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 << 20 },
                (error, stdout, stderr) =>
                    error ? reject(new Error(`lab ssh ${vm} failed (${error.message}):\n${stderr}${stdout}`)) : resolve([vm, stdout]),
            ),
        );
    return Object.fromEntries(await Promise.all(vms.map(one))) as Record<Vm, string>;
}

/** Reboots a VM and waits (bounded) until it is back: a new kernel boot ID, answering SSH. */
export function rebootAndWait(vm: string, timeoutMs = 15 * 60_000): void {
    const bootId = () => onVm(vm, "cat /proc/sys/kernel/random/boot_id", 30_000).trim();
    const before = bootId();
    try {
        onVm(vm, "systemctl reboot", 30_000);
    } catch {
        // The connection may drop while the VM goes down.
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        try {
            if (bootId() !== before) return;
        } catch {
            // Still down or booting.
        }
        execFileSync("sleep", ["3"]);
    }
    throw new Error(`${vm} did not come back from a reboot within ${timeoutMs / 1000} s`);
}

/** PIDs of the CI lab's qemu processes, by VM, from the lab's own pid files. */
export function qemuPids(): Record<string, number> {
    const vms = path.join(CI_LAB_ENV.PULUMI_LVS_LAB_DIR, "vms");
    if (!existsSync(vms)) return {};
    return Object.fromEntries(readdirSync(vms).map((vm) => [vm, Number(readFileSync(path.join(vms, vm, "qemu.pid"), "utf8"))]));
}

/** What of a CI lab still exists on this machine: its namespace, and any process running from its directory. */
export function labLeftovers(env: LabEnv = CI_LAB_ENV): string[] {
    const left: string[] = [];
    if (
        execFileSync("ip", ["netns", "list"])
            .toString()
            .split("\n")
            .some((l) => l.split(" ")[0] === env.PULUMI_LVS_LAB_NETNS)
    ) {
        left.push(`network namespace ${env.PULUMI_LVS_LAB_NETNS}`);
    }
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
        try {
            const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
            if (cmdline.includes(env.PULUMI_LVS_LAB_DIR + "/")) left.push(`process ${pid}: ${cmdline.slice(0, 100)}`);
        } catch {
            // gone meanwhile
        }
    }
    return left;
}
