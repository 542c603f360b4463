// lvs:host:Sysctls as a resource: the SDK's half (its schema is ./state.ts, its provider half ./server.ts).
import * as pulumi from "../pulumiCore";
import { connectionProperty, HostArgs, resourceOptions } from "../connection";
import type { SysctlsInputs } from "./state";

/** The resource's arguments: its schema's fields (./state.ts, where each is described), and how to reach the host. */
export type SysctlsArgs = HostArgs<Omit<SysctlsInputs, "persisted">>;

/** Kernel settings the host must have, now and at every boot. */
export class Sysctls extends pulumi.CustomResource {
    declare public readonly values: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: SysctlsArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "lvs:host:Sysctls",
            name,
            { ...args, connection: connectionProperty(args.connection), persisted: undefined },
            resourceOptions(opts),
        );
    }
}
