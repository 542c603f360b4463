// Every rule a cluster must satisfy, checked in one place, whether the
// cluster comes from the stack's settings (config.ts) or is written in code
// (the components): `checkCluster` parses it with the schema (spec.ts, each
// field's rule and default) and then checks the rules between fields. Each
// problem names where it is and how to fix it; a front end decides how a
// location is named (`lvs:director.vip` for stack settings, `director.vip`
// for arguments in code).
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { familyOf } from "./patterns";
import { completeService, directorServiceSchema, ipAddressSchema, ipv4Schema, ipv6Schema } from "./ipvs/serviceSchema";
import {
    ClusterSpec,
    clusterSchema,
    drainTimeoutSchema,
    hostNameSchema,
    cidr,
    InterfaceAddress,
    interfaceAddress6Schema,
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

/** `192.168.2.0/24`, `fd00:2::/64`: the network an address with its prefix is on. */
export function networkOf(a: Cidr): string {
    const text = `${a.address}/${a.prefixLength}`;
    return a.address.includes(":")
        ? `${ipaddr.IPv6.networkAddressFromCIDR(text).toRFC5952String()}/${a.prefixLength}`
        : `${ipaddr.IPv4.networkAddressFromCIDR(text).toString()}/${a.prefixLength}`;
}

/** Whether an address is on a network (of the same family; one of another family never is). */
function inNetwork(address: string, network: Cidr): boolean {
    const a = ipaddr.parse(address);
    const n = ipaddr.parse(network.address);
    return a.kind() === n.kind() && a.match(n, network.prefixLength);
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

/** One address family's side of a cluster: the director's VIP and DIP, and the real servers' fields, by name. */
const FAMILY_FIELDS = {
    ipv4: { vip: "vip", dip: "dip", address: "address", gateway: "gateway", name: "IPv4", word: "", example: "192.168.2.1/24" },
    ipv6: { vip: "vip6", dip: "dip6", address: "address6", gateway: "gateway6", name: "IPv6", word: "IPv6 ", example: "fd00:2::1/64" },
} as const;

/** The rules between the fields of a parsed cluster. */
function clusterProblems(cluster: ClusterSpec, name: PathNamer): string[] {
    const { director, realServers, virtualServices } = cluster;
    const problems: string[] = [];
    problems.push(...pairProblems(cluster, name));
    problems.push(...serviceProblems(virtualServices, realServers, name));
    for (const family of ["ipv4", "ipv6"] as const) problems.push(...familyProblems(cluster, family, name));
    realServers.forEach((rs, i) => problems.push(...pageGivenTwice(rs.name, rs, ["realServers", i], name)));
    duplicates(
        realServers.flatMap((rs, i) => [
            { value: rs.address.address, path: ["realServers", i, "address"] },
            ...(rs.address6 ? [{ value: rs.address6.address, path: ["realServers", i, "address6"] }] : []),
        ]),
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
 * The rules of one address family: the director's VIP and DIP of that family are there when its services need
 * them, the DIP on a network of its own for VS/NAT; each real server of its services has an address of the
 * family, routes its replies through the DIP (VS/NAT) or past it (VS/DR, VS/TUN), on the DIP's network.
 */
function familyProblems(cluster: ClusterSpec, family: "ipv4" | "ipv6", name: PathNamer): string[] {
    const { director, realServers, virtualServices } = cluster;
    const fields = FAMILY_FIELDS[family];
    const problems: string[] = [];
    const services = virtualServices.filter((vs) => vs.family === family);
    const methods = new Set(services.map((vs) => vs.forwarding));
    const vip = director[fields.vip];
    const dip = director[fields.dip];
    if (family === "ipv6" && services.length > 0) {
        const firstFamily = name(["virtualServices", virtualServices.indexOf(services[0]!), "family"]);
        if (!vip)
            problems.push(
                `${name(["director", "vip6"])}: missing: ${firstFamily} is ipv6: give the director an IPv6 VIP, like fd00:145::100/64`,
            );
        if (cluster.backup)
            problems.push(
                `${firstFamily}: a director pair moves IPv4 addresses only (one VRRP instance): ipv6 services need a single director`,
            );
    }
    if (!dip && (methods.has("nat") || methods.has("dr"))) {
        problems.push(
            `${name(["director", fields.dip])}: missing: VS/NAT and VS/DR need the director's ${fields.word}address on the real ` +
                `servers' network (the DIP, e.g. ${fields.example}), and its interface`,
        );
    }
    // The DIP defines the inside network; when it is itself wrong, checking real servers against it only adds noise.
    let dipSound = dip !== undefined;
    if (dip && vip && methods.has("nat") && networkOf(vip) === networkOf(dip)) {
        dipSound = false;
        problems.push(
            `${name(["director", fields.dip])}: ${cidr(dip)} is on the VIP's network ${networkOf(vip)}: ` +
                "VS/NAT needs the real servers on a separate inside network; give the DIP an address of that network",
        );
    }
    // How each real server is reached in this family: a VS/NAT one routes through the director, VS/DR and VS/TUN ones do not.
    const used = new Map<string, Set<string>>();
    for (const vs of services) {
        for (const entry of vs.realServers) used.set(entry.name, (used.get(entry.name) ?? new Set()).add(vs.forwarding));
    }
    realServers.forEach((rs, i) => {
        const how = used.get(rs.name) ?? new Set<string>();
        const address = rs[fields.address];
        const gateway = rs[fields.gateway];
        if (!address) {
            if (how.size > 0)
                problems.push(
                    `${name(["realServers", i, "address6"])}: missing: ${rs.name} is in an ipv6 service: give it an IPv6 ` +
                        "address on the real servers' network, like fd00:2::100/64",
                );
            else if (gateway !== undefined)
                problems.push(`${name(["realServers", i, "gateway6"])}: ${rs.name} has no address6: set it too, or leave gateway6 out`);
            return;
        }
        if (how.has("nat") && (how.has("dr") || how.has("tun"))) {
            problems.push(
                `${name(["realServers", i, "name"])}: ${rs.name} is in a VS/NAT service and a VS/${how.has("dr") ? "DR" : "TUN"} service` +
                    `${family === "ipv6" ? " over IPv6" : ""}: a NAT real server routes its replies through the director, a DR or TUN ` +
                    "one past it; use separate real servers",
            );
            return;
        }
        if (how.has("nat") && gateway !== undefined && gateway !== dip?.address) {
            problems.push(
                `${name(["realServers", i, fields.gateway])}: a VS/NAT real server's default route goes through the ` +
                    `${family === "ipv6" ? "director's dip6" : "DIP"}: leave ${fields.gateway} out (it is set for you)`,
            );
        }
        if (!how.has("nat") && gateway !== undefined && gateway === dip?.address) {
            problems.push(
                `${name(["realServers", i, fields.gateway])}: ${gateway} is the director's ${fields.dip.toUpperCase()}: VS/DR and ` +
                    "VS/TUN real servers answer clients past the director, which does not route their replies; use the network's router",
            );
        }
        if (gateway !== undefined && !inNetwork(gateway, address)) {
            problems.push(
                `${name(["realServers", i, fields.gateway])}: ${gateway} is not on ${rs.name}'s network ${networkOf(address)}: ` +
                    "the gateway must be directly reachable",
            );
        }
        if (dipSound && dip && (how.has("nat") || how.has("dr"))) {
            const problem = onDipNetworkProblem(
                address,
                dip,
                how.has("nat") ? "nat" : "dr",
                name(["realServers", i, fields.address]),
                name(["director", fields.dip]),
            );
            if (problem) problems.push(problem);
        }
    });
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

type ServiceShape = Pick<VirtualServiceSpec, "protocol" | "family" | "port" | "fwmark" | "ports" | "forwarding">;

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
    // An IPv4 and an IPv6 service may share a port: they are on different VIPs.
    const over = vs.family === "ipv6" ? " over IPv6" : "";
    const claims =
        vs.fwmark !== undefined
            ? (vs.ports ?? []).map((p) => `${vs.protocol} port ${p}${over}`)
            : [`${vs.protocol} port ${vs.port}${over}`];
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
        problems.push(...identityProblems(vs, at, name, taken), ...healthCheckProblems(vs, at, name), ...ipv6ServiceProblems(vs, at, name));
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
    /** The IPv6 virtual IP, where the `ipv6` services are (e.g. fd00:145::100/64 on eth1). */
    vip6: z.ZodOptional<typeof interfaceAddress6Schema>;
    /** The director's IPv6 address on the real servers' network, for VS/NAT and VS/DR `ipv6` services (e.g. fd00:2::1/64 on eth2). */
    dip6: z.ZodOptional<typeof interfaceAddress6Schema>;
    /** The virtual services on the VIP, each with its real servers. */
    virtualServices: z.ZodArray<typeof directorServiceSchema>;
    /** Seconds a real server being removed or set to weight 0 gets for its active connections to end. Default: 30. */
    drainTimeout: typeof drainTimeoutSchema;
} = {
    hostName: hostNameSchema,
    vip: interfaceAddressSchema,
    dip: interfaceAddressSchema.optional(),
    vip6: interfaceAddress6Schema.optional(),
    dip6: interfaceAddress6Schema.optional(),
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

function directorProblems({ vip, dip, vip6, dip6, virtualServices }: DirectorArgsSpec, name: PathNamer): string[] {
    const problems: string[] = [];
    const sides = { ipv4: { vip, dip, vipName: "vip", dipName: "dip" }, ipv6: { vip: vip6, dip: dip6, vipName: "vip6", dipName: "dip6" } };
    // Each family on its own: its VIP, its DIP, and its services' real servers on the DIP's network.
    const natOnVipNetwork = { ipv4: false, ipv6: false };
    for (const family of ["ipv4", "ipv6"] as const) {
        const side = sides[family];
        const methods = new Set(virtualServices.filter((vs) => vs.family === family).map((vs) => vs.forwarding));
        if (methods.size === 0) continue;
        if (!side.vip)
            problems.push(`${name([side.vipName])}: missing: an ipv6 service needs the director's IPv6 VIP, like fd00:145::100/64`);
        if (!side.dip && (methods.has("nat") || methods.has("dr"))) {
            problems.push(
                `${name([side.dipName])}: missing: VS/NAT and VS/DR need the director's ${family === "ipv6" ? "IPv6 " : ""}address on ` +
                    "the real servers' network",
            );
        }
        natOnVipNetwork[family] = !!side.vip && !!side.dip && methods.has("nat") && networkOf(side.vip) === networkOf(side.dip);
        if (natOnVipNetwork[family] && side.dip && side.vip) {
            problems.push(
                `${name([side.dipName])}: ${cidr(side.dip)} is on the VIP's network ${networkOf(side.vip)}: VS/NAT ` +
                    `needs the real servers on a separate inside network; give the DIP an address of that network`,
            );
        }
    }
    const taken = new Map<string, Path>();
    virtualServices.forEach((vs, s) => {
        const at = (...rest: Path): Path => ["virtualServices", s, ...rest];
        problems.push(...identityProblems(vs, at, name, taken), ...healthCheckProblems(vs, at, name), ...ipv6ServiceProblems(vs, at, name));
        const side = sides[vs.family];
        vs.realServers.forEach((entry, e) => {
            const mapping = portMappingProblem(vs, entry.port, name(at("realServers", e, "port")));
            if (mapping) problems.push(mapping);
            const where = name(at("realServers", e, "address"));
            if (familyOf(entry.address) !== vs.family) {
                problems.push(
                    `${where}: ${entry.address} is not an ${FAMILY_FIELDS[vs.family].name} address, and the service is ${vs.family}`,
                );
                return;
            }
            if (!side.dip || natOnVipNetwork[vs.family] || vs.forwarding === "tun") return;
            const problem = onDipNetworkProblem(
                { address: entry.address, prefixLength: side.dip.prefixLength },
                side.dip,
                vs.forwarding,
                where,
                name([side.dipName]),
            );
            if (problem) problems.push(problem);
        });
    });
    return problems;
}

/** What an ipv6 service cannot have here: a firewall mark, VS/TUN, a persistence netmask. */
function ipv6ServiceProblems(
    vs: Pick<VirtualServiceSpec, "family" | "fwmark" | "forwarding" | "persistence">,
    at: (...rest: Path) => Path,
    name: PathNamer,
): string[] {
    if (vs.family !== "ipv6") return [];
    const problems: string[] = [];
    if (vs.fwmark !== undefined)
        problems.push(
            `${name(at("fwmark"))}: a firewall-mark service is IPv4 only (the director marks packets in an IPv4 nftables ` +
                "table): give the ipv6 service a port",
        );
    if (vs.forwarding === "tun")
        problems.push(
            `${name(at("forwarding"))}: VS/TUN over IPv6 is not supported (the real servers would need ip6tnl tunnels): ` +
                "use nat or dr for an ipv6 service",
        );
    if (vs.persistence?.netmask !== undefined)
        problems.push(
            `${name(at("persistence", "netmask"))}: a netmask is IPv4's: an ipv6 service's persistence holds each client ` +
                "address on its own; leave the netmask out",
        );
    return problems;
}

/** A RealServer's arguments as checked. */
const realServerVipSchema = z.object({ address: ipAddressSchema, forwarding: z.enum(["dr", "tun"]) });

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
    /** Its IPv6 address on the same network and interface (`ipv6` services), e.g. fd00:2::100/64 on eth1. */
    address6: z.ZodOptional<typeof interfaceAddress6Schema>;
    /** Its IPv6 default route: the director's dip6 for VS/NAT, a router for VS/DR. Absent: left as it is. */
    gateway6: z.ZodOptional<typeof ipv6Schema>;
    /** The VIPs (either family) it serves by VS/DR (on lo) or VS/TUN (on tunl0, IPv4 only); none for VS/NAT. */
    vips: z.ZodDefault<z.ZodArray<typeof realServerVipSchema>>;
    /** Text of the test page httpd serves at `/`. Default: a heading with the server's name and address. */
    page: z.ZodOptional<z.ZodString>;
    /** Or a local file with the test page, by path and digest (pageFileOf). */
    pageFile: z.ZodOptional<typeof localFileSchema>;
} = {
    hostName: hostNameSchema,
    address: interfaceAddressSchema,
    gateway: ipv4Schema.optional(),
    address6: interfaceAddress6Schema.optional(),
    gateway6: ipv6Schema.optional(),
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
        ...(rs.gateway6 !== undefined && (!rs.address6 || !inNetwork(rs.gateway6, rs.address6))
            ? [
                  `${name(["gateway6"])}: ${rs.gateway6} is not on the real server's IPv6 network ` +
                      `${rs.address6 ? networkOf(rs.address6) : "(no address6)"}: the gateway must be directly reachable`,
              ]
            : []),
        ...rs.vips.flatMap((v, i) =>
            familyOf(v.address) === "ipv6" && v.forwarding === "tun"
                ? [`${name(["vips", i, "forwarding"])}: VS/TUN over IPv6 is not supported (it would need ip6tnl): use dr`]
                : [],
        ),
        ...pageGivenTwice(rs.hostName, rs, [], name),
    ]);
}

/** A real server (at `at`) whose test page is given both inline and as a file: one of the two. */
function pageGivenTwice(server: string, rs: { page?: string; pageFile?: unknown }, at: Path, name: PathNamer): string[] {
    if (rs.page === undefined || rs.pageFile === undefined) return [];
    return [`${name([...at, "pageFile"])}: ${server} has a page given inline too: keep one of page and pageFile`];
}
