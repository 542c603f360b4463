// lvs:host:FirewallMarks as a resource: the SDK's half (its schema is ./state.ts, its provider half ./server.ts).
import * as pulumi from "../pulumiCore";
import { connectionProperty, HostArgs, resourceOptions } from "../connection";
import type { FirewallMarksInputs } from "./state";

/** The resource's arguments: its schema's fields (./state.ts, where each is described), and how to reach the host. */
export type FirewallMarksArgs = HostArgs<Omit<FirewallMarksInputs, "persisted">>;

/** The director's firewall marks for firewall-mark virtual services, in an nftables table of its own. */
export class FirewallMarks extends pulumi.CustomResource {
    declare public readonly marks: pulumi.Output<Record<string, { protocol: string; address: string; ports: number[] }>>;

    constructor(name: string, args: FirewallMarksArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "lvs:host:FirewallMarks",
            name,
            { ...args, connection: connectionProperty(args.connection), persisted: undefined },
            resourceOptions(opts),
        );
    }
}
