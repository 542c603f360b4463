// The offline Docker plugin's check defaults and diff rules, per
// ../../../shared notes on the official provider: which changes update in
// place, which replace, when the old object is deleted first.
import type Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { container } from "../../toolchain/plugins/docker/src/container";
import { diffResource, isAutonamed } from "../../toolchain/plugins/docker/src/diff";
import { Props } from "../../toolchain/plugins/docker/src/kind";
import { network } from "../../toolchain/plugins/docker/src/network";
import { remoteImage } from "../../toolchain/plugins/docker/src/remoteImage";

const checked = (kind: typeof container, inputs: Props) => kind.schema.parse(inputs);

const web = checked(container, {
    name: "web-1a2b3c4",
    image: "sha256:abc",
    command: ["httpd", "-f"],
    networksAdvanced: [
        { name: "outside", ipv4Address: "10.0.0.2" },
        { name: "inside", ipv4Address: "10.0.1.2" },
    ],
    uploads: [{ file: "/www/index.html", content: "rs1\n" }],
});
// What the state holds after a create: the inputs and what the daemon reported (a read of the new container).
const stored = {
    ...web,
    hostname: "0123456789ab",
    privileged: false,
    maxRetryCount: 0,
    memoryReservation: 0,
    networkDatas: [{ networkName: "outside", ipAddress: "10.0.0.2" }],
    bridge: "",
};
/** A container that was given a capability, a sysctl, privilege, a retry count and a stop grace, as read back. */
const tuned = {
    ...stored,
    capabilities: { adds: ["NET_ADMIN"], drops: [] },
    sysctls: { "net.ipv4.ip_forward": "1" },
    privileged: true,
    restart: "on-failure",
    maxRetryCount: 3,
    destroyGraceSeconds: 10,
};

describe("Container check", () => {
    it("fills the official provider's defaults", () => {
        expect(web).toMatchObject({
            restart: "no",
            mustRun: true,
            start: true,
            rm: false,
            removeVolumes: true,
            networkMode: "bridge",
            waitTimeout: 60,
            memoryReservation: 0,
            uploads: [{ executable: false }],
        });
    });

    it.each([
        ["an unknown restart policy", { restart: "sometimes" }, /doesn't match the pattern/],
        ["an empty command element", { command: ["sh", ""] }, /values for command may not be empty/],
        ["an upload with no content", { uploads: [{ file: "/x" }] }, /one of 'content', 'content_base64', or 'source' must be set/],
        ["an upload with two contents", { uploads: [{ file: "/x", content: "a", contentBase64: "YQ==" }] }, /only one of/],
        ["a bad upload mode", { uploads: [{ file: "/x", content: "a", permissions: "755" }] }, /octal mode/],
        ["an input this plugin does not serve", { ports: [{ internal: 80 }] }, /ports/],
    ])("rejects %s", (_name, change, message) => {
        const result = container.schema.safeParse({ name: "c", image: "i", ...change });
        expect(result.success).toBe(false);
        expect(JSON.stringify(result.error!.issues)).toMatch(message);
    });
});

describe("Container diff", () => {
    it.each([
        ["nothing changed", {}, { changes: false, replaces: [], deleteBeforeReplace: false }],
        ["networks listed in another order", { networksAdvanced: [...(web.networksAdvanced as unknown[])].reverse() }, { changes: false }],
        ["restart policy", { restart: "always" }, { changes: true, replaces: [], diffs: ["restart"] }],
        ["mustRun", { mustRun: false }, { changes: true, replaces: [] }],
        ["destroyGraceSeconds", { destroyGraceSeconds: 5 }, { changes: true, replaces: [] }],
        [
            "upload content",
            { uploads: [{ file: "/www/index.html", content: "rs2\n", executable: false }] },
            { replaces: ["uploads"], deleteBeforeReplace: true },
        ],
        ["command", { command: ["sleep", "1"] }, { replaces: ["command"], deleteBeforeReplace: true }],
        ["a fixed address", { networksAdvanced: [{ name: "outside", ipv4Address: "10.0.0.9" }] }, { replaces: ["networksAdvanced"] }],
        ["the image, unknown in preview", { image: unknownValue }, { replaces: ["image"], deleteBeforeReplace: true }],
        ["sysctls added", { sysctls: { "net.ipv4.ip_forward": "1" } }, { replaces: ["sysctls"] }],
        ["memoryReservation", { memoryReservation: 64 }, { changes: true, replaces: [], diffs: ["memoryReservation"] }],
        // Optional+Computed: left out, the daemon's value (here the hostname) is not a change.
        ["hostname left out", { hostname: undefined }, { changes: false }],
    ])("%s", (_name, change, expected) => {
        expect(diffResource(container, "web", stored, { ...web, ...change })).toMatchObject(expected);
    });

    // Optional, not Computed (upstream): left out stands for the zero value, which the daemon's read-back
    // zeros match; a value the program stops giving is a change, a replacement for those that force one.
    it.each([
        ["capabilities", { replaces: ["capabilities"] }],
        ["sysctls", { replaces: ["sysctls"] }],
        ["privileged", { replaces: ["privileged"] }],
        ["maxRetryCount", { replaces: [], diffs: ["maxRetryCount"] }],
        ["destroyGraceSeconds", { replaces: [], diffs: ["destroyGraceSeconds"] }],
    ])("%s the program stops giving", (key, expected) => {
        const news: Props = {
            ...web,
            capabilities: tuned.capabilities,
            sysctls: tuned.sysctls,
            privileged: true,
            restart: "on-failure",
            maxRetryCount: 3,
            destroyGraceSeconds: 10,
        };
        delete news[key];
        expect(diffResource(container, "web", tuned, news)).toMatchObject({ changes: true, ...expected });
    });

    it("sees no change in a zero the daemon reads back for an input left out", () => {
        expect(diffResource(container, "web", stored, web).changes).toBe(false);
    });
});

describe("reads, as upstream's", () => {
    it("read a network's labels back, so that a label added on the engine is a change", async () => {
        const inputs = checked(network, { name: "lab-inside", ipamConfigs: [{ subnet: "10.0.1.0/24", gateway: "10.0.1.1" }] });
        const engine = {
            getNetwork: () => ({
                inspect: async () => ({
                    Name: "lab-inside",
                    Driver: "bridge",
                    IPAM: { Driver: "default", Config: [{ Subnet: "10.0.1.0/24", Gateway: "10.0.1.1" }] },
                    Options: {},
                    Labels: { team: "web", "com.example.owner": "ops" },
                    Scope: "local",
                }),
            }),
        } as unknown as Dockerode;
        const live = (await network.read(engine, "n1", inputs))!;
        expect(live.labels).toEqual([
            { label: "com.example.owner", value: "ops" },
            { label: "team", value: "web" },
        ]);
        expect(diffResource(network, "inside", live, inputs)).toMatchObject({ replaces: ["labels"] });
    });

    it("recompute a RemoteImage's ID from the image the name now stands for", async () => {
        const inputs = checked(remoteImage, { name: "lab/httpd:1" });
        const state = { ...inputs, imageId: "sha256:old", repoDigest: "" };
        expect(remoteImage.idOf!(state)).toBe("sha256:oldlab/httpd:1");
        const engine = { getImage: () => ({ inspect: async () => ({ Id: "sha256:new", RepoDigests: [] }) }) } as unknown as Dockerode;
        const live = (await remoteImage.read(engine, "sha256:oldlab/httpd:1", state))!;
        expect(remoteImage.idOf!(live)).toBe("sha256:newlab/httpd:1");
    });
});

describe("Network diff", () => {
    const inputs = checked(network, { name: "lab-inside", ipamConfigs: [{ subnet: "10.0.1.0/24", gateway: "10.0.1.1" }] });

    it("replaces on any change, deleting first when the name was given, not when it was generated", () => {
        const change = { options: { "com.docker.network.bridge.enable_ip_masquerade": "false" } };
        expect(diffResource(network, "inside", inputs, { ...inputs, ...change })).toMatchObject({
            replaces: ["options"],
            deleteBeforeReplace: true,
        });
        const autonamed = { ...inputs, name: "inside-0f1e2d3" };
        expect(diffResource(network, "inside", autonamed, { ...autonamed, ...change })).toMatchObject({
            replaces: ["options"],
            deleteBeforeReplace: false,
        });
    });

    it("keeps the daemon's driver when the program leaves it out", () => {
        expect(diffResource(network, "inside", { ...inputs, driver: "bridge", scope: "local" }, inputs).changes).toBe(false);
    });

    it("recognises only its own autonames", () => {
        expect(isAutonamed("inside-0f1e2d3", "inside")).toBe(true);
        expect(isAutonamed("inside-0f1e2d", "inside")).toBe(false);
        expect(isAutonamed("outside-0f1e2d3", "inside")).toBe(false);
    });
});

describe("RemoteImage diff", () => {
    const inputs = checked(remoteImage, { name: "lab/httpd:1" });
    it.each([
        ["keepLocally", { keepLocally: true }, { changes: true, replaces: [] }],
        ["name", { name: "lab/httpd:2" }, { replaces: ["name"], deleteBeforeReplace: false }],
        ["pullTriggers", { pullTriggers: ["x"] }, { replaces: ["pullTriggers"], deleteBeforeReplace: false }],
    ])("%s", (_name, change, expected) => {
        expect(
            diffResource(remoteImage, "image", { ...inputs, imageId: "sha256:1", repoDigest: "" }, { ...inputs, ...change }),
        ).toMatchObject(expected);
    });
});
