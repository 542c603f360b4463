// The stack's `lvs:*` settings as LvsCluster arguments: parsed and checked
// (src/config.ts) before anything is declared, the SSH key read from its file
// or taken from the secret setting, and checked to be a private key.
import * as fs from "node:fs";
import * as pulumi from "../resources/pulumiCore";
import { allConfig, getConfig } from "@pulumi/pulumi/runtime/config";
import { ConfigError, parseClusterConfig, parseContainerClusterConfig, RawClusterConfig, SETTING_KEYS } from "../src/config";
import { ClusterSpec, vrrpPasswordProblem } from "../src/spec";
import { ContainerClusterArgs } from "./containerCluster";
import { localFiles } from "../src/settingsFiles";
import { privateKeyProblem } from "../src/sshKey";

function rawSettings(config: pulumi.Config): RawClusterConfig {
    return Object.fromEntries(SETTING_KEYS.map((key) => [key, config.getObject(key)]));
}

function settingKeys(): string[] {
    return Object.keys(allConfig())
        .filter((k) => k.startsWith("lvs:"))
        .map((k) => k.slice("lvs:".length));
}

/** Runs a parse; a ConfigError becomes a RunError, which is shown without a stack trace: the message is the whole story. */
function parsing<T>(parse: () => T): T {
    try {
        return parse();
    } catch (err) {
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}

/** Whether the stack's cluster runs on Docker containers (`lvs:containers` is set) rather than on SSH hosts. */
export function stackUsesContainers(config = new pulumi.Config("lvs")): boolean {
    return config.getObject("containers") !== undefined;
}

/** The ContainerCluster the stack's settings describe (`lvs:containers` set). */
export function containerClusterFromStackSettings(config = new pulumi.Config("lvs")): ContainerClusterArgs {
    const { spec, dockerHost } = parsing(() =>
        parseContainerClusterConfig(rawSettings(config), {
            secretKeySet: false,
            ...localFiles(process.cwd()),
            settingKeys: settingKeys(),
        }),
    );
    return {
        director: { name: spec.director.name, vip: spec.director.vip, dip: spec.director.dip! },
        virtualServices: spec.virtualServices,
        realServers: spec.realServers,
        drainTimeout: spec.drainTimeout,
        image: spec.containers.image,
        ...(spec.containers.client ? { client: spec.containers.client } : {}),
        ...(dockerHost !== undefined ? { dockerHost } : {}),
    };
}

/** The cluster the stack's settings describe, the key to reach its hosts and a pair's VRRP password (secrets). */
export function clusterFromStackSettings(config = new pulumi.Config("lvs")): {
    spec: ClusterSpec;
    privateKey: pulumi.Output<string>;
    vrrpPassword?: pulumi.Output<string>;
} {
    if (stackUsesContainers(config))
        throw new pulumi.RunError("lvs:containers is set: this stack's cluster is a ContainerCluster (containerClusterFromStackSettings)");
    const secretKey = config.getSecret("sshPrivateKey");
    const parsed = parsing(() =>
        parseClusterConfig(rawSettings(config), {
            secretKeySet: secretKey !== undefined,
            ...localFiles(process.cwd()),
            settingKeys: settingKeys(),
        }),
    );
    const { spec, sshKey } = parsed;
    const vrrpPassword = config.getSecret("vrrpPassword");
    if (vrrpPassword !== undefined) {
        // Checked at once like the key, never printed: keepalived takes up to 8 printable characters.
        const problem = vrrpPasswordProblem(getConfig("lvs:vrrpPassword") ?? "");
        if (problem)
            throw new pulumi.RunError(
                `Invalid stack configuration (1 problem); nothing was changed:\n  - lvs:vrrpPassword: the secret ${problem}`,
            );
    }
    const secrets = vrrpPassword !== undefined ? { vrrpPassword } : {};
    if (sshKey.kind === "secret") {
        // The program gets its configuration decrypted: the key is checked at once, before anything is declared,
        // and never printed (reading it this way does not expose it; it stays a secret output below).
        const problem = privateKeyProblem(getConfig("lvs:sshPrivateKey") ?? "");
        if (problem)
            throw new pulumi.RunError(
                `Invalid stack configuration (1 problem); nothing was changed:\n  - lvs:sshPrivateKey: the secret ${problem}`,
            );
        return { spec, privateKey: secretKey!, ...secrets };
    }
    return { spec, privateKey: pulumi.secret(fs.readFileSync(sshKey.path, "utf8")), ...secrets };
}
