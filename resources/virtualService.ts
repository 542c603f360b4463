// lvs:ipvs:VirtualService as a resource: one IPVS virtual service on a
// director and its real servers, changed in place and read back by a refresh
// (only this service: others on the director are not its business).
import * as pulumi from "./pulumiCore";
import type { ForwardingMethod, Scheduler } from "../src/ipvs/model";
import type { VirtualServiceInputs } from "../src/ipvs/virtualServiceState";
import { connectionProperty, HostConnection, resourceOptions } from "./connection";
import type { InputFields } from "./inputTypes";

/**
 * The resource's arguments: its schema's fields (src/ipvs/virtualServiceState.ts, where each is described),
 * each of which may be an input, and how to reach the director.
 */
export type VirtualServiceArgs = InputFields<Omit<VirtualServiceInputs, "present" | "saved" | "restoreAtBoot">> & {
    /** How to reach the director. */
    connection: pulumi.Input<HostConnection>;
};

export class VirtualService extends pulumi.CustomResource {
    /** The service as `ipvsadm -L -n` listed it right after the last change. */
    declare public readonly ipvsTable: pulumi.Output<string>;
    declare public readonly scheduler: pulumi.Output<Scheduler>;
    declare public readonly realServers: pulumi.Output<Record<string, { forwarding: ForwardingMethod; weight: number }>>;

    constructor(name: string, args: VirtualServiceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "lvs:ipvs:VirtualService",
            name,
            {
                ...args,
                connection: connectionProperty(args.connection),
                ipvsTable: undefined,
                present: undefined,
                saved: undefined,
                restoreAtBoot: undefined,
            },
            resourceOptions(opts),
        );
    }
}
