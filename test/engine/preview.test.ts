// The real engine, offline: `pulumi preview` of the committed stacks through
// the Automation API. Nothing runs on any host in a preview, so no lab is needed.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { Project, projectCopy } from "../support/pulumi";

let project: Project;

beforeAll(async () => {
    project = await projectCopy();
});

afterAll(() => project?.cleanup());

describe("pulumi preview (offline, real engine)", () => {
    it("plans the dev stack: the director, both real servers and every host step", async () => {
        const stack = await project.stack("dev");
        // A key of the test's own instead of the lab's: preview needs one to exist, never to work.
        const key = path.join(project.stateDir, "id_ed25519");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
        await stack.setConfig("lvs:ssh.privateKeyFile", { value: key }, true);

        const planned: { op: string; type: string; name: string }[] = [];
        const onEvent = (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m) planned.push({ op: m.op, type: m.type, name: m.urn.split("::").pop()! });
        };
        const result = await stack.preview({ onEvent });

        const creates = planned.filter((p) => p.op === "create").map((p) => `${p.type} ${p.name}`);
        expect(creates).toEqual(expect.arrayContaining([
            "lvs:index:LvsCluster lvs", "lvs:index:Director director", "lvs:index:RealServer rs1", "lvs:index:RealServer rs2",
            "command:remote:Command director-ipvsadm", "command:remote:Command director-ip-forward",
            "command:remote:Command director-addresses", "command:remote:Command director-virtual-service",
            "command:remote:Command rs1-addresses", "command:remote:Command rs1-httpd", "command:remote:Command rs1-test-page",
            "command:remote:Command rs2-addresses", "command:remote:Command rs2-httpd", "command:remote:Command rs2-test-page",
        ]));
        expect(planned.filter((p) => p.type === "command:remote:Command")).toHaveLength(10);
        expect(planned.every((p) => p.op === "create" || p.op === "same")).toBe(true);
        expect(result.changeSummary.create).toBeGreaterThanOrEqual(15);
        // The plugin the engine used is the project's (no official plugin here), or the official one where installed.
        expect(result.stdout).toMatch(/director-virtual-service/);
    });

    it("stops the prod stack before any change when no SSH key is set, naming the setting and the fix", async () => {
        const stack = await project.stack("prod");
        const failure = await stack.preview().then(() => undefined, (err: Error) => err.message);
        expect(failure).toContain("Invalid stack configuration (1 problem); nothing was changed:");
        expect(failure).toContain("lvs:sshPrivateKey: missing SSH key: `pulumi config set --secret lvs:sshPrivateKey < ~/.ssh/id_ed25519`, or set lvs:ssh.privateKeyFile");
    });

    it("plans prod once its key is set as a secret, which never appears in the stack settings in clear", async () => {
        const stack = await project.stack("prod");
        const key = path.join(project.stateDir, "prod_key");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
        const keyText = readFileSync(key, "utf8");
        await stack.setConfig("lvs:sshPrivateKey", { value: keyText, secret: true });
        const settings = readFileSync(path.join(project.dir, "stacks", "Pulumi.prod.yaml"), "utf8");
        expect(settings).toMatch(/lvs:sshPrivateKey:\n\s+secure: v1:/);
        expect(settings).not.toContain("OPENSSH PRIVATE KEY");
        const result = await stack.preview();
        expect(result.stdout).not.toContain("OPENSSH PRIVATE KEY");
        expect(result.stdout).toContain("web1-test-page");
        expect(result.stdout).toContain("director-virtual-service");
    });
});
