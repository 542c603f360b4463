// lvs:host:Package as a resource: the SDK's half (its schema is ./state.ts, its provider half ./server.ts).
import * as pulumi from "../pulumiCore";
import { connectionProperty, HostArgs, resourceOptions } from "../connection";
import type { PackageInputs } from "./state";

/** The resource's arguments: its schema's fields (./state.ts, where each is described), and how to reach the host. */
export type PackageArgs = HostArgs<Omit<PackageInputs, "installed">>;

/** A Debian package the host must have. */
export class Package extends pulumi.CustomResource {
    declare public readonly package: pulumi.Output<string>;
    /** Whether the package is installed (read back by a refresh). */
    declare public readonly installed: pulumi.Output<boolean>;

    constructor(name: string, args: PackageArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "lvs:host:Package",
            name,
            { ...args, connection: connectionProperty(args.connection), installed: undefined },
            resourceOptions(opts),
        );
    }
}
