// End to end on container hosts: the real Pulumi engine (Automation API, local
// backend) with the project's Docker plugin turns the lab's Docker host (a VM
// whose kernel has IPVS) into the tutorial's VS/NAT cluster of containers,
// proven with real HTTP requests from the client container through the VIP.
// A scheduler change is applied in place in the same director container, a
// restarted director restores its table, and destroy removes every container
// and network of the stack and nothing else on the engine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "@pulumi/pulumi/automation";
import Dockerode from "dockerode";
import * as path from "node:path";
import { DockerExecTransport } from "../../provider/dockerExec";
import { CI_DOCKER_LAB_ENV, dockerLab, labLeftovers } from "../support/lab";
import { lingeringPluginProcesses, noOpUp, upStack, VIP } from "../support/e2e";
// Beside the VM lab's file, at a lower CPU priority, with the Docker host's VM it starts.
import "../support/background";
import { Project, projectCopy } from "../support/pulumi";

const STACK = "ci-containers";
const PAGES = { rs1: "<h1>rs1 (192.168.2.100)</h1>", rs2: "<h1>rs2 (192.168.2.101)</h1>" };
const REQUESTS = 20;
const IMAGE = "pulumi-lvs/lab-host:1";
/** Someone else's container and network on the same engine: the stack must never touch them. */
const BYSTANDER = "bystander";

const host = `unix://${path.join(CI_DOCKER_LAB_ENV.PULUMI_LVS_LAB_DIR, "run", "docker.sock")}`;
const engine = new Dockerode({ socketPath: host.slice("unix://".length) });
const container = (role: string) => `${STACK}-lvs-${role}`;

let project: Project;
let stack: Stack;

/** A script in one of the cluster's containers, as root; its stdout (a failure fails the test). */
async function inContainer(name: string, script: string): Promise<string> {
    const result = await new DockerExecTransport({ host, container: name }, name).run(script);
    if (result.code !== 0) throw new Error(`${name}: exit ${result.code}: ${result.stderr}`);
    return result.stdout;
}

/** `count` requests from the client container through the VIP, bounded: one line (the page, or FAILED) each. */
async function requestsFromClient(count: number): Promise<string[]> {
    const out = await inContainer(
        container("client"),
        `for i in $(seq ${count}); do curl -s --max-time 5 http://${VIP}/ || echo FAILED; done`,
    );
    return out.trimEnd().split("\n");
}

async function directorId(): Promise<string> {
    return (await engine.getContainer(container("director")).inspect()).Id;
}

/** The stack's containers and networks on the engine (named `<stack>-lvs-…`). */
async function stackObjects(): Promise<string[]> {
    const containers = (await engine.listContainers({ all: true })).flatMap((c) => c.Names.map((n) => n.replace(/^\//, "")));
    const networks = (await engine.listNetworks()).map((n) => n.Name);
    return [...containers, ...networks].filter((n) => n.startsWith(`${STACK}-`)).sort();
}

beforeAll(async () => {
    // A fresh Docker host every run: one left over from a crashed run may hold containers.
    dockerLab(["down"], 120_000, true);
    dockerLab(["up"], 40 * 60_000, true);
    await engine.createNetwork({ Name: BYSTANDER });
    const bystander = await engine.createContainer({ name: BYSTANDER, Image: IMAGE, Cmd: ["sleep", "infinity"] });
    await bystander.start();
    project = await projectCopy();
    stack = await project.stack(STACK);
});

afterAll(() => {
    try {
        dockerLab(["down"], 120_000, true);
    } finally {
        project?.cleanup();
    }
});

describe("the tutorial on Docker containers, end to end", () => {
    it("pulumi up builds the cluster: two networks without masquerading, a director with the VIP and DIP, real servers routing through it", async () => {
        const { steps, changes } = await upStack(stack);
        // Exactly: the lvs and Docker providers, the components, two networks, the image, four containers and the
        // virtual service (by name).
        expect(steps.map((s) => `${s.op} ${s.type} ${s.name}`)).toEqual([
            "create pulumi:providers:lvs default",
            "create lvs:index:ContainerCluster lvs",
            "create docker:index/container:Container lvs-client",
            "create docker:index/container:Container lvs-director",
            "create lvs:index:Director lvs-director",
            "create lvs:ipvs:VirtualService lvs-director-tcp-80",
            "create pulumi:providers:docker lvs-docker",
            "create docker:index/remoteImage:RemoteImage lvs-image",
            "create docker:index/network:Network lvs-rs-network",
            "create docker:index/container:Container lvs-rs1",
            "create docker:index/container:Container lvs-rs2",
            "create docker:index/network:Network lvs-vip-network",
        ]);
        expect(changes).toEqual({ create: 12 });
        expect(await stackObjects()).toEqual(["client", "director", "rs", "rs1", "rs2", "vip"].map((r) => `${STACK}-lvs-${r}`).sort());
        for (const net of ["vip", "rs"]) {
            const info = await engine.getNetwork(container(net)).inspect();
            expect(info.Options).toEqual({ "com.docker.network.bridge.enable_ip_masquerade": "false" });
        }
        const director = await engine.getContainer(container("director")).inspect();
        expect(director.HostConfig.CapAdd).toEqual(["NET_ADMIN"]);
        expect(director.HostConfig.Sysctls).toMatchObject({ "net.ipv4.ip_forward": "1" });
        expect(director.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
        const addresses = Object.values(director.NetworkSettings.Networks)
            .map((n) => n.IPAddress)
            .sort();
        expect(addresses).toEqual(["192.168.145.100", "192.168.2.1"]);
        for (const rs of ["rs1", "rs2"] as const) {
            expect(await inContainer(container(rs), "ip -4 route show default")).toMatch(/^default via 192\.168\.2\.1 /);
            expect(await inContainer(container(rs), "cat /var/www/html/index.html")).toBe(`${PAGES[rs]}\n`);
        }
        expect(await inContainer(container("director"), "ipvsadm-save -n")).toBe(
            "-A -t 192.168.145.100:80 -s rr\n" +
                "-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1\n" +
                "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1\n",
        );
    });

    it(`rr strictly alternates over ${REQUESTS} requests from the client container`, async () => {
        const pages = await requestsFromClient(REQUESTS);
        expect(pages).toHaveLength(REQUESTS);
        expect(pages).not.toContain("FAILED");
        expect(new Set(pages)).toEqual(new Set(Object.values(PAGES)));
        for (let i = 1; i < pages.length; i++) expect(pages[i]).not.toBe(pages[i - 1]);
    });

    it("a further pulumi up, refresh included, changes nothing", async () => {
        await noOpUp(stack);
    });

    it("switching to dh is an in-place update: the same director container, every request on one real server", async () => {
        const before = await directorId();
        await stack.setConfig("lvs:virtualService.scheduler", { value: "dh" }, true);
        const { steps, changes } = await upStack(stack);
        expect(changes.update).toBe(1);
        expect(changes.replace ?? 0).toBe(0);
        expect(steps.map((s) => [s.op, s.name, s.diff])).toEqual([["update", "lvs-director-tcp-80", { scheduler: "update" }]]);
        expect(await directorId()).toBe(before);
        const pages = await requestsFromClient(REQUESTS);
        expect(pages).not.toContain("FAILED");
        expect(new Set(pages).size).toBe(1);
        expect(Object.values(PAGES)).toContain(pages[0]);
    });

    it("a restarted director container restores its table, and the stack still sees no change", async () => {
        await engine.getContainer(container("director")).restart({ t: 0 });
        expect(await inContainer(container("director"), "ipvsadm-save -n")).toMatch(/^-A -t 192\.168\.145\.100:80 -s dh$/m);
        const pages = await requestsFromClient(4);
        expect(pages).not.toContain("FAILED");
        await noOpUp(stack);
    });

    it("destroy removes every container and network of the stack, and nothing else on the engine; no plugin process stays", async () => {
        await stack.destroy();
        expect(await stackObjects()).toEqual([]);
        expect(lingeringPluginProcesses(stack.workspace.workDir)).toEqual([]);
        const names = (await engine.listContainers({ all: true })).flatMap((c) => c.Names);
        expect(names).toEqual([`/${BYSTANDER}`]);
        expect((await engine.listNetworks()).map((n) => n.Name)).toContain(BYSTANDER);
        expect((await engine.listImages()).flatMap((i) => i.RepoTags ?? [])).toContain(IMAGE);
    });

    it("the lab goes down and leaves nothing behind", () => {
        dockerLab(["down"], 120_000, true);
        expect(labLeftovers(CI_DOCKER_LAB_ENV)).toEqual([]);
    });
});
