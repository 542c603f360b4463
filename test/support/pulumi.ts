// Running the real Pulumi engine from tests: the Automation API with the
// project's toolchain (.toolchain, written by scripts/setup-toolchain.sh), a
// local file backend in a temp dir, and a temp copy of the program
// (scripts/copy-program.sh) so the engine's writes never touch the checkout.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

export const repo = path.resolve(__dirname, "../..");

/** The message a run that must fail failed with; "" when it succeeded (the test's expectation then fails). */
export function failureOf(run: Promise<unknown>): Promise<string> {
    return run.then(
        () => "",
        (err: Error) => err.message,
    );
}

export interface Project {
    dir: string;
    stateDir: string;
    /** The stack `name` of the copy; `env`: more environment for its runs. */
    stack(name: string, env?: Record<string, string>): Promise<Stack>;
    cleanup(): void;
}

/** The environment of the project's toolchain (.toolchain/env) for a run with its state in `stateDir`. */
export function toolchainEnv(stateDir: string): Record<string, string> {
    const home = path.join(repo, ".toolchain", "pulumi-home");
    return {
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: "pulumi-lvs tests",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // The toolchain's own Pulumi home holds the offline command plugin (absent where the official one is installed).
        ...(existsSync(home) ? { PULUMI_HOME: home } : {}),
    };
}

export async function projectCopy(): Promise<Project> {
    const root = path.join(repo, ".toolchain");
    if (!existsSync(path.join(root, "bin", "pulumi")))
        throw new Error("no Pulumi toolchain: run `npm run setup` (or `npm test`, which does)");
    const base = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-engine-"));
    const dir = path.join(base, "project");
    const stateDir = path.join(base, "state");
    execFileSync("bash", [path.join(repo, "scripts/copy-program.sh"), dir]);
    const pulumiCommand = await PulumiCommand.get({ root });
    const envVars = toolchainEnv(stateDir);
    mkdirSync(stateDir, { recursive: true });
    return {
        dir,
        stateDir,
        stack: (stackName, env = {}) =>
            LocalWorkspace.createOrSelectStack({ stackName, workDir: dir }, { pulumiCommand, envVars: { ...envVars, ...env } }),
        cleanup: () => rmSync(base, { recursive: true, force: true }),
    };
}

/**
 * A plain JavaScript Pulumi program in `base`/program, with the repository's
 * node_modules: what is under test is a plugin, not a TypeScript setup.
 */
export function javaScriptProgram(base: string, name: string, source: string): string {
    const program = path.join(base, "program");
    mkdirSync(program);
    symlinkSync(path.join(repo, "node_modules"), path.join(program, "node_modules"));
    writeFileSync(path.join(program, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\nmain: index.js\n`);
    writeFileSync(path.join(program, "package.json"), JSON.stringify({ name, private: true }));
    writeFileSync(path.join(program, "index.js"), source);
    return program;
}

/** The `dev` stack of the program in `program`, run by the toolchain's CLI with its state in `base`/state (and `env`). */
export async function devStack(base: string, program: string, env: Record<string, string> = {}): Promise<Stack> {
    const state = path.join(base, "state");
    mkdirSync(state);
    const pulumiCommand = await PulumiCommand.get({ root: path.join(repo, ".toolchain") });
    return LocalWorkspace.createOrSelectStack(
        { stackName: "dev", workDir: program },
        { pulumiCommand, envVars: { ...toolchainEnv(state), ...env } },
    );
}
