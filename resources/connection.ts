// How an lvs resource reaches its host: SSH, with the same fields and
// defaults as `@pulumi/command`'s `remote.ConnectionArgs`. Always handled as
// a Pulumi secret (it holds the private key).
import * as pulumi from "@pulumi/pulumi";

export interface HostConnection {
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
    /** The host's public key in authorized_keys form; when set, any other key is refused. */
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
