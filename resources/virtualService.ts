// lvs:ipvs:VirtualService as a resource: one IPVS virtual service on a
// director and its real servers, changed in place and read back by a refresh
// (only this service: others on the director are not its business).
import * as pulumi from "./pulumiCore";
import type { ForwardingMethod, Protocol, Scheduler } from "../src/ipvs/model";
import { connectionProperty, HostConnection, resourceOptions } from "./connection";

export interface VirtualServiceArgs {
    /** How to reach the director. */
    connection: pulumi.Input<HostConnection>;
    /** The director's name in pulumi-lvs (its state directory). */
    hostName: pulumi.Input<string>;
    /** Transport protocol (with `address` and `port`); absent for a firewall-mark service. */
    protocol?: pulumi.Input<Protocol>;
    /** The virtual IP. */
    address?: pulumi.Input<string>;
    /** Port clients connect to. */
    port?: pulumi.Input<number>;
    /** Firewall mark, instead of protocol, address and port (`ipvsadm -f`). */
    fwmark?: pulumi.Input<number>;
    /** Scheduler (`ipvsadm -s`). */
    scheduler: pulumi.Input<Scheduler>;
    /** Scheduler flags (`ipvsadm -b`), e.g. `sh-port`. */
    flags?: pulumi.Input<pulumi.Input<string>[]>;
    /** Persistence (`ipvsadm -p`, `-M`): timeout in seconds, optional netmask. */
    persistence?: pulumi.Input<{ timeout: pulumi.Input<number>; netmask?: pulumi.Input<string> } | undefined>;
    /** Real servers by `address:port`, each with its forwarding method and weight. */
    realServers: pulumi.Input<Record<string, pulumi.Input<{ forwarding: pulumi.Input<ForwardingMethod>; weight: pulumi.Input<number> }>>>;
    /** Seconds a real server being removed (or set to weight 0) gets for its active connections to end. Default: 30. */
    drainTimeout?: pulumi.Input<number>;
}

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
