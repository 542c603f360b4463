// The real engine, offline: `pulumi preview` of the committed stacks through
// the Automation API. Nothing runs on any host in a preview, so no lab is
// needed; the refresh the stacks ask for has nothing to read yet.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { closedPorts } from "../support/ports";
import { Project, projectCopy } from "../support/pulumi";

let project: Project;

/**
 * The environment of a run whose hosts a preview must not contact: no probe of their SSH ports
 * (provider/reachability.ts). The prod stack's are made up (example.internal): their DNS queries would leave the machine.
 */
const NO_PROBE = { PULUMI_LVS_PROBE_SSH: "0" };

beforeAll(async () => {
    project = await projectCopy();
});

afterAll(() => project?.cleanup());

interface Planned {
    op: string;
    type: string;
    name: string;
    provider: string;
    inputs: Record<string, unknown>;
}

function planner(): { planned: Planned[]; onEvent: (e: EngineEvent) => void } {
    const planned: Planned[] = [];
    return {
        planned,
        onEvent: (e) => {
            const m = e.resourcePreEvent?.metadata;
            if (m)
                planned.push({
                    op: m.op,
                    type: m.type,
                    name: m.urn.split("::").pop()!,
                    provider: m.provider ?? "",
                    inputs: m.new?.inputs ?? {},
                });
        },
    };
}

/**
 * A key of the test's own (`name`, in the state directory; made once) as the stack's SSH key, and a known_hosts
 * file naming the hosts on `ports` with it: a preview needs both to exist, never to work.
 */
async function useKeyOfTheTest(stack: Stack, name: string, ports?: number[]): Promise<void> {
    const key = path.join(project.stateDir, name);
    if (!existsSync(key)) execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    await stack.setConfig("lvs:ssh.privateKeyFile", { value: key }, true);
    await stack.setConfig("lvs:ssh.knownHostsFile", { value: knownHostsOfTheTest(key, ports) }, true);
}

/** A known_hosts file naming the lab stacks' three hosts (with the public half of `key`: any key will do). */
function knownHostsOfTheTest(key: string, ports = [2221, 2222, 2223]): string {
    const file = `${key}.known_hosts`;
    const publicKey = readFileSync(`${key}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
    writeFileSync(file, ports.map((port) => `[127.0.0.1]:${port} ${publicKey}\n`).join(""));
    return file;
}

describe("pulumi preview (offline, real engine)", () => {
    it("plans the dev stack: the director, both real servers and every host fact, through the project's lvs plugin", async () => {
        const stack = await project.stack("dev");
        // A key and host keys of the test's own instead of the lab's: preview needs them to exist, never to work.
        await useKeyOfTheTest(stack, "id_ed25519");

        const { planned, onEvent } = planner();
        const result = await stack.preview({ onEvent });

        expect(planned.map((p) => `${p.op} ${p.type} ${p.name}`).sort()).toEqual([
            "create lvs:host:Addresses lvs-director-addresses",
            "create lvs:host:Addresses lvs-rs1-addresses",
            "create lvs:host:Addresses lvs-rs2-addresses",
            "create lvs:host:File lvs-rs1-test-page",
            "create lvs:host:File lvs-rs2-test-page",
            "create lvs:host:Package lvs-director-ipvsadm",
            "create lvs:host:Package lvs-rs1-lighttpd",
            "create lvs:host:Package lvs-rs2-lighttpd",
            "create lvs:host:Service lvs-rs1-httpd",
            "create lvs:host:Service lvs-rs2-httpd",
            "create lvs:host:Sysctls lvs-director-sysctls",
            "create lvs:index:Director lvs-director",
            "create lvs:index:LvsCluster lvs",
            "create lvs:index:RealServer lvs-rs1",
            "create lvs:index:RealServer lvs-rs2",
            "create lvs:ipvs:VirtualService lvs-director-tcp-80",
            "create pulumi:providers:lvs default",
            "create pulumi:pulumi:Stack lvs-dev",
        ]);
        expect(result.changeSummary).toEqual({ create: 17 });
        // The project's plugin served them: its Check adds the facts a refresh verifies (`present`, `saved`, ...).
        const table = planned.find((p) => p.type === "lvs:ipvs:VirtualService")!;
        expect(table.provider).toMatch(/^urn:pulumi:dev::lvs::pulumi:providers:lvs::default::/);
        expect(table.inputs).toMatchObject({ present: true, saved: true, restoreAtBoot: true, drainTimeout: 30, flags: [] });
        expect(planned.find((p) => p.name === "lvs-rs1-lighttpd")!.inputs).toMatchObject({ package: "lighttpd", installed: true });
        expect(planned.find((p) => p.name === "lvs-rs1-httpd")!.inputs).toMatchObject({ enabled: true, running: true });
        // Plugins are found without the CLI's warning about a plugin on PATH.
        expect(result.stdout + result.stderr).not.toMatch(/from \$PATH/);
    });

    it("plans a test page from a file as its path and digest: a page larger than a setting may hold, out of the plan", async () => {
        const stack = await project.stack("dev");
        await useKeyOfTheTest(stack, "id_ed25519_page");
        // 200 kB: as a setting, the engine could not start the program with it (argument list too long).
        const page = "<p>rs2's catalogue</p>\n".repeat(9000);
        writeFileSync(path.join(project.dir, "rs2.html"), page);
        await stack.setConfig("lvs:realServers[1].pageFile", { value: "rs2.html" }, true);
        try {
            const { planned, onEvent } = planner();
            const result = await stack.preview({ onEvent, diff: true });
            const inputs = planned.find((p) => p.name === "lvs-rs2-test-page")!.inputs;
            expect(inputs.contentFile).toEqual({
                path: path.join(project.dir, "rs2.html"),
                sha256: createHash("sha256").update(page).digest("hex"),
            });
            expect(inputs.content).toBeUndefined();
            expect(result.stdout).not.toContain("rs2's catalogue");
            expect(planned.find((p) => p.name === "lvs-rs1-test-page")!.inputs.content).toBe("<h1>rs1 (192.168.2.100)</h1>\n");
        } finally {
            await stack.removeConfig("lvs:realServers[1].pageFile", true);
        }
    });

    it("names each host whose SSH port nothing answers, once, in a warning: a preview runs nothing on them", async () => {
        const stack = await project.stack("dev");
        const lab = { "lvs:director.ssh.port": 2221, "lvs:realServers[0].ssh.port": 2222, "lvs:realServers[1].ssh.port": 2223 };
        const [director, rs1, rs2] = await closedPorts(3);
        await useKeyOfTheTest(stack, "id_ed25519_unreachable", [director!, rs1!, rs2!]);
        for (const [setting, port] of Object.keys(lab).map((s, i) => [s, [director, rs1, rs2][i]] as const))
            await stack.setConfig(setting, { value: String(port) }, true);
        const warnings: string[] = [];
        try {
            const result = await stack.preview({
                onEvent: (e) => {
                    if (e.diagnosticEvent?.severity === "warning") warnings.push(e.diagnosticEvent.message.trim());
                },
            });
            expect(result.changeSummary).toEqual({ create: 17 });
        } finally {
            for (const [setting, port] of Object.entries(lab)) await stack.setConfig(setting, { value: String(port) }, true);
        }
        const hint =
            "nothing answers SSH (ECONNREFUSED): pulumi up cannot change this host until it does; check the host's address " +
            "and SSH port in the stack's settings, and that the host runs sshd";
        expect(warnings.sort()).toEqual([
            `director (root@127.0.0.1:${director}): ${hint}`,
            `rs1 (root@127.0.0.1:${rs1}): ${hint}`,
            `rs2 (root@127.0.0.1:${rs2}): ${hint}`,
        ]);
    });

    it("plans the dr and tun stacks: each real server's side of its forwarding method", async () => {
        for (const [name, vipOn, modules] of [
            ["dr", "lo", []],
            ["tun", "tunl0", ["ipip"]],
        ] as const) {
            const stack = await project.stack(name);
            await useKeyOfTheTest(stack, "id_ed25519_methods");
            const { planned, onEvent } = planner();
            await stack.preview({ onEvent });
            const rs1 = (suffix: string) => planned.find((p) => p.name === `lvs-rs1-${suffix}`)!.inputs;
            expect(rs1("sysctls"), name).toMatchObject({
                values: { "net.ipv4.conf.all.arp_ignore": "1", "net.ipv4.conf.all.arp_announce": "2" },
                modules,
            });
            expect(rs1("addresses"), name).toMatchObject({
                addresses: { "192.168.145.100/32": { interface: vipOn } },
                defaultRoute: { via: "192.168.2.254", interface: "eth1" },
            });
            const forwarding = Object.values(planned.find((p) => p.type === "lvs:ipvs:VirtualService")!.inputs.realServers as object);
            expect(
                forwarding.map((e: { forwarding: string }) => e.forwarding),
                name,
            ).toEqual([name, name]);
            // Neither method needs the director to forward.
            expect(planned.find((p) => p.name === "lvs-director-sysctls")!.inputs.values, name).not.toHaveProperty(["net.ipv4.ip_forward"]);
        }
    });

    it("names a misspelt setting of the stack instead of ignoring it", async () => {
        const stack = await project.stack("dev");
        await stack.setConfig("lvs:virtualservices", { value: "[]" });
        const failure = await stack.preview().then(
            () => undefined,
            (err: Error) => err.message,
        );
        await stack.removeConfig("lvs:virtualservices");
        expect(failure).toContain("lvs:virtualservices: unknown setting: use one of lvs:ssh, lvs:director, lvs:virtualService");
    });

    it("stops the containers stack before any change on a bad setting, naming it and the fix", async () => {
        const stack = await project.stack("containers");
        await stack.setConfig("lvs:virtualService.forwarding", { value: "dr" }, true);
        await stack.setConfig("lvs:director.vipInterface", { value: "eth1" }, true);
        const failure = await stack.preview().then(
            () => undefined,
            (err: Error) => err.message,
        );
        expect(failure).toContain("Invalid stack configuration (2 problems); nothing was changed:");
        expect(failure).toContain("lvs:director.vipInterface: not used with lvs:containers");
        expect(failure).toContain("lvs:virtualService.forwarding: containers take VS/NAT only");
    });

    it("stops the prod stack before any change when no SSH key is set, naming the setting and the fix", async () => {
        const stack = await project.stack("prod", NO_PROBE);
        const failure = await stack.preview().then(
            () => undefined,
            (err: Error) => err.message,
        );
        expect(failure).toContain("Invalid stack configuration (1 problem); nothing was changed:");
        expect(failure).toContain(
            "lvs:sshPrivateKey: missing SSH key: `pulumi config set --secret lvs:sshPrivateKey < ~/.ssh/id_ed25519`, " +
                "or set lvs:ssh.privateKeyFile",
        );
    });

    it("stops when the key setting is not a private key, naming it, without printing it", async () => {
        const stack = await project.stack("prod", NO_PROBE);
        await stack.setConfig("lvs:sshPrivateKey", { value: "-----BEGIN NOTHING-----\nhunter2\n", secret: true });
        const failure = await stack.preview().then(
            () => undefined,
            (err: Error) => err.message,
        );
        expect(failure).toContain(
            "lvs:sshPrivateKey: the secret is not an SSH private key (OpenSSH or PEM format, such as ~/.ssh/id_ed25519)",
        );
        expect(failure).not.toContain("hunter2");
        await stack.removeConfig("lvs:sshPrivateKey");
    });

    it("plans prod once its key is set as a secret, which never appears in the stack settings or output in clear", async () => {
        const stack = await project.stack("prod", NO_PROBE);
        const key = path.join(project.stateDir, "prod_key");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
        const keyText = readFileSync(key, "utf8");
        await stack.setConfig("lvs:sshPrivateKey", { value: keyText, secret: true });
        const settings = readFileSync(path.join(project.dir, "stacks", "Pulumi.prod.yaml"), "utf8");
        expect(settings).toMatch(/lvs:sshPrivateKey:\n\s+secure: v1:/);
        expect(settings).not.toContain("OPENSSH PRIVATE KEY");
        const { planned, onEvent } = planner();
        const result = await stack.preview({ onEvent, diff: true });
        expect(result.stdout).not.toContain("OPENSSH PRIVATE KEY");
        expect(
            planned
                .filter((p) => p.type.startsWith("lvs:host:") || p.type.startsWith("lvs:ipvs:"))
                .map((p) => p.name)
                .sort(),
        ).toEqual([
            "lvs-director-addresses",
            "lvs-director-ipvsadm",
            "lvs-director-sysctls",
            "lvs-director-tcp-80",
            "lvs-web1-addresses",
            "lvs-web1-httpd",
            "lvs-web1-lighttpd",
            "lvs-web1-test-page",
            "lvs-web2-addresses",
            "lvs-web2-httpd",
            "lvs-web2-lighttpd",
            "lvs-web2-test-page",
        ]);
        expect(planned.find((p) => p.type === "lvs:ipvs:VirtualService")!.inputs).toMatchObject({
            scheduler: "wlc",
            persistence: { timeout: 300 },
            realServers: { "10.20.0.11:80": { forwarding: "nat", weight: 2 }, "10.20.0.12:80": { forwarding: "nat", weight: 1 } },
        });
    });
});
