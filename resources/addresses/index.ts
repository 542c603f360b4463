// lvs:host:Addresses as a resource: the SDK's half (its schema is ./state.ts, its provider half ./server.ts).
import * as pulumi from "../pulumiCore";
import { connectionProperty, HostArgs, resourceOptions } from "../connection";
import type { AddressesInputs } from "./state";

/** The resource's arguments: its schema's fields (./state.ts, where each is described), and how to reach the host. */
export type AddressesArgs = HostArgs<Omit<AddressesInputs, "persisted">>;

/** Addresses and a default route the host must have, applied now and kept by a systemd unit. */
export class Addresses extends pulumi.CustomResource {
    declare public readonly addresses: pulumi.Output<Record<string, { interface: string }>>;

    constructor(name: string, args: AddressesArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "lvs:host:Addresses",
            name,
            { ...args, connection: connectionProperty(args.connection), persisted: undefined },
            resourceOptions(opts),
        );
    }
}
