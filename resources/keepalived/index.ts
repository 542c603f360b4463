// lvs:keepalived:Keepalived as a resource: keepalived holding a director's
// IPVS table and checking its real servers' health. The SDK's half: its schema
// is ./state.ts, its provider half ./server.ts, what runs on the director
// ./scripts.ts.
import * as pulumi from "../pulumiCore";
import { connectionProperty, HostArgs, resourceOptions } from "../connection";
import type { KeepalivedInputs } from "./state";

/** The resource's arguments: its schema's fields (./state.ts, where each is described), and how to reach the director. */
export type KeepalivedArgs = HostArgs<Omit<KeepalivedInputs, "config" | "running" | "enabled">>;

export class Keepalived extends pulumi.CustomResource {
    /** keepalived.conf as placed (rendered from the services). */
    declare public readonly config: pulumi.Output<string>;
    /** The table as `ipvsadm -L -n` listed it once keepalived had applied the last change. */
    declare public readonly ipvsTable: pulumi.Output<string>;
    declare public readonly running: pulumi.Output<boolean>;

    constructor(name: string, args: KeepalivedArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "lvs:keepalived:Keepalived",
            name,
            {
                ...args,
                connection: connectionProperty(args.connection),
                config: undefined,
                ipvsTable: undefined,
                running: undefined,
                enabled: undefined,
            },
            resourceOptions(opts),
        );
    }
}
