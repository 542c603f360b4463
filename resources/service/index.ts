// lvs:host:Service as a resource: the SDK's half (its schema is ./state.ts, its provider half ./server.ts).
import * as pulumi from "../pulumiCore";
import { connectionProperty, HostArgs, resourceOptions } from "../connection";
import type { ServiceInputs } from "./state";

/** The resource's arguments: its schema's fields (./state.ts, where each is described), and how to reach the host. */
export type ServiceArgs = HostArgs<Omit<ServiceInputs, "enabled" | "running">>;

/** A systemd service the host must run: enabled and running. */
export class Service extends pulumi.CustomResource {
    declare public readonly enabled: pulumi.Output<boolean>;
    declare public readonly running: pulumi.Output<boolean>;

    constructor(name: string, args: ServiceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "lvs:host:Service",
            name,
            { ...args, connection: connectionProperty(args.connection), enabled: undefined, running: undefined },
            resourceOptions(opts),
        );
    }
}
