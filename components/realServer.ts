import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { addressesStep, httpdStep, testPageStep } from "../src/hostScripts/realServer";
import { assertRealServerSafe } from "../src/guards";
import { cidr, InterfaceAddress, REAL_SERVER_PORT } from "../src/spec";
import { HostConnection, hostCommand } from "./hostConnection";

export interface RealServerArgs {
    /** How to reach the real server over SSH. */
    connection: HostConnection;
    /** The real server's address (RIP) on the director's inside network, e.g. 192.168.2.100/24 on eth1. */
    address: InterfaceAddress;
    /** The director's inside address (DIP): the real server's default gateway, as VS/NAT requires. */
    gateway: string;
    /** Text of the test page httpd serves at `/`. Default: a heading with the server's name and address. */
    page?: string;
}

/**
 * A VS/NAT real server: its address with the director as default gateway,
 * httpd (Debian's lighttpd) running, and a test page naming the server.
 * Deleting it removes all of that and restores what it replaced.
 */
export class RealServer extends pulumi.ComponentResource {
    /** The real server's address (RIP). */
    public readonly address: pulumi.Output<string>;
    /** `http://RIP/`, reachable from the director's inside network. */
    public readonly url: pulumi.Output<string>;
    /** The step that writes the test page; done means the server is ready to take traffic. */
    public readonly ready: remote.Command;

    constructor(name: string, args: RealServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lvs:index:RealServer", name, {}, opts);
        const page = args.page ?? `<h1>${name} (${args.address.address})</h1>\n`;
        assertRealServerSafe(name, args);
        const spec = { name, address: args.address, page };
        const parent = this;

        const addresses = hostCommand(`${name}-addresses`, addressesStep(spec, { address: args.gateway }), args.connection, {
            parent,
            triggers: [cidr(args.address), args.address.interface, args.gateway],
            deleteBeforeReplace: true,
        });
        const httpd = hostCommand(`${name}-httpd`, httpdStep(spec), args.connection, { parent });
        this.ready = hostCommand(`${name}-test-page`, testPageStep(spec), args.connection, { parent, dependsOn: [httpd, addresses] });

        this.address = pulumi.output(args.address.address);
        this.url = pulumi.output(`http://${args.address.address}:${REAL_SERVER_PORT}/`);
        this.registerOutputs({ address: this.address, url: this.url });
    }
}
