// A throwaway Docker engine for the Docker plugin's tests: dockerd in a
// network namespace of its own (so its bridges and addresses never touch the
// host's), with its data, socket and PID file in a temp dir, and a tiny
// busybox image imported from the host's busybox-static (no registry is
// reachable). Stopped by its PID; namespace and dirs removed, also on failure.
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Dockerode from "dockerode";

export const TEST_IMAGE = "pulumi-lvs-test/busybox:1";
const APPLETS = ["sh", "sleep", "cat", "ls", "ip", "httpd", "wget", "echo", "true"];

export interface TestDockerd {
    host: string;
    docker: Dockerode;
    netns: string;
    /** The docker CLI against this engine. */
    cli(...args: string[]): string;
    stop(): Promise<void>;
}

async function waitForPing(docker: Dockerode, log: string, child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
        try {
            await docker.ping();
            return;
        } catch {
            if (child.exitCode !== null || Date.now() > deadline)
                throw new Error(`dockerd did not answer (exit ${child.exitCode}); see ${log}`);
            await new Promise((r) => setTimeout(r, 250));
        }
    }
}

export async function startDockerd(): Promise<TestDockerd> {
    if (!existsSync("/usr/sbin/dockerd")) throw new Error("no dockerd: run `npm test` (it installs Debian's docker.io)");
    const dir = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-dockerd-"));
    const netns = `pulumi-lvs-dockerd-${process.pid}`;
    const sock = path.join(dir, "docker.sock");
    const host = `unix://${sock}`;
    execFileSync("ip", ["netns", "add", netns]);
    // `ip netns exec` remounts /sys and hides the cgroup mounts dockerd needs; nsenter does not.
    const log = path.join(dir, "dockerd.log");
    const logFd = openSync(log, "w");
    const child = spawn(
        "nsenter",
        [
            `--net=/run/netns/${netns}`,
            "dockerd",
            "--data-root",
            path.join(dir, "data"),
            "--exec-root",
            path.join(dir, "exec"),
            "-H",
            host,
            "--pidfile",
            path.join(dir, "dockerd.pid"),
        ],
        { stdio: ["ignore", logFd, logFd] },
    );
    closeSync(logFd);
    const docker = new Dockerode({ socketPath: sock });
    const cli = (...args: string[]) =>
        execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8" }).trim();
    const stop = async () => {
        if (child.exitCode === null) {
            child.kill("SIGTERM");
            await new Promise<void>((resolve) => {
                const timer = setTimeout(() => {
                    child.kill("SIGKILL");
                    resolve();
                }, 20_000);
                child.once("exit", () => {
                    clearTimeout(timer);
                    resolve();
                });
            });
        }
        try {
            execFileSync("ip", ["netns", "delete", netns]);
        } catch {
            // already gone
        }
        // Mounts dockerd may have left behind (overlay, shm) are unmounted before the directory goes.
        try {
            execFileSync("sh", ["-c", `grep -o ' ${dir}[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l`]);
        } catch {
            // nothing mounted
        }
        rmSync(dir, { recursive: true, force: true });
    };
    try {
        await waitForPing(docker, log, child);
        importBusybox(dir, cli);
    } catch (err) {
        await stop();
        throw err;
    }
    return { host, docker, netns, cli, stop };
}

function importBusybox(dir: string, cli: (...args: string[]) => string): void {
    const root = path.join(dir, "rootfs");
    mkdirSync(path.join(root, "bin"), { recursive: true });
    copyFileSync("/bin/busybox", path.join(root, "bin", "busybox"));
    chmodSync(path.join(root, "bin", "busybox"), 0o755);
    for (const applet of APPLETS) symlinkSync("busybox", path.join(root, "bin", applet));
    mkdirSync(path.join(root, "tmp"));
    const tarball = path.join(dir, "rootfs.tar");
    execFileSync("tar", ["-C", root, "-cf", tarball, "."]);
    cli("import", "--change", 'CMD ["sleep", "infinity"]', tarball, TEST_IMAGE);
}
