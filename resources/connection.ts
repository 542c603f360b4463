// How an lvs resource reaches its host: SSH, with the same fields and
// defaults as `@pulumi/command`'s `remote.ConnectionArgs`, or a container's
// exec through its Docker engine. Always handled as a Pulumi secret (it may
// hold the private key).
import * as pulumi from "./pulumiCore";
import type { InputFields } from "./inputTypes";

export type HostConnection = SshConnection | ContainerConnection;

/** A container host: scripts run through the Docker engine's exec, as root. */
export interface ContainerConnection {
    docker: pulumi.Input<{
        /** The engine: `unix:///path/docker.sock` or `tcp://host:port`. */
        host: pulumi.Input<string>;
        /** The container's ID or name. */
        container: pulumi.Input<string>;
    }>;
}

export interface SshConnection {
    /** Host name or IPv4 address that SSH connects to (the management address, not the VIP or a RIP). */
    host: pulumi.Input<string>;
    /** SSH port. Default: 22. */
    port?: pulumi.Input<number>;
    /** SSH user: root, or a user with passwordless sudo (commands then run through `sudo -n`). Default: "root". */
    user?: pulumi.Input<string>;
    /** The private key (OpenSSH or PEM text). */
    privateKey?: pulumi.Input<string>;
    /** A password, instead of or besides the key. */
    password?: pulumi.Input<string>;
    /**
     * The host's public key(s) in authorized_keys form, one per line; when set, a host presenting another is
     * refused. Unset: the key the host presents first is recorded in the resource's state and required after.
     */
    hostKey?: pulumi.Input<string>;
}

/** The connection as a resource property: a secret, whatever the caller marked. */
export function connectionProperty(connection: pulumi.Input<HostConnection>): pulumi.Output<pulumi.Unwrap<HostConnection>> {
    return pulumi.secret(pulumi.output(connection));
}

/** Options every lvs resource gets: the connection stays secret in outputs too. */
export function resourceOptions(opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions {
    return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "connection"] };
}

/** A resource type's arguments: the fields of its schema, each of which may be an input, and how to reach the host. */
export type HostArgs<Fields> = InputFields<Fields> & {
    /** How to reach the host. */
    connection: pulumi.Input<HostConnection>;
};
