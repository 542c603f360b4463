// lvs:ipvs:VirtualService as a resource: one IPVS virtual service on a
// director and its real servers, changed in place and read back by a refresh
// (only this service: others on the director are not its business). The SDK's
// half: its schema is ./state.ts, its provider half ./server.ts, what runs on
// the director ./scripts.ts.
import * as pulumi from "../pulumiCore";
import type { ForwardingMethod, Scheduler } from "../../src/ipvs/model";
import { connectionProperty, HostArgs, resourceOptions } from "../connection";
import type { VirtualServiceInputs } from "./state";

/** The resource's arguments: its schema's fields (./state.ts, where each is described), and how to reach the director. */
export type VirtualServiceArgs = HostArgs<Omit<VirtualServiceInputs, "present" | "saved" | "restoreAtBoot">>;

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
