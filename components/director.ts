import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { addressesStep, ipForwardStep, ipvsadmStep, virtualServiceStep } from "../src/hostScripts/director";
import { serviceAddress } from "../src/ipvs";
import { cidr, InterfaceAddress, RealServerSpec, VirtualServiceSpec } from "../src/spec";
import { assertDirectorSafe } from "../src/guards";
import { HostConnection, hostCommand } from "./hostConnection";

export interface DirectorArgs {
    /** How to reach the director over SSH. */
    connection: HostConnection;
    /** The virtual IP on the outside interface, where clients connect (e.g. 192.168.145.100/24 on eth1). */
    vip: InterfaceAddress;
    /** The director's inside address (DIP), the real servers' default gateway (e.g. 192.168.2.1/24 on eth2). */
    dip: InterfaceAddress;
    /** The virtual service on the VIP: port, scheduler (`ipvsadm -s`) and optional persistence. */
    virtualService: VirtualServiceSpec;
    /** The real servers behind the VIP, by address and weight; forwarded with VS/NAT (`-m`). */
    realServers: Pick<RealServerSpec, "address" | "weight">[];
    /**
     * Resources the IPVS table waits for, typically the real servers, so the
     * director sends traffic only to servers that are ready.
     */
    tableDependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * An LVS director: ipvsadm, IP forwarding, the VIP and DIP, and the virtual
 * service with its real servers, saved for reboots. Deleting it removes
 * exactly what it added. A change of scheduler, weight or real-server list
 * updates the table in place (`ipvsadm -E/-e/-a/-d`), never flushing it.
 */
export class Director extends pulumi.ComponentResource {
    /** The virtual IP clients connect to. */
    public readonly vip: pulumi.Output<string>;
    /** `http://VIP:port/`. */
    public readonly vipUrl: pulumi.Output<string>;
    /** The virtual service as `ipvsadm -L -n` listed it right after the last change. */
    public readonly ipvsTable: pulumi.Output<string>;
    /** The step that owns the IPVS table (for dependencies). */
    public readonly table: remote.Command;

    constructor(name: string, args: DirectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs:index:Director", name, {}, opts);
        assertDirectorSafe(name, args);
        const spec = { name, vip: args.vip, dip: args.dip };
        const parent = this;

        const ipvsadm = hostCommand(`${name}-ipvsadm`, ipvsadmStep(spec), args.connection, { parent });
        const forwarding = hostCommand(`${name}-ip-forward`, ipForwardStep(spec), args.connection, { parent });
        const addresses = hostCommand(`${name}-addresses`, addressesStep(spec), args.connection, {
            parent,
            // New addresses replace the unit: the old one is stopped (removing its addresses) first.
            triggers: [cidr(args.vip), args.vip.interface, cidr(args.dip), args.dip.interface],
            deleteBeforeReplace: true,
        });
        const svc = serviceAddress(spec, args.virtualService);
        this.table = hostCommand(`${name}-virtual-service`, virtualServiceStep(spec, args.virtualService, args.realServers), args.connection, {
            parent,
            // Another VIP or port is another virtual service; scheduler and real servers change in place.
            triggers: [svc],
            dependsOn: [ipvsadm, forwarding, addresses, ...(args.tableDependsOn ?? [])],
        });

        this.vip = pulumi.output(args.vip.address);
        this.vipUrl = pulumi.output(`http://${svc}/`);
        this.ipvsTable = this.table.stdout;
        this.registerOutputs({ vip: this.vip, vipUrl: this.vipUrl, ipvsTable: this.ipvsTable });
    }
}
