// Every rule a cluster must satisfy, checked on the normalized spec (spec.ts)
// in one place, whether the spec comes from the stack's settings (config.ts)
// or is written in code (the components). Each problem names where it is and
// how to fix it; a front end decides how a location is named (`lvs:director.vip`
// for stack settings, `director.vip` for arguments in code).
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { HOSTNAME, INTERFACE, isIPv4, NAME, USER } from "./patterns";
import {
    ClusterSpec,
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
});

const netmaskSchema = z.string().refine((m) => isIPv4(m) && ipaddr.IPv4.parse(m).prefixLengthFromSubnetMask() !== null, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a netmask such as 255.255.255.0`,
});

const persistenceSchema = z.object({
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

/** Forwarding methods this version implements on both sides (director and real servers). */
export const IMPLEMENTED_FORWARDING: readonly string[] = ["nat"];

const forwardingSchema = z
    .enum(FORWARDING_METHODS, {
        error: (iss) => `unknown forwarding method ${JSON.stringify(iss.input)}: use one of ${FORWARDING_METHODS.join(", ")}`,
    })
    .refine((f) => IMPLEMENTED_FORWARDING.includes(f), {
        error: (iss) => `forwarding ${JSON.stringify(iss.input)} is not supported: only "nat" (VS/NAT, ipvsadm -m) is implemented`,
    });

/** The fields of a virtual service, whatever names its real servers (names in a cluster, addresses on a director). */
const serviceFields = {
    protocol: z.enum(PROTOCOLS, { error: (iss) => `unknown protocol ${JSON.stringify(iss.input)}: use one of ${PROTOCOLS.join(", ")}` }),
    port: portSchema("the virtual service port"),
    scheduler: schedulerSchema,
    flags: z.array(z.string(), { error: "must be a list of scheduler flags" }),
    persistence: persistenceSchema.optional(),
    forwarding: forwardingSchema,
};

/** Scheduler flags exist only for some schedulers (ipvsadm -b). */
function checkFlags(vs: { scheduler: (typeof SCHEDULERS)[number]; flags: string[] }, ctx: z.RefinementCtx): void {
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
        realServers: z.array(z.object({ name: z.string(), weight: weightSchema, port: portSchema("the real server's port") }), {
            error: "must be a list of real servers",
        }),
    })
    .superRefine(checkFlags);

const realServerSchema = z.object({
    name: nameSchema("real server name"),
    ssh: sshEndpointSchema,
    address: interfaceAddressSchema,
    page: z.string({ error: "must be the text of the test page" }).optional(),
});

const clusterSchema = z.object({
    director: z.object({
        name: nameSchema("director name"),
        ssh: sshEndpointSchema,
        vip: interfaceAddressSchema,
        dip: interfaceAddressSchema,
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

    // The DIP defines the inside network; when it is itself wrong, checking real servers against it only adds noise.
    const dipSound = networkOf(director.vip) !== networkOf(director.dip);
    if (!dipSound) {
        problems.push(
            `${name(["director", "dip"])}: ${director.dip.address}/${director.dip.prefixLength} is on the VIP's ` +
                `network ${networkOf(director.vip)}: ` +
                "VS/NAT needs the real servers on a separate inside network; give the DIP an address of that network",
        );
    }
    const byName = new Map(realServers.map((rs, i) => [rs.name, i]));
    const hostNames = [director.name, ...realServers.map((rs) => rs.name)];
    const duplicateHostNames = new Set(hostNames.filter((n, i) => hostNames.indexOf(n) !== i));
    const natServers = new Set<string>();
    virtualServices.forEach((vs, s) => {
        vs.realServers.forEach((entry, e) => {
            if (!byName.has(entry.name)) {
                problems.push(
                    `${name(["virtualServices", s, "realServers", e, "name"])}: no real server is named ` +
                        `${JSON.stringify(entry.name)}: use a name from ${name(["realServers"])}`,
                );
            } else if (vs.forwarding === "nat") natServers.add(entry.name);
        });
        const entries = vs.realServers.map((entry, e) => ({
            value: entry.name,
            path: ["virtualServices", s, "realServers", e, "name"] as Path,
        }));
        // A name given to two hosts is reported once, as a host problem.
        duplicates(
            entries.filter((e) => !duplicateHostNames.has(e.value)),
            "real server",
            "list each real server once per service",
            name,
            problems,
        );
    });
    duplicates(
        virtualServices.map((vs, s) => ({ value: `${vs.protocol} port ${vs.port}`, path: ["virtualServices", s, "port"] })),
        "virtual service",
        "each protocol and port is one virtual service",
        name,
        problems,
    );

    if (dipSound) {
        realServers.forEach((rs, i) => {
            if (!natServers.has(rs.name)) return;
            const problem = natAddressProblem(rs.address, director.dip, name(["realServers", i, "address"]), name(["director", "dip"]));
            if (problem) problems.push(problem);
        });
    }
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

/** A VS/NAT real server must sit on the DIP's network, on an address of its own. */
function natAddressProblem(address: Cidr, dip: Cidr, where: string, dipName: string): string | undefined {
    const dipNet = networkOf(dip);
    if (!inNetwork(address.address, dip) || address.prefixLength !== dip.prefixLength) {
        return (
            `${where}: ${address.address}/${address.prefixLength} is outside the director's inside network ${dipNet} (${dipName}): ` +
            `in NAT mode real servers reply through the director, so put the real server on ${dipNet} or change ${dipName}`
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
    dip: interfaceAddressSchema,
    virtualServices: z.array(
        z
            .object({
                ...serviceFields,
                realServers: z.array(
                    z.object({
                        address: z.string().refine(isIPv4, { error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address` }),
                        port: portSchema("the real server's port"),
                        weight: weightSchema,
                    }),
                ),
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
        dip: InterfaceAddress;
        virtualServices: { forwarding: string; realServers: { address: string }[] }[];
    };
    const problems: string[] = [];
    if (networkOf(vip) === networkOf(dip)) {
        problems.push(
            `${name(["dip"])}: ${dip.address}/${dip.prefixLength} is on the VIP's network ${networkOf(vip)}: VS/NAT ` +
                `needs the real servers on a separate inside network; give the DIP an address of that network`,
        );
    } else {
        virtualServices.forEach((vs, s) => {
            if (vs.forwarding !== "nat") return;
            vs.realServers.forEach((entry, e) => {
                const problem = natAddressProblem(
                    { address: entry.address, prefixLength: dip.prefixLength },
                    dip,
                    name(["virtualServices", s, "realServers", e, "address"]),
                    name(["dip"]),
                );
                if (problem) problems.push(problem);
            });
        });
    }
    return problems;
}

const realServerArgsSchema = z.object({
    hostName: nameSchema("host name"),
    address: interfaceAddressSchema,
    gateway: z.string().refine(isIPv4, { error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address` }),
    page: z.string({ error: "must be the text of the test page" }).optional(),
});

/** Every problem of a RealServer's arguments. */
export function validateRealServerArgs(args: unknown, name: PathNamer = codePath): string[] {
    const parsed = realServerArgsSchema.safeParse(args);
    return parsed.success ? [] : zodProblems(parsed.error, name);
}
