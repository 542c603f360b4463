// The host facts of the lvs provider as resources: what a director or real
// server must have, each read back by a refresh so that drift shows in a
// preview and `pulumi up` repairs it. The components (../components) declare
// them; a program may use them on its own too.
import * as pulumi from "./pulumiCore";
import { connectionProperty, HostConnection, resourceOptions } from "./connection";

interface FactArgs {
    /** How to reach the host. */
    connection: pulumi.Input<HostConnection>;
    /** The host's name in pulumi-lvs (a director or real server): names its state directory, units and files. */
    hostName: pulumi.Input<string>;
}

export interface PackageArgs extends FactArgs {
    /** The Debian package, installed with apt when missing and purged on delete only if this resource installed it. */
    package: pulumi.Input<string>;
    /** Keep it on delete while the IPVS table still holds services (`ipvs-services`: others', added by hand). */
    keepWhileUsed?: pulumi.Input<"ipvs-services">;
}

/** A Debian package the host must have. */
export class Package extends pulumi.CustomResource {
    declare public readonly package: pulumi.Output<string>;
    /** Whether the package is installed (read back by a refresh). */
    declare public readonly installed: pulumi.Output<boolean>;

    constructor(name: string, args: PackageArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "lvs:host:Package",
            name,
            { ...args, connection: connectionProperty(args.connection), installed: undefined },
            resourceOptions(opts),
        );
    }
}

export interface ServiceArgs extends FactArgs {
    /** The systemd unit, e.g. `lighttpd` (its package is a `Package` of its own, which this waits for). */
    unit: pulumi.Input<string>;
}

/** A systemd service the host must run: enabled and running. */
export class Service extends pulumi.CustomResource {
    declare public readonly enabled: pulumi.Output<boolean>;
    declare public readonly running: pulumi.Output<boolean>;

    constructor(name: string, args: ServiceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "lvs:host:Service",
            name,
            { ...args, connection: connectionProperty(args.connection), enabled: undefined, running: undefined },
            resourceOptions(opts),
        );
    }
}

export interface SysctlsArgs extends FactArgs {
    /** Kernel settings, e.g. `{ "net.ipv4.ip_forward": "1" }`; the values found before are restored on delete. */
    values: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Kernel modules loaded first, now and at boot (e.g. `ip_vs` for `net.ipv4.vs.*`). */
    modules?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Kernel settings the host must have, now and at every boot. */
export class Sysctls extends pulumi.CustomResource {
    declare public readonly values: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: SysctlsArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "lvs:host:Sysctls",
            name,
            { ...args, connection: connectionProperty(args.connection), persisted: undefined },
            resourceOptions(opts),
        );
    }
}

export interface AddressesArgs extends FactArgs {
    /** What the addresses are for, shown in the systemd unit. */
    description: pulumi.Input<string>;
    /** Each address as `a.b.c.d/len`, with its interface. */
    addresses: pulumi.Input<Record<string, pulumi.Input<{ interface: pulumi.Input<string> }>>>;
    /** The default route this resource owns (VS/NAT real servers: via the DIP); the one found before is restored on delete. */
    defaultRoute?: pulumi.Input<{ via: pulumi.Input<string>; interface: pulumi.Input<string> } | undefined>;
    /** Where the user fixes an interface name (named in the error when one is missing). */
    interfaceSetting: pulumi.Input<string>;
}

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

export interface FileArgs extends FactArgs {
    /** Absolute path. */
    path: pulumi.Input<string>;
    /** The file's text; the file found before is put back on delete. */
    content: pulumi.Input<string>;
}

/** A file the host must have, with exactly this content. */
export class File extends pulumi.CustomResource {
    declare public readonly content: pulumi.Output<string>;

    constructor(name: string, args: FileArgs, opts?: pulumi.CustomResourceOptions) {
        super("lvs:host:File", name, { ...args, connection: connectionProperty(args.connection) }, resourceOptions(opts));
    }
}

export interface FirewallMarksArgs extends FactArgs {
    /** Each firewall mark (decimal) with the packets it takes: protocol, the VIP, and ports. */
    marks: pulumi.Input<
        Record<
            string,
            pulumi.Input<{ protocol: pulumi.Input<string>; address: pulumi.Input<string>; ports: pulumi.Input<pulumi.Input<number>[]> }>
        >
    >;
}

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
