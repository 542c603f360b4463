// Every rule a cluster must satisfy, checked in one place, whether the
// cluster comes from the stack's settings (config.ts) or is written in code
// (the components): `checkCluster` parses it with the schema (spec.ts, each
// field's rule and default) and then checks the rules between fields. Each
// problem names where it is and how to fix it; a front end decides how a
// location is named (`lvs:director.vip` for stack settings, `director.vip`
// for arguments in code).
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { completeService, directorServiceSchema, ipv4Schema } from "./ipvs/serviceSchema";
import {
    ClusterSpec,
    clusterSchema,
    drainTimeoutSchema,
    hostNameSchema,
    InterfaceAddress,
    interfaceAddressSchema,
    localFileSchema,
    VirtualServiceSpec,
} from "./spec";

export type Path = (string | number)[];

/** Turns a location in the spec into the name the user knows it by. */
export type PathNamer = (path: Path) => string;

/** `director.vip`, `realServers[1].address`: locations as they read in code. */
export const codePath: PathNamer = (path) =>
    path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("") || "(arguments)";

/** What a check yields: the value with every default applied, or every problem found (none: sound). */
export type Checked<T> = { value: T; problems: [] } | { value?: undefined; problems: string[] };

/** `input` parsed by `schema` (each field's rule and default), then checked by `rules` (the rules between fields). */
function checkWith<S extends z.ZodType>(
    schema: S,
    input: unknown,
    name: PathNamer,
    rules: (value: z.output<S>, name: PathNamer) => string[],
): Checked<z.output<S>> {
    const parsed = schema.safeParse(input);
    if (!parsed.success) return { problems: zodProblems(parsed.error, name) };
    const problems = rules(parsed.data, name);
    return problems.length > 0 ? { problems } : { value: parsed.data, problems: [] };
}

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

/** A cluster from settings or code, checked and with every default applied; or each problem as `<where>: <what and how to fix it>`. */
export function checkCluster(input: unknown, name: PathNamer = codePath): Checked<ClusterSpec> {
    return checkWith(clusterSchema, input, name, clusterProblems);
}

/** Every problem of a cluster's settings or arguments; none means they are sound. */
export function validateCluster(input: unknown, name: PathNamer = codePath): string[] {
    return checkCluster(input, name).problems;
}

/** The rules between the fields of a parsed cluster. */
function clusterProblems(cluster: ClusterSpec, name: PathNamer): string[] {
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
    problems.push(...pairProblems(cluster, name));
    problems.push(...serviceProblems(virtualServices, realServers, name));

    // How each real server is reached: a VS/NAT one routes through the director, VS/DR and VS/TUN ones do not.
    const used = new Map<string, Set<string>>();
    for (const vs of virtualServices) {
        for (const entry of vs.realServers) used.set(entry.name, (used.get(entry.name) ?? new Set()).add(vs.forwarding));
    }
    realServers.forEach((rs, i) => {
        problems.push(...pageGivenTwice(rs.name, rs, ["realServers", i], name));
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
        ...(cluster.backup ? [{ name: cluster.backup.name, ssh: cluster.backup.ssh, path: ["backup"] as Path }] : []),
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

/**
 * A director pair: each director's own address on the VIP's network (its VRRP adverts' source), distinct from
 * the floating VIP and DIP and from each other; an own address only where there is a pair.
 */
function pairProblems({ director, backup }: ClusterSpec, name: PathNamer): string[] {
    const problems: string[] = [];
    if (!backup) {
        for (const field of ["address", "insideAddress"] as const)
            if (director[field])
                problems.push(
                    `${name(["director", field])}: only a director pair uses the director's own addresses (VRRP, health checks ` +
                        "and connection synchronisation from either director): add the second director (backup), or leave it out",
                );
        return problems;
    }
    const networks: { field: "address" | "insideAddress"; network: InterfaceAddress; what: string; why: string }[] = [
        { field: "address", network: director.vip, what: "the VIP's network", why: "VRRP adverts go between the directors there" },
        ...(director.dip
            ? [
                  {
                      field: "insideAddress" as const,
                      network: director.dip,
                      what: "the real servers' network",
                      why: "health checks reach the real servers from it",
                  },
              ]
            : []),
    ];
    for (const { field, network, what, why } of networks) {
        const own = [
            { address: director[field], path: ["director", field] as Path },
            { address: backup[field], path: ["backup", field] as Path },
        ];
        for (const { address, path } of own) {
            if (!address) {
                problems.push(
                    `${name(path)}: missing: each director of a pair needs an address of its own on ${what} ` +
                        `${networkOf(network)}, which stays with it (${why}): give it an unused address there, with its prefix`,
                );
                continue;
            }
            if (!inNetwork(address.address, network) || address.prefixLength !== network.prefixLength)
                problems.push(
                    `${name(path)}: ${address.address}/${address.prefixLength} is not on ${what} ${networkOf(network)}: ` +
                        `${why}; give an address of it, with its prefix length`,
                );
            else if (address.address === network.address)
                problems.push(
                    `${name(path)}: ${address.address} is the pair's ${field === "address" ? "VIP" : "DIP"}, which moves ` +
                        "between the directors: give each director an address of its own",
                );
        }
        if (own[0]!.address && own[1]!.address && own[0]!.address.address === own[1]!.address.address)
            problems.push(`${name(own[1]!.path)}: ${own[1]!.address.address} is the director's own address too: give each its own`);
    }
    if (!director.dip && backup.insideAddress)
        problems.push(`${name(["backup", "insideAddress"])}: the pair has no DIP (VS/TUN only): leave it out`);
    return problems;
}

type ServiceShape = Pick<VirtualServiceSpec, "protocol" | "port" | "fwmark" | "ports" | "forwarding">;

/** What identifies a service: a port, or a firewall mark with its ports; each (protocol, port) and mark once. */
function identityProblems(vs: ServiceShape, at: (...rest: Path) => Path, name: PathNamer, taken: Map<string, Path>): string[] {
    const problems: string[] = [];
    if (vs.fwmark !== undefined && vs.port !== undefined) {
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

/** What keepalived's checkers can check: they connect over TCP, to a port they know. */
function healthCheckProblems(
    vs: Pick<VirtualServiceSpec, "protocol" | "fwmark" | "healthCheck">,
    at: (...rest: Path) => Path,
    name: PathNamer,
): string[] {
    const hc = vs.healthCheck;
    if (!hc) return [];
    const problems: string[] = [];
    if (vs.protocol !== "tcp") {
        problems.push(
            `${name(at("healthCheck", "type"))}: keepalived's ${hc.type} connects over TCP and cannot check a ${vs.protocol} ` +
                "service: leave healthCheck out of it",
        );
    }
    if (vs.fwmark !== undefined && hc.connectPort === undefined) {
        problems.push(
            `${name(at("healthCheck", "connectPort"))}: missing: a firewall-mark service's real servers have no port of ` +
                "their own (0): give the port to check, such as 80",
        );
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
        problems.push(...identityProblems(vs, at, name, taken), ...healthCheckProblems(vs, at, name));
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

/** A Director's arguments as checked: its host's name, addresses and services (real servers by address). */
export const directorArgsFields: {
    /** The director's name on the host (its unit, files and state directory). */
    hostName: typeof hostNameSchema;
    /** The virtual IP on the outside interface, where clients connect (e.g. 192.168.145.100/24 on eth1). */
    vip: typeof interfaceAddressSchema;
    /**
     * The director's address on the real servers' network (DIP): the VS/NAT real servers' default gateway, and
     * the segment VS/DR hands real servers their packets on (e.g. 192.168.2.1/24 on eth2). Not needed for VS/TUN only.
     */
    dip: z.ZodOptional<typeof interfaceAddressSchema>;
    /** The virtual services on the VIP, each with its real servers. */
    virtualServices: z.ZodArray<typeof directorServiceSchema>;
    /** Seconds a real server being removed or set to weight 0 gets for its active connections to end. Default: 30. */
    drainTimeout: typeof drainTimeoutSchema;
} = {
    hostName: hostNameSchema,
    vip: interfaceAddressSchema,
    dip: interfaceAddressSchema.optional(),
    virtualServices: z.array(directorServiceSchema),
    drainTimeout: drainTimeoutSchema,
};

export const directorArgsSchema = z
    .object(directorArgsFields)
    .transform((d) => ({ ...d, virtualServices: d.virtualServices.map((vs) => completeService(vs, vs.realServers)) }));

/** A Director's arguments before their defaults. */
export type DirectorArgsInput = z.input<z.ZodObject<typeof directorArgsFields>>;
/** A Director's arguments checked, every default applied. */
export type DirectorArgsSpec = z.output<typeof directorArgsSchema>;

/** A Director's arguments checked with the same rules and words as a cluster's, every default applied. */
export function checkDirectorArgs(args: unknown, name: PathNamer = codePath): Checked<DirectorArgsSpec> {
    return checkWith(directorArgsSchema, args, name, directorProblems);
}

function directorProblems({ vip, dip, virtualServices }: DirectorArgsSpec, name: PathNamer): string[] {
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
        problems.push(...identityProblems(vs, at, name, taken), ...healthCheckProblems(vs, at, name));
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

/** A RealServer's arguments as checked. */
const realServerVipSchema = z.object({ address: ipv4Schema, forwarding: z.enum(["dr", "tun"]) });

export const realServerArgsFields: {
    /** The real server's name on the host (its unit, state directory, and default page). */
    hostName: typeof hostNameSchema;
    /** The real server's address (RIP), e.g. 192.168.2.100/24 on eth1. */
    address: typeof interfaceAddressSchema;
    /**
     * Its default route: the director's DIP for VS/NAT, a router for VS/DR and VS/TUN (replies go past the
     * director). Absent: the default route is left as it is.
     */
    gateway: z.ZodOptional<typeof ipv4Schema>;
    /** The VIPs it serves by VS/DR (on lo) or VS/TUN (on tunl0); none for VS/NAT. */
    vips: z.ZodDefault<z.ZodArray<typeof realServerVipSchema>>;
    /** Text of the test page httpd serves at `/`. Default: a heading with the server's name and address. */
    page: z.ZodOptional<z.ZodString>;
    /** Or a local file with the test page, by path and digest (pageFileOf). */
    pageFile: z.ZodOptional<typeof localFileSchema>;
} = {
    hostName: hostNameSchema,
    address: interfaceAddressSchema,
    gateway: ipv4Schema.optional(),
    vips: z.array(realServerVipSchema).default([]),
    page: z.string({ error: "must be the text of the test page" }).optional(),
    pageFile: localFileSchema.optional(),
};

const realServerArgsSchema = z.object(realServerArgsFields);

/** A RealServer's arguments before their defaults. */
export type RealServerArgsInput = z.input<z.ZodObject<typeof realServerArgsFields>>;

/** A RealServer's arguments checked, defaults applied. */
export type RealServerArgsSpec = z.output<typeof realServerArgsSchema>;

/** A RealServer's arguments checked, with the same words as a cluster's. */
export function checkRealServerArgs(args: unknown, name: PathNamer = codePath): Checked<RealServerArgsSpec> {
    return checkWith(realServerArgsSchema, args, name, (rs, name) => [
        ...(rs.gateway !== undefined && !inNetwork(rs.gateway, rs.address)
            ? [
                  `${name(["gateway"])}: ${rs.gateway} is not on the real server's network ${networkOf(rs.address)}: the gateway must be directly reachable`,
              ]
            : []),
        ...pageGivenTwice(rs.hostName, rs, [], name),
    ]);
}

/** A real server (at `at`) whose test page is given both inline and as a file: one of the two. */
function pageGivenTwice(server: string, rs: { page?: string; pageFile?: unknown }, at: Path, name: PathNamer): string[] {
    if (rs.page === undefined || rs.pageFile === undefined) return [];
    return [`${name([...at, "pageFile"])}: ${server} has a page given inline too: keep one of page and pageFile`];
}
