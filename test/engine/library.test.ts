// pulumi-lvs as a library: the project packed with `npm pack`, installed
// from the tarball into a fresh Pulumi program that declares an LvsCluster in
// code (no stack settings), previewed offline by the real engine through the
// Automation API. What a user's own program gets is what this test gets.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { devStack, failureOf, repo } from "../support/pulumi";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { ClusterSpec, InterfaceAddress, LvsCluster } from "pulumi-lvs";

const config = new pulumi.Config();
// A computed value, as users have them: the DIP from another resource's output.
const dip: pulumi.Output<InterfaceAddress> = pulumi.output({
    interface: "ens19",
    address: config.get("dipAddress") ?? "10.20.0.1",
    prefixLength: 24,
});
const web = (n: number) => ({
    name: \`web\${n}\`,
    ssh: { host: \`web\${n}.example.internal\` },
    address: { interface: "ens18", address: \`10.20.0.1\${n}\`, prefixLength: 24 },
});
const cluster = new LvsCluster("edge", {
    director: {
        ssh: { host: "lvs.example.internal", user: "deploy" },
        vip: { interface: "ens18", address: "203.0.113.10", prefixLength: 24 },
        dip,
    },
    virtualServices: [
        { port: 443, scheduler: "wlc", persistence: { timeout: 300 }, realServers: [{ name: "web1", weight: 2 }, { name: "web2" }] },
    ],
    realServers: [web(1), web(2)],
    privateKey: config.requireSecret("key"),
});
const typed: ClusterSpec["drainTimeout"] = 30;
export const vipUrl = cluster.vipUrl;
export const rules = cluster.ipvsRules;
export const drain = typed;
`;

let base: string;
let stack: Stack;

beforeAll(async () => {
    base = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-library-"));
    const program = path.join(base, "program");
    mkdirSync(program);
    // Without prepack's `npm run build`: dist is compiled from these sources by `npm test`'s setup already, and
    // compiling it again would rewrite the provider the end-to-end tests run beside this one.
    execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", base], {
        cwd: repo,
        stdio: ["ignore", "ignore", "inherit"],
    });
    const tarball = path.join(
        base,
        readdirSync(base).find((f) => f.endsWith(".tgz"))!,
    );
    // As `pulumi new typescript` makes it: the SDK, TypeScript and Node's types.
    const pkg = {
        name: "edge",
        private: true,
        dependencies: { "pulumi-lvs": `file:${tarball}`, "@pulumi/pulumi": "3.248.0" },
        devDependencies: { typescript: "5.9.3", "@types/node": "20.19.25" },
    };
    writeFileSync(path.join(program, "package.json"), JSON.stringify(pkg, null, 2));
    writeFileSync(
        path.join(program, "Pulumi.yaml"),
        [
            "name: edge",
            "runtime:",
            "  name: nodejs",
            "  options:",
            "    typescript: true",
            "plugins:",
            "  providers:",
            "    - name: lvs",
            "      path: node_modules/pulumi-lvs/provider/bin",
            "",
        ].join("\n"),
    );
    writeFileSync(
        path.join(program, "tsconfig.json"),
        JSON.stringify({
            compilerOptions: {
                strict: true,
                target: "ES2022",
                module: "commonjs",
                moduleResolution: "node",
                esModuleInterop: true,
                skipLibCheck: true,
            },
        }),
    );
    writeFileSync(path.join(program, "index.ts"), PROGRAM);
    // From npm's cache when it has the packages (CI installed the same versions before).
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], {
        cwd: program,
        stdio: ["ignore", "ignore", "inherit"],
    });

    // Its hosts are made up (example.internal): no probe of their SSH ports, whose DNS queries would leave the machine.
    stack = await devStack(base, program, { PULUMI_LVS_PROBE_SSH: "0" });
    const key = path.join(base, "id_ed25519");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    await stack.setConfig("key", { value: execFileSync("cat", [key]).toString(), secret: true });
}, 10 * 60_000);

afterAll(() => {
    if (base && !process.env.KEEP) rmSync(base, { recursive: true, force: true });
});

describe("pulumi-lvs installed from its tarball into another program", () => {
    it("ships compiled JavaScript with type declarations behind an exports map, and the provider plugin", () => {
        const installed = path.join(base, "program", "node_modules", "pulumi-lvs");
        const files = readdirSync(installed);
        expect(files).toEqual(expect.arrayContaining(["dist", "provider", "package.json", "README.md"]));
        expect(readdirSync(path.join(installed, "dist"))).toEqual(expect.arrayContaining(["lib.js", "lib.d.ts"]));
        expect(readdirSync(path.join(installed, "provider", "bin"))).toEqual(["pulumi-resource-lvs"]);
        // Type-checks the program against the declarations, as the user's editor and ts-node would.
        execFileSync(path.join(repo, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "."], { cwd: path.join(base, "program") });
    });

    it("previews the cluster declared in code: every resource, named after the cluster, through the shipped plugin", async () => {
        const planned: string[] = [];
        const inputs = new Map<string, Record<string, unknown>>();
        const onEvent = (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (!m) return;
            planned.push(`${m.op} ${m.type} ${m.urn.split("::").pop()}`);
            inputs.set(m.urn.split("::").pop()!, m.new?.inputs ?? {});
        };
        const result = await stack.preview({ onEvent });
        expect(planned.filter((p) => p.includes(" lvs:")).sort()).toEqual([
            "create lvs:host:Addresses edge-director-addresses",
            "create lvs:host:Addresses edge-web1-addresses",
            "create lvs:host:Addresses edge-web2-addresses",
            "create lvs:host:File edge-web1-test-page",
            "create lvs:host:File edge-web2-test-page",
            "create lvs:host:Package edge-director-ipvsadm",
            "create lvs:host:Package edge-web1-lighttpd",
            "create lvs:host:Package edge-web2-lighttpd",
            "create lvs:host:Service edge-web1-httpd",
            "create lvs:host:Service edge-web2-httpd",
            "create lvs:host:Sysctls edge-director-sysctls",
            "create lvs:index:Director edge-director",
            "create lvs:index:LvsCluster edge",
            "create lvs:index:RealServer edge-web1",
            "create lvs:index:RealServer edge-web2",
            "create lvs:ipvs:VirtualService edge-director-tcp-443",
        ]);
        expect(inputs.get("edge-director-tcp-443")).toMatchObject({
            address: "203.0.113.10",
            port: 443,
            scheduler: "wlc",
            persistence: { timeout: 300 },
            realServers: { "10.20.0.11:80": { forwarding: "nat", weight: 2 }, "10.20.0.12:80": { forwarding: "nat", weight: 1 } },
            present: true,
        });
        expect(inputs.get("edge-web1-addresses")).toMatchObject({ defaultRoute: { via: "10.20.0.1", interface: "ens18" } });
        expect(result.stdout).not.toContain("PRIVATE KEY");
    });

    it(
        "fails a computed spec that breaks a rule in the same words as for stack settings, once, and plans nothing for " + "the hosts",
        async () => {
            await stack.setConfig("dipAddress", { value: "203.0.113.1" });
            const planned: string[] = [];
            const failure = await failureOf(
                stack.preview({ onEvent: (e) => e.resourcePreEvent && planned.push(e.resourcePreEvent.metadata.type) }),
            );
            await stack.removeConfig("dipAddress");
            expect(failure).toContain(
                "Invalid LvsCluster edge arguments (1 problem); nothing was changed:\n" +
                    "      - director.dip: 203.0.113.1/24 is on the VIP's network 203.0.113.0/24: VS/NAT needs the real " +
                    "servers on a separate inside network; give the DIP an address of that network",
            );
            expect(failure).not.toContain("error serializing property");
            expect(planned.filter((t) => t.startsWith("lvs:host:") || t.startsWith("lvs:ipvs:"))).toEqual([]);
        },
    );

    it("refuses a key that is not a private key in the provider's check, without printing it", async () => {
        await stack.setConfig("key", { value: "not a key", secret: true });
        const failure = await failureOf(stack.preview());
        expect(failure).toContain(
            "connection.privateKey: the private key is not an SSH private key (OpenSSH or PEM format, such as ~/.ssh/id_ed25519)",
        );
        expect(failure).not.toContain("not a key");
    });
});
