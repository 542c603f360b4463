// The stack's `lvs:*` settings as LvsCluster arguments: parsed and checked
// (src/config.ts) before anything is declared, the SSH key read from its file
// or taken from the secret setting, and checked to be a private key.
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { getConfig } from "@pulumi/pulumi/runtime/config";
import { ConfigError, KeyFileState, parseClusterConfig } from "../src/config";
import { ClusterSpec } from "../src/spec";
import { privateKeyProblem } from "../src/sshKey";

function inspectKeyFile(file: string): KeyFileState {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        return "missing";
    }
    if (stat.isDirectory()) return "directory";
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return "unreadable";
    }
    const problem = privateKeyProblem(text);
    return problem ? { problem } : "ok";
}

/** The cluster the stack's settings describe, and the key to reach its hosts (a secret). */
export function clusterFromStackSettings(config = new pulumi.Config("lvs")): { spec: ClusterSpec; privateKey: pulumi.Output<string> } {
    const secretKey = config.getSecret("sshPrivateKey");
    let parsed;
    try {
        parsed = parseClusterConfig(
            {
                ssh: config.getObject("ssh"),
                director: config.getObject("director"),
                virtualService: config.getObject("virtualService"),
                realServers: config.getObject("realServers"),
                drainTimeout: config.getObject("drainTimeout"),
            },
            { secretKeySet: secretKey !== undefined, projectDir: process.cwd(), inspectKeyFile },
        );
    } catch (err) {
        // A RunError is shown without a stack trace: the message is the whole story.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
    const { spec, sshKey } = parsed;
    if (sshKey.kind === "secret") {
        // The program gets its configuration decrypted: the key is checked at once, before anything is declared,
        // and never printed (reading it this way does not expose it; it stays a secret output below).
        const problem = privateKeyProblem(getConfig("lvs:sshPrivateKey") ?? "");
        if (problem)
            throw new pulumi.RunError(
                `Invalid stack configuration (1 problem); nothing was changed:\n  - lvs:sshPrivateKey: the secret ${problem}`,
            );
        return { spec, privateKey: secretKey! };
    }
    return { spec, privateKey: pulumi.secret(fs.readFileSync(sshKey.path, "utf8")) };
}
