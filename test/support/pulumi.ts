// Running the real Pulumi engine from tests: the Automation API with the
// project's toolchain (.toolchain, written by scripts/setup-toolchain.sh), a
// local file backend in a temp dir, and a temp copy of the program so the
// engine's writes (the stack's encryption salt) never touch the checkout.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

export const repo = path.resolve(__dirname, "../..");

/** What the program is made of (copied), and what it only reads (linked). */
const PROGRAM = ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts", "components", "src", "stacks"];

export interface Project {
    dir: string;
    stateDir: string;
    stack(name: string): Promise<Stack>;
    cleanup(): void;
}

export async function projectCopy(): Promise<Project> {
    const root = path.join(repo, ".toolchain");
    if (!existsSync(path.join(root, "bin", "pulumi"))) throw new Error("no Pulumi toolchain: run `npm run setup` (or `npm test`, which does)");
    const base = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-engine-"));
    const dir = path.join(base, "project");
    const stateDir = path.join(base, "state");
    for (const entry of PROGRAM) cpSync(path.join(repo, entry), path.join(dir, entry), { recursive: true });
    // A salt written by someone's own `pulumi stack init` belongs to their passphrase, not the tests'.
    for (const file of readdirSync(path.join(dir, "stacks"))) {
        const settings = path.join(dir, "stacks", file);
        writeFileSync(settings, readFileSync(settings, "utf8").replace(/^encryptionsalt:.*\n/m, ""));
    }
    symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"));
    // The labs' keys (stacks name them relative to the project) are read in place.
    for (const lab of [".lab", ".lab-ci"]) symlinkSync(path.join(repo, lab), path.join(dir, lab));
    const pulumiCommand = await PulumiCommand.get({ root });
    const envVars = {
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: "pulumi-lvs tests",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    mkdirSync(stateDir, { recursive: true });
    return {
        dir,
        stateDir,
        stack: (stackName) => LocalWorkspace.createOrSelectStack({ stackName, workDir: dir }, { pulumiCommand, envVars }),
        cleanup: () => rmSync(base, { recursive: true, force: true }),
    };
}
