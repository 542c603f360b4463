import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { HostStep } from "../src/hostScripts/common";
import { asRoot } from "../src/shell";

/** How a component reaches its host: SSH with a private key. */
export interface HostConnection {
    /** Host name or IPv4 address that SSH connects to (the management address, not the VIP/RIP). */
    host: pulumi.Input<string>;
    /** SSH port. Default: 22. */
    port?: pulumi.Input<number>;
    /** SSH user: root, or a user with passwordless sudo (commands then run through `sudo -n`). Default: "root". */
    user?: string;
    /** The private key (OpenSSH or PEM text). Always handled as a Pulumi secret. */
    privateKey: pulumi.Input<string>;
}

export interface HostCommandOptions {
    parent: pulumi.Resource;
    /** Values whose change replaces the step (its delete runs, then its create). */
    triggers?: unknown[];
    /** Undo the old step before applying the new one on replacement (for steps that own a fixed unit or file name). */
    deleteBeforeReplace?: boolean;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * One host step as a `remote.Command`: `create` converges (and, with no
 * `update`, also runs on every in-place change), `delete` undoes it.
 */
export function hostCommand(name: string, step: HostStep, connection: HostConnection, options: HostCommandOptions): remote.Command {
    const user = connection.user ?? "root";
    return new remote.Command(
        name,
        {
            connection: {
                host: connection.host,
                port: connection.port ?? 22,
                user,
                privateKey: pulumi.secret(connection.privateKey),
            },
            create: asRoot(step.create, user),
            delete: asRoot(step.delete, user),
            ...(step.stdin !== undefined ? { stdin: step.stdin } : {}),
            ...(options.triggers ? { triggers: options.triggers } : {}),
            // The scripts never read the previous output; sending it would need AcceptEnv on every host.
            addPreviousOutputInEnv: false,
        },
        {
            parent: options.parent,
            dependsOn: options.dependsOn,
            deleteBeforeReplace: options.deleteBeforeReplace,
        },
    );
}
