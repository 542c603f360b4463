// lvs:host:File as a resource: the SDK's half (its schema is ./state.ts, its provider half ./server.ts).
import * as pulumi from "../pulumiCore";
import { connectionProperty, HostArgs, resourceOptions } from "../connection";
import type { FileInputs } from "./state";

/** The resource's arguments: its schema's fields (./state.ts, where each is described), and how to reach the host. */
export type FileArgs = HostArgs<FileInputs>;

/** A file the host must have, with exactly this content. */
export class File extends pulumi.CustomResource {
    declare public readonly content: pulumi.Output<string>;

    constructor(name: string, args: FileArgs, opts?: pulumi.CustomResourceOptions) {
        super("lvs:host:File", name, { ...args, connection: connectionProperty(args.connection) }, resourceOptions(opts));
    }
}
