// (Each summary counts the program's Docker provider as a fifth resource.)
// The offline Docker plugin through the real engine, against a real dockerd
// (in a network namespace of its own): a program of a user's that uses
// `@pulumi/docker` 5.2.0 creates a network, a local image reference and a
// container with a fixed address, uploads, a capability and a sysctl; a
// restart-policy change updates in place, a content change replaces; refresh
// sees a stopped or removed container; destroy leaves nothing of the stack.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "@pulumi/pulumi/automation";
import { startDockerd, TEST_IMAGE, TestDockerd } from "../support/dockerd";
import { devStack, javaScriptProgram } from "../support/pulumi";

const PREFIX = "plugtest";
const ADDRESS = "10.210.1.10";

let base: string;
let engine: TestDockerd;
let stack: Stack;

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const docker = require("@pulumi/docker");
const cfg = new pulumi.Config();
const provider = new docker.Provider("engine", { host: cfg.require("host") });
const opts = { provider };
const net = new docker.Network("outside", {
    name: "${PREFIX}-outside",
    ipamConfigs: [{ subnet: "10.210.1.0/24", gateway: "10.210.1.1" }],
    options: { "com.docker.network.bridge.enable_ip_masquerade": "false" },
}, opts);
const image = new docker.RemoteImage("image", { name: cfg.require("image"), keepLocally: true }, opts);
const web = new docker.Container("web", {
    image: image.imageId,
    networksAdvanced: [{ name: net.name, ipv4Address: "${ADDRESS}" }],
    capabilities: { adds: ["NET_ADMIN"] },
    sysctls: { "net.ipv4.ip_forward": "1" },
    command: ["httpd", "-f", "-p", "80", "-h", "/www"],
    uploads: [{ file: "/www/index.html", content: cfg.get("page") ?? "first\\n" }],
    restart: cfg.get("restart") ?? "no",
}, opts);
exports.containerId = web.id;
exports.containerName = web.name;
exports.networkDatas = web.networkDatas;
exports.imageId = image.imageId;
exports.hostname = web.hostname;
exports.memoryReservation = web.memoryReservation;
exports.imageResourceId = image.id;
`;

beforeAll(async () => {
    engine = await startDockerd();
    base = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-docker-"));
    stack = await devStack(base, javaScriptProgram(base, "uses-docker", PROGRAM));
    await stack.setAllConfig({ host: { value: engine.host }, image: { value: TEST_IMAGE } });
}, 180_000);

afterAll(async () => {
    if (stack) await stack.destroy().catch(() => undefined);
    if (engine) await engine.stop();
    if (base) rmSync(base, { recursive: true, force: true });
});

/** The page the container serves, fetched inside the engine's namespace (never from the root namespace). */
function page(): string {
    return execFileSync("ip", ["netns", "exec", engine.netns, "timeout", "10", "busybox", "wget", "-qO-", `http://${ADDRESS}/`], {
        encoding: "utf8",
    });
}

async function inspect(id: string) {
    return engine.docker.getContainer(id).inspect();
}

async function waitForPage(expected: string): Promise<void> {
    for (let i = 0; ; i++) {
        try {
            if (page() === expected) return;
        } catch (err) {
            if (i >= 20) throw err;
        }
        if (i >= 20) throw new Error(`the container does not serve ${JSON.stringify(expected)}`);
        await new Promise((r) => setTimeout(r, 250));
    }
}

describe("a program using @pulumi/docker, with the offline plugin and a real dockerd", () => {
    let firstId: string;

    it("creates the network, image reference and container as the official provider does", async () => {
        const up = await stack.up();
        expect(up.summary.resourceChanges).toEqual({ create: 5 });
        firstId = up.outputs.containerId!.value as string;
        const name = up.outputs.containerName!.value as string;
        expect(name).toMatch(/^web-[0-9a-f]{7}$/);
        const info = await inspect(firstId);
        expect(info.State.Running).toBe(true);
        expect(info.HostConfig.CapAdd).toEqual(["NET_ADMIN"]);
        expect(info.HostConfig.Sysctls).toEqual({ "net.ipv4.ip_forward": "1" });
        // Moved off the default bridge onto the stack's network, at its fixed address.
        expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`${PREFIX}-outside`]);
        expect(up.outputs.networkDatas!.value).toEqual([
            expect.objectContaining({ networkName: `${PREFIX}-outside`, ipAddress: ADDRESS, ipPrefixLength: 24, gateway: "10.210.1.1" }),
        ]);
        expect(up.outputs.imageId!.value).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(up.outputs.imageResourceId!.value).toBe(`${up.outputs.imageId!.value}${TEST_IMAGE}`);
        // Create ends with a read, as upstream's: the state holds what the daemon chose (the hostname the program
        // left out is the container's short ID) and upstream's defaults (no memory reservation).
        expect(up.outputs.hostname!.value).toBe(info.Config.Hostname);
        expect(info.Config.Hostname).toBe(firstId.slice(0, 12));
        expect(up.outputs.memoryReservation!.value).toBe(0);
        const net = await engine.docker.getNetwork(`${PREFIX}-outside`).inspect();
        expect(net.Options).toEqual({ "com.docker.network.bridge.enable_ip_masquerade": "false" });
        await waitForPage("first\n");
    });

    it("changes nothing on a second up", async () => {
        const again = await stack.up();
        expect(again.summary.resourceChanges).toEqual({ same: 5 });
    });

    it("updates the restart policy in place, and replaces the container when its upload changes", async () => {
        await stack.setConfig("restart", { value: "unless-stopped" });
        const update = await stack.up();
        expect(update.summary.resourceChanges).toEqual({ update: 1, same: 4 });
        expect(update.outputs.containerId!.value).toBe(firstId);
        expect((await inspect(firstId)).HostConfig.RestartPolicy?.Name).toBe("unless-stopped");

        await stack.setConfig("page", { value: "second\n" });
        const replace = await stack.up();
        expect(replace.summary.resourceChanges).toEqual({ replace: 1, same: 4 });
        const secondId = replace.outputs.containerId!.value as string;
        expect(secondId).not.toBe(firstId);
        await expect(inspect(firstId)).rejects.toMatchObject({ statusCode: 404 });
        await waitForPage("second\n");
        firstId = secondId;
    });

    it("sees a stopped container on refresh and starts it again; a removed one is recreated", async () => {
        engine.cli("stop", "-t", "0", firstId);
        await stack.refresh();
        const start = await stack.up();
        expect(start.summary.resourceChanges).toEqual({ update: 1, same: 4 });
        expect((await inspect(firstId)).State.Running).toBe(true);
        await waitForPage("second\n");

        engine.cli("rm", "-f", firstId);
        await stack.refresh();
        const recreate = await stack.up();
        expect(recreate.summary.resourceChanges).toEqual({ create: 1, same: 4 });
        await waitForPage("second\n");
    });

    it("fails a bad input at preview, naming the property and the allowed values", async () => {
        await stack.setConfig("restart", { value: "sometimes" });
        await expect(stack.preview()).rejects.toThrow(
            /restart: doesn't match the pattern '\^\(no\|on-failure\|always\|unless-stopped\)\$'/,
        );
        await stack.setConfig("restart", { value: "unless-stopped" });
    });

    it("fails at Configure, with upstream's message, when the daemon is unreachable", async () => {
        await stack.setConfig("host", { value: `unix://${base}/nothing.sock` });
        await expect(stack.preview()).rejects.toThrow(/failed to connect to any docker daemon/);
        await stack.setConfig("host", { value: engine.host });
    });

    it("destroys every container and network of the stack, and keeps the local image", async () => {
        await stack.destroy();
        expect(await engine.docker.listContainers({ all: true })).toEqual([]);
        const names = (await engine.docker.listNetworks()).map((n) => n.Name).sort();
        expect(names).toEqual(["bridge", "host", "none"]);
        expect((await engine.docker.listImages()).flatMap((i) => i.RepoTags ?? [])).toContain(TEST_IMAGE);
    });
});
