// A VS/NAT real server: its address with the director as default gateway,
// httpd (Debian's lighttpd) installed and running, and a test page naming the
// server. Each piece is a resource of the lvs provider, read back on refresh.
// Deleting it removes all of that and restores what it replaced.
import * as pulumi from "@pulumi/pulumi";
import { Addresses, File, HostConnection, Service } from "../resources";
import { cidr, defaultPage, InterfaceAddress } from "../src/spec";
import { validateRealServerArgs } from "../src/validate";
import { InputOf, validated } from "./inputs";
import { legacyAlias } from "./legacy";

/** The web server package and unit that serve the test page, and where its page lives. */
export const HTTPD = "lighttpd";
export const TEST_PAGE = "/var/www/html/index.html";

export interface RealServerArgs {
    /** How to reach the real server over SSH. */
    connection: pulumi.Input<HostConnection>;
    /** The real server's name on the host (its unit, state directory, and default page). Default: the resource name. */
    hostName?: string;
    /** The real server's address (RIP) on the director's inside network, e.g. 192.168.2.100/24 on eth1. */
    address: InputOf<InterfaceAddress>;
    /** The director's inside address (DIP): the real server's default gateway, as VS/NAT requires. */
    gateway: pulumi.Input<string>;
    /** Text of the test page httpd serves at `/`. Default: a heading with the server's name and address. */
    page?: pulumi.Input<string | undefined>;
}

interface RealServerSpec {
    hostName: string;
    address: InterfaceAddress;
    gateway: string;
    page?: string;
}

export class RealServer extends pulumi.ComponentResource {
    /** The real server's address (RIP). */
    public readonly address: pulumi.Output<string>;
    /** `http://RIP/`, reachable from the director's inside network. */
    public readonly url: pulumi.Output<string>;
    /** What must be in place before the director sends it traffic. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: RealServerArgs, opts?: pulumi.ComponentResourceOptions) {
        const hostName = args.hostName ?? name;
        super("lvs:index:RealServer", name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), ...legacyAlias(name, hostName)] });
        const spec = validated<RealServerSpec>(
            this,
            `RealServer ${name} arguments`,
            {
                hostName,
                address: args.address,
                gateway: args.gateway,
                ...(args.page !== undefined ? { page: args.page } : {}),
            } as InputOf<RealServerSpec>,
            (s) => validateRealServerArgs(s),
        );
        const connection = args.connection;
        const child = (suffix: string) => ({
            parent: this,
            aliases: legacyAlias(`${name}-${suffix}`, `${hostName}-${suffix}`, "command:remote:Command"),
        });

        const addresses = new Addresses(
            `${name}-addresses`,
            {
                connection,
                hostName,
                description: spec.apply(
                    (s) =>
                        `real server ${hostName}: ${cidr(s.address)} on ${s.address.interface}, default route via the ` +
                        `director's DIP ${s.gateway}`,
                ),
                addresses: spec.apply((s) => ({ [cidr(s.address)]: { interface: s.address.interface } })),
                defaultRoute: spec.apply((s) => ({ via: s.gateway, interface: s.address.interface })),
                interfaceSetting: "lvs:realServers[].interface",
            },
            child("addresses"),
        );
        const httpd = new Service(`${name}-httpd`, { connection, hostName, unit: HTTPD, package: HTTPD }, child("httpd"));
        const page = new File(
            `${name}-test-page`,
            { connection, hostName, path: TEST_PAGE, content: spec.apply((s) => s.page ?? defaultPage(hostName, s.address.address)) },
            { ...child("test-page"), dependsOn: [httpd] },
        );
        this.ready = [addresses, httpd, page];

        this.address = spec.address.address;
        this.url = pulumi.interpolate`http://${spec.address.address}/`;
        this.registerOutputs({ address: this.address, url: this.url });
    }
}
