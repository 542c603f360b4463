// Every rule a cluster must satisfy, checked on the normalized spec (spec.ts)
// in one place, whether the spec comes from the stack's settings (config.ts)
// or is written in code (the components). Each problem names where it is and
// how to fix it; a front end decides how a location is named (`lvs:director.vip`
// for stack settings, `director.vip` for arguments in code).
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { hostKeyProblem } from "./hostKey";
import { HOSTNAME, INTERFACE, isIPv4, NAME, USER } from "./patterns";
import {
    ClusterSpec,
    VirtualServiceSpec,
    FORWARDING_METHODS,
    InterfaceAddress,
    MAX_DRAIN_TIMEOUT,
    MAX_PERSISTENCE_SECONDS,
    MAX_WEIGHT,
    PROTOCOLS,
    SCHEDULER_FLAGS,
    SCHEDULERS,
} from "./spec";

export type Path = (string | number)[];

/** Turns a location in the spec into the name the user knows it by. */
export type PathNamer = (path: Path) => string;

/** `director.vip`, `realServers[1].address`: locations as they read in code. */
export const codePath: PathNamer = (path) =>
    path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("") || "(arguments)";

export const nameSchema = (what: string) =>
    z.string({ error: `${what} must be a string` }).regex(NAME, {
        error: (iss) =>
            `${JSON.stringify(iss.input)} is not a valid ${what}: use lowercase letters, digits and '-', starting with ` +
            `a letter (at most 31)`,
    });

/** The name of a director or real server: it names units, files and the state directory on the host. */
export const hostNameSchema = nameSchema("host name");

export const interfaceSchema = z.string({ error: "must be an interface name such as eth1" }).regex(INTERFACE, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a network interface name: use the name \`ip link\` shows, such as eth1`,
});

export const portSchema = (what: string) =>
    z
        .number({ error: `${what} must be a number from 1 to 65535` })
        .int({ error: `${what} must be a whole number from 1 to 65535` })
        .min(1, { error: `${what} must be from 1 to 65535` })
        .max(65535, { error: `${what} must be from 1 to 65535` });

export const userSchema = z
    .string({ error: "must be a user name" })
    .regex(USER, { error: (iss) => `${JSON.stringify(iss.input)} is not a valid user name` });

export const weightSchema = z
    .number({ error: `must be a number from 0 to ${MAX_WEIGHT}` })
    .int({ error: `must be a whole number from 0 to ${MAX_WEIGHT}` })
    .min(0, { error: `must be from 0 to ${MAX_WEIGHT} (0 takes the server out of rotation)` })
    .max(MAX_WEIGHT, { error: `must be from 0 to ${MAX_WEIGHT}: ipvsadm accepts no larger weight` });

const CIDR_EXAMPLE = "like 192.168.2.100/24";

/** Problems of an address with its prefix, phrased on its `a.b.c.d/len` text. */
export function cidrProblem(address: unknown, prefixLength: unknown): string | undefined {
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

export const interfaceAddressSchema = z
    .object({ interface: interfaceSchema, address: z.unknown(), prefixLength: z.unknown() })
    .superRefine((a, ctx) => {
        const problem = cidrProblem(a.address, a.prefixLength);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

export const sshEndpointSchema = z.object({
    host: z.string({ error: "must be the host name or IPv4 address that SSH connects to" }).refine((h) => HOSTNAME.test(h) || isIPv4(h), {
        error: (iss) => `${JSON.stringify(iss.input)} is not a host name or IPv4 address`,
    }),
    port: portSchema("the SSH port"),
    user: userSchema,
    hostKey: z
        .string({ error: 'must be the host\'s public key, "TYPE KEY" as in /etc/ssh/ssh_host_ed25519_key.pub' })
        .refine((k) => hostKeyProblem(k) === undefined, { error: (iss) => hostKeyProblem(iss.input as string)! })
        .optional(),
});

const netmaskSchema = z.string().refine((m) => isIPv4(m) && ipaddr.IPv4.parse(m).prefixLengthFromSubnetMask() !== null, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a netmask such as 255.255.255.0`,
});

export const persistenceSchema = z.object({
    timeout: z
        .number({ error: `must be a timeout in seconds from 1 to ${MAX_PERSISTENCE_SECONDS}` })
        .int({ error: `must be a timeout in seconds from 1 to ${MAX_PERSISTENCE_SECONDS}` })
        .min(1, { error: `must be a timeout in seconds from 1 to ${MAX_PERSISTENCE_SECONDS}; leave it out for no persistence` })
        .max(MAX_PERSISTENCE_SECONDS, { error: `must be at most ${MAX_PERSISTENCE_SECONDS} seconds (31 days)` }),
    netmask: netmaskSchema.optional(),
});

export const schedulerSchema = z.enum(SCHEDULERS, {
    error: (iss) => `unknown scheduler ${JSON.stringify(iss.input)}: use one of ${SCHEDULERS.join(", ")} (see ipvsadm(8))`,
});

const forwardingSchema = z.enum(FORWARDING_METHODS, {
    error: (iss) =>
        `unknown forwarding method ${JSON.stringify(iss.input)}: use nat (VS/NAT, -m), dr (VS/DR, direct routing, -g) or tun (VS/TUN, IP-in-IP, -i)`,
});

export const fwmarkSchema = z
    .number({ error: "must be a firewall mark from 1 to 4294967295" })
    .int({ error: "must be a whole number from 1 to 4294967295" })
    .min(1, { error: "must be a firewall mark from 1 to 4294967295" })
    .max(0xffffffff, { error: "must be a firewall mark from 1 to 4294967295" });

/** The fields of a virtual service, whatever names its real servers (names in a cluster, addresses on a director). */
const serviceFields = {
    protocol: z.enum(PROTOCOLS, { error: (iss) => `unknown protocol ${JSON.stringify(iss.input)}: use one of ${PROTOCOLS.join(", ")}` }),
    port: portSchema("the virtual service port").optional(),
    fwmark: fwmarkSchema.optional(),
    ports: z.array(portSchema("a port of the firewall-mark service"), { error: "must be a list of ports, such as [80, 443]" }).optional(),
    scheduler: schedulerSchema,
    flags: z.array(z.string(), { error: "must be a list of scheduler flags" }),
    persistence: persistenceSchema.optional(),
    forwarding: forwardingSchema,
};

/** A real server's port in a service: 0 keeps the port of the packet (firewall-mark services). */
const entryPortSchema = z
    .number({ error: "the real server's port must be a number from 0 to 65535" })
    .int({ error: "the real server's port must be a whole number from 0 to 65535" })
    .min(0, { error: "the real server's port must be from 0 to 65535" })
    .max(65535, { error: "the real server's port must be from 0 to 65535" });

/** Scheduler flags exist only for some schedulers (ipvsadm -b). */
export function checkFlags(vs: { scheduler: (typeof SCHEDULERS)[number]; flags: string[] }, ctx: z.RefinementCtx): void {
    const known = SCHEDULER_FLAGS[vs.scheduler] ?? [];
    for (const flag of vs.flags) {
        if (!known.includes(flag)) {
            ctx.addIssue({
                code: "custom",
                path: ["flags"],
                message: known.length
                    ? `${JSON.stringify(flag)} is not a flag of scheduler ${vs.scheduler}: use ${known.join(" or ")}`
                    : `scheduler ${vs.scheduler} takes no flags (only sh and mh do)`,
            });
        }
    }
}

const virtualServiceSchema = z
    .object({
        ...serviceFields,
        realServers: z.array(z.object({ name: z.string(), weight: weightSchema, port: entryPortSchema }), {
            error: "must be a list of real servers",
        }),
    })
    .superRefine(checkFlags);

const ipv4Schema = z.string({ error: "must be an IPv4 address" }).refine(isIPv4, {
    error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address`,
});

const realServerSchema = z.object({
    name: nameSchema("real server name"),
    ssh: sshEndpointSchema,
    address: interfaceAddressSchema,
    gateway: ipv4Schema.optional(),
    page: z.string({ error: "must be the text of the test page" }).optional(),
});

const clusterSchema = z.object({
    director: z.object({
        name: nameSchema("director name"),
        ssh: sshEndpointSchema,
        vip: interfaceAddressSchema,
        dip: interfaceAddressSchema.optional(),
    }),
    virtualServices: z.array(virtualServiceSchema).min(1, { error: "lists no virtual service: add one (port, scheduler)" }),
    realServers: z.array(realServerSchema, { error: "must be a list of real servers" }).min(1, {
        error: "lists no real server: add at least one (name, ssh, address, interface)",
    }),
    drainTimeout: z
        .number({ error: `must be a number of seconds from 0 to ${MAX_DRAIN_TIMEOUT}` })
        .int({ error: `must be a whole number of seconds from 0 to ${MAX_DRAIN_TIMEOUT}` })
        .min(0, { error: `must be from 0 to ${MAX_DRAIN_TIMEOUT} seconds (0: remove without waiting)` })
        .max(MAX_DRAIN_TIMEOUT, { error: `must be at most ${MAX_DRAIN_TIMEOUT} seconds` }),
});

type Cidr = Pick<InterfaceAddress, "address" | "prefixLength">;

export function networkOf(a: Cidr): string {
    return ipaddr.IPv4.networkAddressFromCIDR(`${a.address}/${a.prefixLength}`).toString() + `/${a.prefixLength}`;
}

function inNetwork(address: string, network: Cidr): boolean {
    return ipaddr.IPv4.parse(address).match(ipaddr.IPv4.parse(network.address), network.prefixLength);
}

/** A problem for every value seen more than once, naming where it was first used. */
function duplicates(entries: { value: string; path: Path }[], what: string, rule: string, name: PathNamer, problems: string[]): void {
    const first = new Map<string, Path>();
    for (const { value, path } of entries) {
        const earlier = first.get(value);
        if (earlier) problems.push(`${name(path)}: duplicate ${what} ${value}, already used by ${name(earlier)}: ${rule}`);
        else first.set(value, path);
    }
}

/** Every problem of a spec, each as `<where>: <what and how to fix it>`; none means the spec is sound. */
export function validateCluster(spec: unknown, name: PathNamer = codePath): string[] {
    const parsed = clusterSchema.safeParse(spec);
    if (!parsed.success) return zodProblems(parsed.error, name);
    const cluster = parsed.data as ClusterSpec;
    const { director, realServers, virtualServices } = cluster;
    const problems: string[] = [];
    const methods = new Set(virtualServices.map((vs) => vs.forwarding));
    const dip = director.dip;

    if (!dip && (methods.has("nat") || methods.has("dr"))) {
        problems.push(
            `${name(["director", "dip"])}: missing: VS/NAT and VS/DR need the director's address on the real servers' ` +
                "network (the DIP, e.g. 192.168.2.1/24), and its interface",
        );
    }
    // The DIP defines the inside network; when it is itself wrong, checking real servers against it only adds noise.
    let dipSound = dip !== undefined;
    if (dip && methods.has("nat") && networkOf(director.vip) === networkOf(dip)) {
        dipSound = false;
        problems.push(
            `${name(["director", "dip"])}: ${dip.address}/${dip.prefixLength} is on the VIP's ` +
                `network ${networkOf(director.vip)}: ` +
                "VS/NAT needs the real servers on a separate inside network; give the DIP an address of that network",
        );
    }
    problems.push(...serviceProblems(virtualServices, realServers, name));

    // How each real server is reached: a VS/NAT one routes through the director, VS/DR and VS/TUN ones do not.
    const used = new Map<string, Set<string>>();
    for (const vs of virtualServices) {
        for (const entry of vs.realServers) used.set(entry.name, (used.get(entry.name) ?? new Set()).add(vs.forwarding));
    }
    realServers.forEach((rs, i) => {
        const how = used.get(rs.name) ?? new Set<string>();
        if (how.has("nat") && (how.has("dr") || how.has("tun"))) {
            problems.push(
                `${name(["realServers", i, "name"])}: ${rs.name} is in a VS/NAT service and a VS/${how.has("dr") ? "DR" : "TUN"} service: ` +
                    "a NAT real server routes its replies through the director, a DR or TUN one past it; use separate real servers",
            );
            return;
        }
        if (how.has("nat") && rs.gateway !== undefined && rs.gateway !== dip?.address) {
            problems.push(
                `${name(["realServers", i, "gateway"])}: a VS/NAT real server's default route goes through the DIP: ` +
                    "leave gateway out (it is set for you)",
            );
        }
        if (!how.has("nat") && rs.gateway !== undefined && rs.gateway === dip?.address) {
            problems.push(
                `${name(["realServers", i, "gateway"])}: ${rs.gateway} is the director's DIP: VS/DR and VS/TUN real servers ` +
                    "answer clients past the director, which does not route their replies; use the network's router",
            );
        }
        if (rs.gateway !== undefined && !inNetwork(rs.gateway, rs.address)) {
            problems.push(
                `${name(["realServers", i, "gateway"])}: ${rs.gateway} is not on ${rs.name}'s network ${networkOf(rs.address)}: ` +
                    "the gateway must be directly reachable",
            );
        }
        if (dipSound && dip && (how.has("nat") || how.has("dr"))) {
            const problem = onDipNetworkProblem(
                rs.address,
                dip,
                how.has("nat") ? "nat" : "dr",
                name(["realServers", i, "address"]),
                name(["director", "dip"]),
            );
            if (problem) problems.push(problem);
        }
    });
    duplicates(
        realServers.map((rs, i) => ({ value: rs.address.address, path: ["realServers", i, "address"] })),
        "real server address",
        "each host appears once",
        name,
        problems,
    );
    const hosts: { name: string; ssh: { host: string; port: number }; path: Path }[] = [
        { name: director.name, ssh: director.ssh, path: ["director"] },
        ...realServers.map((rs, i) => ({ name: rs.name, ssh: rs.ssh, path: ["realServers", i] as Path })),
    ];
    duplicates(
        hosts.map((h) => ({ value: h.name, path: [...h.path, "name"] })),
        "name",
        "each host appears once",
        name,
        problems,
    );
    duplicates(
        hosts.map((h) => ({ value: `${h.ssh.host}:${h.ssh.port}`, path: [...h.path, "ssh"] })),
        "SSH endpoint",
        "each host appears once",
        name,
        problems,
    );
    return problems;
}

type ServiceShape = Pick<VirtualServiceSpec, "protocol" | "port" | "fwmark" | "ports" | "forwarding">;

/** What identifies a service: a port, or a firewall mark with its ports; each (protocol, port) and mark once. */
function identityProblems(vs: ServiceShape, at: (...rest: Path) => Path, name: PathNamer, taken: Map<string, Path>): string[] {
    const problems: string[] = [];
    if (vs.fwmark === undefined && vs.port === undefined) {
        problems.push(`${name(at("port"))}: missing: give the virtual service a port, or a fwmark with the ports it takes`);
    } else if (vs.fwmark !== undefined && vs.port !== undefined) {
        problems.push(`${name(at("fwmark"))}: a virtual service has a port or a firewall mark, not both: leave one out`);
    } else if (vs.fwmark !== undefined && !vs.ports?.length) {
        problems.push(`${name(at("ports"))}: a firewall-mark service needs the ports it takes, such as [8080, 8081]`);
    } else if (vs.fwmark === undefined && vs.ports !== undefined) {
        problems.push(`${name(at("ports"))}: only a firewall-mark service takes ports: set fwmark, or leave ports out`);
    }
    const where = at(vs.fwmark !== undefined ? "ports" : "port");
    const claims = vs.fwmark !== undefined ? (vs.ports ?? []).map((p) => `${vs.protocol} port ${p}`) : [`${vs.protocol} port ${vs.port}`];
    if (vs.fwmark !== undefined) claims.push(`fwmark ${vs.fwmark}`);
    for (const claim of claims) {
        const earlier = taken.get(claim);
        if (earlier) {
            problems.push(
                `${name(claim.startsWith("fwmark") ? at("fwmark") : where)}: duplicate virtual service ${claim}, ` +
                    `already used by ${name(earlier)}: each protocol and port, and each mark, is one virtual service`,
            );
        } else taken.set(claim, claim.startsWith("fwmark") ? at("fwmark") : where);
    }
    return problems;
}

/** IPVS cannot map ports in DR or TUN: the real server gets the packet as the client sent it. */
function portMappingProblem(vs: ServiceShape, entryPort: number, where: string): string | undefined {
    const wanted = vs.fwmark !== undefined ? 0 : vs.port;
    if (vs.forwarding === "nat" || wanted === undefined || entryPort === wanted) return undefined;
    return (
        `${where}: VS/${vs.forwarding.toUpperCase()} cannot map ports: the real server's port must be ` +
        (wanted === 0 ? "0 (the packet's own) in a firewall-mark service" : `the service's port ${wanted}`)
    );
}

/** The rules of the virtual services themselves: what identifies them, their real servers and ports. */
function serviceProblems(virtualServices: VirtualServiceSpec[], realServers: { name: string }[], name: PathNamer): string[] {
    const problems: string[] = [];
    const known = new Set(realServers.map((rs) => rs.name));
    const hostNames = realServers.map((rs) => rs.name);
    const duplicateHostNames = new Set(hostNames.filter((n, i) => hostNames.indexOf(n) !== i));
    const taken = new Map<string, Path>();
    virtualServices.forEach((vs, s) => {
        const at = (...rest: Path): Path => ["virtualServices", s, ...rest];
        problems.push(...identityProblems(vs, at, name, taken));
        vs.realServers.forEach((entry, e) => {
            if (!known.has(entry.name)) {
                problems.push(
                    `${name(at("realServers", e, "name"))}: no real server is named ${JSON.stringify(entry.name)}: ` +
                        `use a name from ${name(["realServers"])}`,
                );
            }
            const problem = portMappingProblem(vs, entry.port, name(at("realServers", e, "port")));
            if (problem) problems.push(problem);
        });
        // A name given to two hosts is reported once, as a host problem.
        const entries = vs.realServers.map((entry, e) => ({ value: entry.name, path: at("realServers", e, "name") }));
        duplicates(
            entries.filter((e) => !duplicateHostNames.has(e.value)),
            "real server",
            "list each real server once per service",
            name,
            problems,
        );
    });
    return problems;
}

/**
 * A VS/NAT real server must sit on the DIP's network (it replies through the director), a VS/DR one too
 * (the director hands it frames on that segment); each on an address of its own.
 */
function onDipNetworkProblem(address: Cidr, dip: Cidr, method: "nat" | "dr", where: string, dipName: string): string | undefined {
    const dipNet = networkOf(dip);
    const why =
        method === "nat"
            ? "in NAT mode real servers reply through the director"
            : "in DR mode the director hands real servers their packets on its own network segment";
    if (!inNetwork(address.address, dip) || address.prefixLength !== dip.prefixLength) {
        return (
            `${where}: ${address.address}/${address.prefixLength} is outside the director's inside network ${dipNet} (${dipName}): ` +
            `${why}, so put the real server on ${dipNet} or change ${dipName}`
        );
    }
    if (address.address === dip.address)
        return `${where}: ${address.address} is the director's DIP (${dipName}): give the real server its own address`;
    return undefined;
}

function zodProblems(error: z.ZodError, name: PathNamer): string[] {
    return error.issues.map((issue) => `${name(issue.path.filter((p): p is string | number => typeof p !== "symbol"))}: ${issue.message}`);
}

const directorArgsSchema = z.object({
    hostName: nameSchema("host name"),
    vip: interfaceAddressSchema,
    dip: interfaceAddressSchema.optional(),
    virtualServices: z.array(
        z
            .object({
                ...serviceFields,
                realServers: z.array(z.object({ address: ipv4Schema, port: entryPortSchema, weight: weightSchema })),
            })
            .superRefine(checkFlags),
    ),
    drainTimeout: clusterSchema.shape.drainTimeout,
});

/** The director's arguments, resolved: what Director checks before declaring anything. */
export type DirectorCheck = z.input<typeof directorArgsSchema>;

/** Every problem of a Director's arguments (the same rules and words as for a cluster). */
export function validateDirectorArgs(args: unknown, name: PathNamer = codePath): string[] {
    const parsed = directorArgsSchema.safeParse(args);
    if (!parsed.success) return zodProblems(parsed.error, name);
    const { vip, dip, virtualServices } = parsed.data as unknown as {
        vip: InterfaceAddress;
        dip?: InterfaceAddress;
        virtualServices: (ServiceShape & { realServers: { address: string; port: number }[] })[];
    };
    const problems: string[] = [];
    const methods = new Set(virtualServices.map((vs) => vs.forwarding));
    if (!dip && (methods.has("nat") || methods.has("dr"))) {
        problems.push(`${name(["dip"])}: missing: VS/NAT and VS/DR need the director's address on the real servers' network`);
    }
    const natOnVipNetwork = dip !== undefined && methods.has("nat") && networkOf(vip) === networkOf(dip);
    if (natOnVipNetwork && dip) {
        problems.push(
            `${name(["dip"])}: ${dip.address}/${dip.prefixLength} is on the VIP's network ${networkOf(vip)}: VS/NAT ` +
                `needs the real servers on a separate inside network; give the DIP an address of that network`,
        );
    }
    const taken = new Map<string, Path>();
    virtualServices.forEach((vs, s) => {
        const at = (...rest: Path): Path => ["virtualServices", s, ...rest];
        problems.push(...identityProblems(vs, at, name, taken));
        vs.realServers.forEach((entry, e) => {
            const mapping = portMappingProblem(vs, entry.port, name(at("realServers", e, "port")));
            if (mapping) problems.push(mapping);
            if (!dip || natOnVipNetwork || vs.forwarding === "tun") return;
            const where = name(at("realServers", e, "address"));
            const problem = onDipNetworkProblem(
                { address: entry.address, prefixLength: dip.prefixLength },
                dip,
                vs.forwarding,
                where,
                name(["dip"]),
            );
            if (problem) problems.push(problem);
        });
    });
    return problems;
}

const realServerArgsSchema = z.object({
    hostName: nameSchema("host name"),
    address: interfaceAddressSchema,
    gateway: ipv4Schema.optional(),
    vips: z.array(z.object({ address: ipv4Schema, forwarding: z.enum(["dr", "tun"]) })),
    page: z.string({ error: "must be the text of the test page" }).optional(),
});

/** Every problem of a RealServer's arguments. */
export function validateRealServerArgs(args: unknown, name: PathNamer = codePath): string[] {
    const parsed = realServerArgsSchema.safeParse(args);
    if (!parsed.success) return zodProblems(parsed.error, name);
    const { address, gateway } = parsed.data as { address: InterfaceAddress; gateway?: string };
    if (gateway !== undefined && !inNetwork(gateway, address)) {
        return [
            `${name(["gateway"])}: ${gateway} is not on the real server's network ${networkOf(address)}: the gateway must be directly reachable`,
        ];
    }
    return [];
}
