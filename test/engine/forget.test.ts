// A host that is gone, with the real engine (Automation API, local backend):
// a refresh that cannot reach a host fails naming it and saying how to take it
// out; listed in `lvs:forget`, the host's resources leave the state at a
// refresh and at a destroy without anything contacting it. The engine gives a
// provider the current stack's settings in PULUMI_CONFIG, also when a refresh
// or destroy configures it with what the last up recorded: what this proves.
// (The lab's end-to-end test kills a real server's VM and takes it out of a
// live cluster: test/e2e/lab/healthChecks.ts.)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Deployment, Stack } from "@pulumi/pulumi/automation";
import { closedPorts } from "../support/ports";
import { devStack, failureOf, javaScriptProgram, repo } from "../support/pulumi";

/** A program with one file on the host `exp:host` names (none: nothing), reached on `exp:port`. */
const PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const config = new pulumi.Config("exp");
const host = config.require("host");
const connection = { host: "127.0.0.1", port: config.requireNumber("port"), user: "root", password: "unused", dialErrorLimit: 1 };
if (host !== "none") new pulumi.CustomResource("lvs:host:File", "page", { hostName: host, path: "/srv/page", content: "x\\n", connection });
`;

let base: string;
let stack: Stack;
/** The state with the page on the host that died (a create that failed leaves its resource known). */
let withPage: Deployment;
const lines: string[] = [];
const onOutput = (text: string) => lines.push(text);

beforeAll(async () => {
    base = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-forget-"));
    const program = javaScriptProgram(base, "gone", PROGRAM);
    writeFileSync(
        path.join(program, "Pulumi.yaml"),
        `name: gone\nruntime: nodejs\nmain: index.js\nplugins:\n  providers:\n    - name: lvs\n      path: ${repo}/provider/bin\n`,
    );
    // Loopback only: no host answers on a closed port, as on one that died.
    const [port] = await closedPorts(1);
    stack = await devStack(base, program, { PULUMI_LVS_PROBE_SSH: "0" });
    await stack.setAllConfig({ "exp:host": { value: "rs2" }, "exp:port": { value: String(port) } });
    expect(await failureOf(stack.up({ onOutput }))).toContain("rs2 (root@127.0.0.1");
    withPage = await stack.exportStack();
    expect(withPage.deployment.resources.map((r: { urn: string }) => r.urn.split("::").pop())).toContain("page");
});

afterAll(() => {
    if (base) rmSync(base, { recursive: true, force: true });
});

describe("a host that is gone", () => {
    it("fails a refresh in one line that names the host and says how to take it out", async () => {
        const failure = await failureOf(stack.preview({ refresh: true }));
        expect(failure).toMatch(
            /rs2 \(root@127\.0\.0\.1:\d+\): cannot run commands over SSH: Dial 1\/1 failed: connect ECONNREFUSED 127\.0\.0\.1:\d+; if rs2 is gone for good, list it in lvs:forget \(README: a host that is gone\)/,
        );
    });

    it("listed in lvs:forget, leaves the state at the refresh of one up, nothing contacting it", async () => {
        await stack.setAllConfig({ "exp:host": { value: "none" }, "lvs:forget[0]": { value: "rs2" } }, true);
        lines.length = 0;
        const result = await stack.up({ refresh: true, onOutput });
        expect(result.summary.result).toBe("succeeded");
        expect(lines.join("")).toContain(
            "warning: rs2 is listed in lvs:forget: not contacted; page leaves the stack's state, and whatever it put on rs2 stays there",
        );
        expect((await stack.exportStack()).deployment.resources.map((r: { type: string }) => r.type)).not.toContain("lvs:host:File");
    });

    it("listed in lvs:forget, is left out of a destroy without a refresh: deleted from the state only", async () => {
        await stack.importStack(withPage);
        lines.length = 0;
        const result = await stack.destroy({ onOutput });
        expect(result.summary.result).toBe("succeeded");
        expect(lines.join("")).toContain(
            "warning: rs2 is listed in lvs:forget: not contacted; page is deleted from the stack's state only, and whatever it put on rs2 stays there",
        );
        expect((await stack.exportStack()).deployment.resources ?? []).toEqual([]);
    });
});
