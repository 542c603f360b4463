// The description of an LVS cluster, declared once: each field's rule, the
// words a wrong value gets, its default and its meaning. The stack's settings
// (config.ts) and a cluster written in code (components/lvsCluster.ts) both go
// through `checkCluster` (validate.ts), which parses them with this schema and
// then checks the rules between fields; the spec types below are what that
// yields, and the components' argument types are what it takes. One
// vocabulary throughout, ipvsadm's: a director holds the virtual IP (VIP) and
// virtual services; each virtual service has a scheduler, optional
// persistence and real servers, each with a forwarding method and a weight.
// (keepalived's words, README: lb_algo is the scheduler, lb_kind the
// forwarding method, virtual_server the virtual service, real_server the real
// server.) A virtual service's own fields are in ipvs/serviceSchema.ts.
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { hostKeyProblem } from "./hostKey";
import {
    clusterEntrySchema,
    clusterServiceSchema,
    completeService,
    DEFAULT_WEIGHT,
    ipv4Schema,
    ipv6Schema,
    portSchema,
} from "./ipvs/serviceSchema";
import { AddressFamily, canonicalIPv6, HOSTNAME, INTERFACE, ipv6AddressProblem, isIPv4, NAME, USER } from "./patterns";

/** Default drain deadline, in seconds: long enough for keep-alive clients to finish a few requests. */
export const DEFAULT_DRAIN_TIMEOUT = 30;

/** Longest drain deadline accepted, in seconds. */
export const MAX_DRAIN_TIMEOUT = 3600;

/** The director's name when none is given. */
export const DEFAULT_DIRECTOR_NAME = "director";

export const nameSchema = (what: string) =>
    z.string({ error: `${what} must be a string` }).regex(NAME, {
        error: (iss) =>
            `${JSON.stringify(iss.input)} is not a valid ${what}: use lowercase letters, digits and '-', starting with ` +
            `a letter (at most 31)`,
    });

/** The name of a director or real server: it names units, files and the state directory on the host. */
export const hostNameSchema = nameSchema("host name");

/**
 * A file on the machine that runs Pulumi, by its absolute path and its SHA-256 as the program read it
 * (pageFile): the state and a diff hold these, never the content, which is read again when it is written.
 */
export const localFileSchema = z.strictObject({
    path: z
        .string({ error: "must be an absolute path" })
        .regex(/^\//, { error: (iss) => `${JSON.stringify(iss.input)} is not an absolute path` }),
    sha256: z
        .string({ error: "must be a SHA-256 digest in hex" })
        .regex(/^[0-9a-f]{64}$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a SHA-256 digest in lowercase hex` }),
});
export type LocalFile = z.output<typeof localFileSchema>;

/**
 * `lvs:forget`: hosts that are gone for good, by the names the stack gave them. pulumi-lvs no longer contacts
 * them: their resources leave the stack's state, and what was put on them stays there.
 */
export const forgetSchema = z.array(hostNameSchema, { error: "must be a list of host names, such as [rs2]" });

export const interfaceSchema = z.string({ error: "must be an interface name such as eth1" }).regex(INTERFACE, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a network interface name: use the name \`ip link\` shows, such as eth1`,
});

export const userSchema = z
    .string({ error: "must be a user name" })
    .regex(USER, { error: (iss) => `${JSON.stringify(iss.input)} is not a valid user name` });

const CIDR_EXAMPLE = "like 192.168.2.100/24";
const CIDR6_EXAMPLE = "like fd00:2::100/64";

/** Problems of an address with its prefix, phrased on its `a.b.c.d/len` (or `x:y::z/len`) text. */
export function cidrProblem(address: unknown, prefixLength: unknown, family: AddressFamily = "ipv4"): string | undefined {
    if (family === "ipv6") return cidr6Problem(address, prefixLength);
    const text = `${String(address)}/${String(prefixLength)}`;
    if (typeof address !== "string" || !isIPv4(address) || typeof prefixLength !== "number" || !Number.isInteger(prefixLength)) {
        return (
            `${JSON.stringify(typeof prefixLength === "number" && Number.isNaN(prefixLength) ? address : text)} is ` +
            `not an IPv4 address with a prefix length, ${CIDR_EXAMPLE}`
        );
    }
    if (prefixLength < 1 || prefixLength > 30) return `${JSON.stringify(text)} needs a prefix length from 1 to 30, like /24`;
    const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
    const broadcast = ipaddr.IPv4.broadcastAddressFromCIDR(text).toString();
    if (address === network || address === broadcast) {
        return (
            `${JSON.stringify(text)} is the ${address === network ? "network" : "broadcast"} address of its ` +
            `network: pick a host address in it`
        );
    }
    return undefined;
}

function cidr6Problem(address: unknown, prefixLength: unknown): string | undefined {
    const text = `${String(address)}/${String(prefixLength)}`;
    if (typeof address !== "string" || typeof prefixLength !== "number" || !Number.isInteger(prefixLength) || !address.includes(":")) {
        return (
            `${JSON.stringify(typeof prefixLength === "number" && Number.isNaN(prefixLength) ? address : text)} is ` +
            `not an IPv6 address with a prefix length, ${CIDR6_EXAMPLE}`
        );
    }
    const problem = ipv6AddressProblem(address);
    if (problem) return problem;
    if (prefixLength < 1 || prefixLength > 128) return `${JSON.stringify(text)} needs a prefix length from 1 to 128, like /64`;
    if (prefixLength < 127 && ipaddr.IPv6.networkAddressFromCIDR(text).toString() === ipaddr.IPv6.parse(address).toString())
        return `${JSON.stringify(text)} is the subnet-router anycast address of its network: pick a host address in it`;
    return undefined;
}

/** An IPv4 or IPv6 address with its prefix, assigned to one interface. */
export interface InterfaceAddress {
    /** Network interface on the host, as `ip link` names it, e.g. `eth1`. */
    interface: string;
    /** The address itself, e.g. `192.168.2.1` (or `fd00:2::1`). */
    address: string;
    /** Prefix length of its network, e.g. 24 (or 64). */
    prefixLength: number;
}

/**
 * An address with its prefix is judged as the one text users write (`192.168.2.100/24`), so that a wrong
 * address, a missing prefix and a network address each get one message naming the whole: the parts are
 * taken as they come and checked together, and the schema is typed as what it lets through. An IPv6
 * address comes out in its canonical spelling.
 */
function interfaceAddressOf(family: AddressFamily): z.ZodType<InterfaceAddress, InterfaceAddress> {
    return z
        .object({ interface: interfaceSchema, address: z.unknown(), prefixLength: z.unknown() })
        .superRefine((a, ctx) => {
            const problem = cidrProblem(a.address, a.prefixLength, family);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
        })
        .transform((a) => (family === "ipv6" ? { ...a, address: canonicalIPv6(a.address as string) } : a)) as unknown as z.ZodType<
        InterfaceAddress,
        InterfaceAddress
    >;
}

/** An IPv4 address with its prefix on an interface. */
export const interfaceAddressSchema = interfaceAddressOf("ipv4");
/** An IPv6 address with its prefix on an interface. */
export const interfaceAddress6Schema = interfaceAddressOf("ipv6");

// (Each schema's fields are an object of their own, and the schema's type is written as theirs, so that each
// field's documentation reaches the declarations a user's editor reads.)

/** How the engine reaches a host: SSH over its management address. */
export const sshEndpointFields = {
    /** Host name or IPv4 address SSH connects to (the management address, not the VIP or a RIP). */
    host: z.string({ error: "must be the host name or IPv4 address that SSH connects to" }).refine((h) => HOSTNAME.test(h) || isIPv4(h), {
        error: (iss) => `${JSON.stringify(iss.input)} is not a host name or IPv4 address`,
    }),
    /** SSH port. Default: 22. */
    port: portSchema("the SSH port").default(22),
    /** SSH user: root, or a user with passwordless sudo (commands then run through `sudo -n`). Default: root. */
    user: userSchema.default("root"),
    /**
     * The host's public key(s) in authorized_keys form, one per line ("ssh-ed25519 AAAA…"): a host that
     * presents another is refused. Unset: the key the host presents first is kept in the stack's state and
     * required from then on.
     */
    hostKey: z
        .string({ error: 'must be the host\'s public key, "TYPE KEY" as in /etc/ssh/ssh_host_ed25519_key.pub' })
        .refine((k) => hostKeyProblem(k) === undefined, { error: (iss) => hostKeyProblem(iss.input as string)! })
        .optional(),
};
export const sshEndpointSchema: z.ZodObject<typeof sshEndpointFields> = z.object(sshEndpointFields);

export const directorFields = {
    /** Names the director's resources, its systemd unit and its state directory on the host. Default: `director`. */
    name: nameSchema("director name").default(DEFAULT_DIRECTOR_NAME),
    ssh: sshEndpointSchema,
    /** The virtual IP, on the director's outside interface: where clients connect. */
    vip: interfaceAddressSchema,
    /**
     * The director's address on the real servers' network (DIP): their default gateway in VS/NAT, and
     * the segment VS/DR sends frames on. Only VS/TUN works without it.
     */
    dip: interfaceAddressSchema.optional(),
    /**
     * The IPv6 virtual IP (`fd00:145::100/64`), usually on the VIP's interface: where the `ipv6` services are.
     * Only a cluster with an IPv6 service needs it.
     */
    vip6: interfaceAddress6Schema.optional(),
    /**
     * The director's IPv6 address on the real servers' network (`fd00:2::1/64`): the IPv6 default gateway of the
     * VS/NAT real servers of `ipv6` services, and the segment VS/DR hands them packets on.
     */
    dip6: interfaceAddress6Schema.optional(),
    /**
     * The director's own address on the VIP's network, on the VIP's interface, which stays with it whichever
     * director holds the VIP: the source of its VRRP adverts (keepalived's unicast_src_ip). Only a director
     * pair (`backup`) uses it, and needs it.
     */
    address: interfaceAddressSchema.optional(),
    /**
     * The director's own address on the real servers' network, on the DIP's interface, which stays with it: where
     * its health checks and connection synchronisation reach the real servers and the other director from
     * while the other holds the DIP. Only a director pair with a DIP uses it, and needs it.
     */
    insideAddress: interfaceAddressSchema.optional(),
};
export const directorSchema: z.ZodObject<typeof directorFields> = z.object(directorFields);

/** The backup director's name when none is given. */
export const DEFAULT_BACKUP_NAME = "backup";

/**
 * The second director of a pair: keepalived on both holds the same IPVS table, and VRRP gives the VIP (and
 * the DIP, the VS/NAT real servers' gateway) to one of them at a time, the other taking over when it dies.
 */
export const backupFields = {
    /** Names the backup director's resources and its state directory on the host. Default: `backup`. */
    name: nameSchema("backup director name").default(DEFAULT_BACKUP_NAME),
    ssh: sshEndpointSchema,
    /** Its own address on the VIP's network, on its VIP interface (the director's own `address`, for this one). */
    address: interfaceAddressSchema,
    /** Its own address on the real servers' network, on its DIP interface (the director's `insideAddress`, for this one). */
    insideAddress: interfaceAddressSchema.optional(),
};
export const backupSchema: z.ZodObject<typeof backupFields> = z.object(backupFields);

export type { AddressFamily };

/** A whole number from `min` to `max` (of `unit`), each wrong value told the range. */
export function wholeNumber(min: number, max: number, unit?: string): z.ZodNumber {
    const range = `from ${min} to ${max}${unit ? ` ${unit}` : ""}`;
    return z
        .number({ error: `must be a whole number ${unit ? `of ${unit} ` : ""}from ${min} to ${max}` })
        .int({ error: `must be a whole number ${unit ? `of ${unit} ` : ""}from ${min} to ${max}` })
        .min(min, { error: `must be ${range}` })
        .max(max, { error: `must be ${range}` });
}

/** A director pair's VRRP (keepalived's vrrp_instance) and connection synchronisation. */
export const vrrpFields = {
    /** keepalived's virtual_router_id: the pair's number, unique among VRRP routers on the VIP's network. Default: 51. */
    virtualRouterId: wholeNumber(1, 255).default(51),
    /**
     * keepalived's advert_int: seconds between the master's adverts. The backup takes over about 3 adverts
     * after the last one it heard (3 × advert_int + a fraction of a second). Default: 1.
     */
    advertInterval: wholeNumber(1, 60, "seconds").default(1),
    /**
     * IPVS connection synchronisation (keepalived's lvs_sync_daemon, on the real servers' network): the master
     * sends its connections to the backup, so that established connections go on after a failover. Default: true.
     */
    connectionSync: z.boolean({ error: "must be true or false" }).default(true),
};
export const vrrpSchema: z.ZodObject<typeof vrrpFields> = z.object(vrrpFields);

/** The longest VRRP password keepalived uses (auth_type PASS: it ignores what is longer). */
export const VRRP_PASSWORD_MAX = 8;

/** Problems of a VRRP password (a secret: its value is never named). */
export function vrrpPasswordProblem(password: string): string | undefined {
    if (password.length === 0 || password.length > VRRP_PASSWORD_MAX)
        return `must be 1 to ${VRRP_PASSWORD_MAX} characters (keepalived's auth_type PASS uses no more; it has ${password.length})`;
    if (!/^[\x21-\x7e]+$/.test(password)) return "must be printable ASCII without spaces (it is a word of keepalived.conf)";
    return undefined;
}

export const realServerFields = {
    /** Names the real server's resources, its systemd unit and its state directory on the host. */
    name: nameSchema("real server name"),
    ssh: sshEndpointSchema,
    /** The real server's address (RIP) on the director's inside network, with its interface. */
    address: interfaceAddressSchema,
    /**
     * The default route VS/DR and VS/TUN real servers answer clients through (a router, not the director).
     * Absent: their default route is left as it is. VS/NAT real servers always route through the DIP.
     */
    gateway: ipv4Schema.optional(),
    /** The real server's IPv6 address on the director's inside network, with its interface: its address in `ipv6` services. */
    address6: interfaceAddress6Schema.optional(),
    /** The IPv6 default route of a VS/DR real server (a router); VS/NAT ones route IPv6 through the director's `dip6`. */
    gateway6: ipv6Schema.optional(),
    /** Content of the test page httpd serves at `/`; absent: a heading naming the server and its address. */
    page: z.string({ error: "must be the text of the test page" }).optional(),
    /** Or the test page from a local file (pageFileOf reads one); only its path and digest reach the state. */
    pageFile: localFileSchema.optional(),
};
export const realServerSchema: z.ZodObject<typeof realServerFields> = z.object(realServerFields);

/** Seconds a real server that is removed or set to weight 0 is given for its active connections to end. */
export const drainTimeoutSchema = z
    .number({ error: `must be a number of seconds from 0 to ${MAX_DRAIN_TIMEOUT}` })
    .int({ error: `must be a whole number of seconds from 0 to ${MAX_DRAIN_TIMEOUT}` })
    .min(0, { error: `must be from 0 to ${MAX_DRAIN_TIMEOUT} seconds (0: remove without waiting)` })
    .max(MAX_DRAIN_TIMEOUT, { error: `must be at most ${MAX_DRAIN_TIMEOUT} seconds` })
    .default(DEFAULT_DRAIN_TIMEOUT);

/** The virtual services of a cluster that lists none: one, with every default (TCP port 80, round robin, VS/NAT). */
export const DEFAULT_VIRTUAL_SERVICES: z.input<typeof clusterServiceSchema>[] = [{}];

export const clusterFields: {
    director: typeof directorSchema;
    /** The virtual services on the VIP. Default: one, TCP port 80, round robin, VS/NAT, every real server. */
    virtualServices: z.ZodPrefault<z.ZodArray<typeof clusterServiceSchema>>;
    realServers: z.ZodArray<typeof realServerSchema>;
    /** Seconds a real server that goes (or is set to weight 0) gets for its active connections to end. Default: 30. */
    drainTimeout: typeof drainTimeoutSchema;
    /** A second director that takes the VIP over when the director dies (VRRP, by keepalived). Default: none. */
    backup: z.ZodOptional<typeof backupSchema>;
    /** The pair's VRRP and connection synchronisation (with `backup`). */
    vrrp: z.ZodPrefault<typeof vrrpSchema>;
} = {
    director: directorSchema,
    virtualServices: z
        .array(clusterServiceSchema, { error: "must be a list of virtual services" })
        .min(1, { error: "lists no virtual service: add one (port, scheduler)" })
        .prefault(DEFAULT_VIRTUAL_SERVICES),
    realServers: z.array(realServerSchema, { error: "must be a list of real servers" }).min(1, {
        error: "lists no real server: add at least one (name, ssh, address, interface)",
    }),
    drainTimeout: drainTimeoutSchema,
    backup: backupSchema.optional(),
    vrrp: vrrpSchema.prefault({}),
};

export const clusterSchema = z.object(clusterFields).transform((c) => ({
    ...c,
    // VRRP belongs to a pair: a single director has none.
    vrrp: c.backup ? c.vrrp : undefined,
    // A service that lists no real server has every one, with the default weight.
    virtualServices: c.virtualServices.map((vs) =>
        completeService<typeof vs, z.output<typeof clusterEntrySchema>>(
            vs,
            vs.realServers ?? c.realServers.map((rs) => ({ name: rs.name, weight: DEFAULT_WEIGHT })),
        ),
    ),
}));

/** A cluster as settings or code describe it: defaults not yet applied. */
export type ClusterInput = z.input<z.ZodObject<typeof clusterFields>>;
/** A cluster checked, every default applied: what the components build. */
export type ClusterSpec = z.output<typeof clusterSchema>;
export type DirectorSpec = ClusterSpec["director"];
export type SshEndpoint = DirectorSpec["ssh"];
export type VirtualServiceSpec = ClusterSpec["virtualServices"][number];
/** A real server's entry in one virtual service. */
export type ServiceRealServer = VirtualServiceSpec["realServers"][number];
export type RealServerSpec = ClusterSpec["realServers"][number];
export type BackupSpec = NonNullable<ClusterSpec["backup"]>;
export type VrrpSpec = NonNullable<ClusterSpec["vrrp"]>;

/** Names a virtual service's resource: its own name, or `<protocol>-<port>` (`tcp6-80` over IPv6), or `fwmark-<mark>`. */
export function serviceName(vs: { name?: string; protocol: string; family?: AddressFamily; port?: number; fwmark?: number }): string {
    return vs.name ?? (vs.fwmark !== undefined ? `fwmark-${vs.fwmark}` : `${vs.protocol}${vs.family === "ipv6" ? "6" : ""}-${vs.port}`);
}

/** `a.b.c.d/len`, the form `ip address` takes. */
export function cidr(a: Pick<InterfaceAddress, "address" | "prefixLength">): string {
    return `${a.address}/${a.prefixLength}`;
}

/** The test page a real server serves when none is given. */
export function defaultPage(name: string, address: string): string {
    return `<h1>${name} (${address})</h1>\n`;
}
