import * as pulumi from "@pulumi/pulumi";
import { ClusterSpec } from "../src/spec";
import { Director } from "./director";
import { RealServer } from "./realServer";

export interface LvsClusterArgs {
    /** The cluster: director, virtual service and real servers, as `parseClusterConfig` validates it from the stack's settings. */
    spec: ClusterSpec;
    /** SSH private key for every host (OpenSSH or PEM text). Always handled as a Pulumi secret. */
    privateKey: pulumi.Input<string>;
}

/**
 * The tutorial's VS/NAT cluster from one spec: a Director holding the VIP and
 * the IPVS table, and one RealServer per entry behind it. The director's
 * table is applied once every real server serves its page.
 */
export class LvsCluster extends pulumi.ComponentResource {
    public readonly director: Director;
    public readonly realServers: RealServer[];
    /** `http://VIP:port/`: where clients reach the service. */
    public readonly vipUrl: pulumi.Output<string>;
    /** The virtual service as `ipvsadm -L -n` listed it right after the last change. */
    public readonly ipvsTable: pulumi.Output<string>;

    constructor(name: string, args: LvsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs:index:LvsCluster", name, {}, opts);
        const { spec } = args;
        const privateKey = pulumi.secret(args.privateKey);

        this.realServers = spec.realServers.map(
            (rs) =>
                new RealServer(
                    rs.name,
                    { connection: { ...rs.ssh, privateKey }, address: rs.address, gateway: spec.director.dip.address, page: rs.page },
                    { parent: this },
                ),
        );
        this.director = new Director(
            spec.director.name,
            {
                connection: { ...spec.director.ssh, privateKey },
                vip: spec.director.vip,
                dip: spec.director.dip,
                virtualService: spec.virtualService,
                realServers: spec.realServers,
                tableDependsOn: this.realServers.map((rs) => rs.ready),
            },
            { parent: this },
        );

        this.vipUrl = this.director.vipUrl;
        this.ipvsTable = this.director.ipvsTable;
        this.registerOutputs({ vipUrl: this.vipUrl, ipvsTable: this.ipvsTable });
    }
}
