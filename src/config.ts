// Reads the stack's `lvs:*` settings into a ClusterSpec. The settings' shape is
// checked here (unknown and missing settings, types), and their forms are
// turned into a cluster's input; every rule and every default of the values
// is the schema's (spec.ts, through validate.ts's checkCluster), the same a
// cluster written in code meets, with each problem named after the setting to
// fix. Every problem is reported at once, before any resource is declared, so
// bad input never half-applies.
import * as path from "node:path";
import { z } from "zod";
import { checkContainerCluster, ContainerClusterInput, ContainerClusterSpec } from "./containerSpec";
import { fingerprintCommand, knownHostKeys } from "./hostKey";
import { ClusterInput, ClusterSpec, forgetSchema, InterfaceAddress, sshEndpointSchema } from "./spec";
import { checkCluster, Path, PathNamer } from "./validate";

/** The settings as they appear under `config:` in stacks/Pulumi.<stack>.yaml (before validation). */
export interface RawClusterConfig {
    ssh?: unknown;
    director?: unknown;
    /** One virtual service (the tutorial's form), or ... */
    virtualService?: unknown;
    /** ... a list of them, as keepalived's `virtual_server` blocks. */
    virtualServices?: unknown;
    realServers?: unknown;
    drainTimeout?: unknown;
    /** Set: the cluster runs on Docker containers (ContainerCluster), not on SSH hosts. */
    containers?: unknown;
    /** Hosts that are gone for good (spec.ts's forgetSchema): read by the lvs provider; checked here against the stack. */
    forget?: unknown;
    /** The second director of a pair (VRRP by keepalived). */
    backup?: unknown;
    /** The pair's VRRP settings. */
    vrrp?: unknown;
}

/** The `lvs:*` keys a stack may set (besides the secret `lvs:sshPrivateKey`). */
export const SETTING_KEYS = [
    "ssh",
    "director",
    "virtualService",
    "virtualServices",
    "realServers",
    "drainTimeout",
    "containers",
    "forget",
    "backup",
    "vrrp",
] as const;

/** The secret `lvs:*` keys, read by the program apart (stackSettings.ts) and never printed. */
export const SECRET_SETTING_KEYS = ["sshPrivateKey", "vrrpPassword"] as const;

/** Where the SSH private key comes from: the secret setting, or a file read by the program. */
export type SshKeySource = { kind: "secret" } | { kind: "file"; path: string };

export interface ParsedConfig {
    spec: ClusterSpec;
    sshKey: SshKeySource;
}

/** What the file system says about a key file. */
export type KeyFileState = "ok" | "missing" | "directory" | "unreadable" | { problem: string };

export interface ParseEnvironment {
    /** Whether the secret `lvs:sshPrivateKey` is set. */
    secretKeySet: boolean;
    /** Directory that relative paths are resolved against (the project's). */
    projectDir: string;
    /** Checks a key file: present, readable, and a private key. */
    inspectKeyFile(file: string): KeyFileState;
    /** The user's home directory, for a path that starts with `~/`. */
    homeDir?: string;
    /** A known_hosts file's text, or why it cannot be read (lvs:ssh.knownHostsFile). */
    readKnownHostsFile?(file: string): string | { problem: string };
    /** Every `lvs:` key the stack sets, when known: a misspelled one is reported rather than ignored. */
    settingKeys?: string[];
    /** A page file's digest and size, or why it cannot be used (lvs:realServers[].pageFile). */
    inspectPageFile?(file: string): { sha256: string; bytes: number } | { problem: string };
}

/**
 * The largest page a setting may hold (bytes). The engine hands the program its settings in its environment,
 * where one value stops at 128 KiB (`argument list too long`, before the program runs); a page in a file
 * (pageFile) has no such bound and reaches the state as its digest only.
 */
export const INLINE_PAGE_MAX = 64 * 1024;

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

// Shapes only: the values and their defaults are the schema's (spec.ts).
const sshEndpoint = z.strictObject({
    host: z.unknown(),
    port: z.unknown().optional(),
    user: z.unknown().optional(),
    hostKey: z.unknown().optional(),
});
const sshSchema = z
    .strictObject({
        user: z.unknown().optional(),
        privateKeyFile: z.string({ error: "must be the path of an SSH private key file" }).min(1).optional(),
        knownHostsFile: z.string({ error: "must be the path of an OpenSSH known_hosts file" }).min(1).optional(),
    })
    .default({});
const directorSchema = z
    .strictObject({
        name: z.unknown().optional(),
        ssh: sshEndpoint,
        vip: z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.2.100/24" }),
        vipInterface: z.unknown(),
        dip: z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.2.100/24" }).optional(),
        dipInterface: z.unknown().optional(),
        address: z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.145.2/24" }).optional(),
        insideAddress: z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.2.2/24" }).optional(),
        vip6: z.string({ error: "must be an IPv6 address with a prefix length, like fd00:145::100/64" }).optional(),
        dip6: z.string({ error: "must be an IPv6 address with a prefix length, like fd00:2::1/64" }).optional(),
    })
    .superRefine((d, ctx) => {
        // The DIP is optional (VS/TUN only), its interface is not once it is set.
        if ((d.dip !== undefined || d.dip6 !== undefined) && d.dipInterface === undefined)
            ctx.addIssue({ code: "invalid_type", expected: "string", path: ["dipInterface"], input: undefined, message: "missing" });
    });
const backupSchema = z.strictObject({
    name: z.unknown().optional(),
    ssh: sshEndpoint,
    address: z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.145.3/24" }),
    vipInterface: z.unknown().optional(),
    insideAddress: z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.2.3/24" }).optional(),
    dipInterface: z.unknown().optional(),
});
const vrrpSettingsSchema = z.strictObject({
    virtualRouterId: z.unknown().optional(),
    advertInterval: z.unknown().optional(),
    connectionSync: z.unknown().optional(),
});
// The settings every virtual service has (persistence as two settings, a timeout and a netmask).
const serviceShape = {
    protocol: z.unknown().optional(),
    family: z.unknown().optional(),
    port: z.unknown().optional(),
    scheduler: z.unknown().optional(),
    flags: z.unknown().optional(),
    persistence: z.unknown().optional(),
    persistenceNetmask: z.unknown().optional(),
    forwarding: z.unknown().optional(),
    healthCheck: z.unknown().optional(),
};
const virtualServiceSchema = z.strictObject(serviceShape).default({});
const virtualServicesSchema = z
    .array(
        z.strictObject({
            ...serviceShape,
            name: z.unknown().optional(),
            fwmark: z.unknown().optional(),
            ports: z.unknown().optional(),
            realServers: z
                .array(z.strictObject({ name: z.unknown(), weight: z.unknown().optional(), port: z.unknown().optional() }), {
                    error: "must be a list of real servers by name, such as [{name: rs1, weight: 3}]",
                })
                .optional(),
        }),
        { error: "must be a list of virtual services" },
    )
    .min(1, { error: "lists no virtual service: add one (port or fwmark, scheduler)" });
const realServersSchema = z.array(
    z.strictObject({
        name: z.unknown(),
        ssh: sshEndpoint,
        address: z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.2.100/24" }),
        interface: z.unknown(),
        gateway: z.unknown().optional(),
        address6: z.string({ error: "must be an IPv6 address with a prefix length, like fd00:2::100/64" }).optional(),
        gateway6: z.unknown().optional(),
        weight: z.unknown().optional(),
        page: z.unknown().optional(),
        pageFile: z.string({ error: "must be the path of a file with the test page" }).min(1).optional(),
    }),
    { error: "must be a list of real servers" },
);

function settingName(key: string, issuePath: PropertyKey[]): string {
    return `lvs:${key}` + issuePath.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
}

function valueAt(value: unknown, at: PropertyKey[]): unknown {
    return at.reduce<unknown>(
        (v, key) => (typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined),
        value,
    );
}

function parseSection<T>(key: string, schema: z.ZodType<T>, value: unknown, problems: string[]): T | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
        if (issue.code === "unrecognized_keys") {
            problems.push(
                `${settingName(key, issue.path)}: unknown setting${issue.keys.length > 1 ? "s" : ""} ` +
                    `${issue.keys.map((k) => JSON.stringify(k)).join(", ")}: check the spelling against README.md`,
            );
        } else if (issue.code === "invalid_type" && valueAt(value, issue.path) === undefined) {
            problems.push(`${settingName(key, issue.path)}: missing: set it in stacks/Pulumi.<stack>.yaml`);
        } else {
            problems.push(`${settingName(key, issue.path)}: ${issue.message}`);
        }
    }
    return undefined;
}

/** Which form the virtual services take in the settings, which locations of the spec depend on. */
export type SettingsForm =
    /** `lvs:virtualService`: one service, every real server in it with the weight set on the real server. */
    | { services: "single" }
    /** `lvs:virtualServices`: a list; `listed` are the indexes of services that list their own real servers. */
    | { services: "list"; listed: ReadonlySet<number> };

/** Names locations of the spec as the stack's settings of the given form set them. */
export function settingPathFor(form: SettingsForm): PathNamer {
    const tail = (parts: Path) => parts.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
    return (path) => {
        const [head, ...rest] = path;
        if (head === "director" && (rest[0] === "vip" || rest[0] === "dip" || rest[0] === "vip6" || rest[0] === "dip6")) {
            // The IPv6 addresses are on the interfaces of their IPv4 peers.
            return rest[1] === "interface" ? `lvs:director.${rest[0].slice(0, 3)}Interface` : `lvs:director.${rest[0]}`;
        }
        if (head === "virtualServices") {
            const service = form.services === "single" ? "lvs:virtualService" : `lvs:virtualServices[${String(rest[0])}]`;
            const [field, index, ...more] = rest.slice(1);
            // A service without its own list takes every real server in order, with the weights set on them.
            const listed = form.services === "list" && form.listed.has(rest[0] as number);
            if (field === "realServers" && typeof index === "number" && !listed) return `lvs:realServers[${index}]${tail(more)}`;
            if (field === "persistence")
                return more.length || index === "netmask" ? `${service}.persistenceNetmask` : `${service}.persistence`;
            return `${service}${tail(rest.slice(1))}`;
        }
        if (head === "realServers" && typeof rest[0] === "number" && (rest[1] === "address" || rest[1] === "address6")) {
            return rest[2] === "interface" ? `lvs:realServers[${rest[0]}].interface` : `lvs:realServers[${rest[0]}].${rest[1]}`;
        }
        return `lvs:${String(head)}${tail(rest)}`;
    };
}

/** Where a location of the spec is set in the tutorial's single-service settings. */
export const settingPath: PathNamer = settingPathFor({ services: "single" });

/** A path a setting gives: relative to the project, or to the user's home directory (`~/`). */
function settingFilePath(file: string, env: ParseEnvironment): string {
    return file.startsWith("~/") && env.homeDir ? path.join(env.homeDir, file.slice(2)) : path.resolve(env.projectDir, file);
}

/** A page file setting as the spec takes it (its absolute path and digest), or a problem naming the setting. */
function pageFileSetting(
    file: string | undefined,
    setting: string,
    env: ParseEnvironment,
    problems: string[],
): { pageFile?: { path: string; sha256: string } } {
    if (file === undefined) return {};
    const resolved = settingFilePath(file, env);
    const found = env.inspectPageFile?.(resolved) ?? { problem: "cannot be read here" };
    if ("problem" in found) {
        problems.push(`${setting}.pageFile: ${resolved} ${found.problem}`);
        return {};
    }
    return { pageFile: { path: resolved, sha256: found.sha256 } };
}

/** An inline page over INLINE_PAGE_MAX: what to do instead (`remedy`). */
function inlinePageProblems(
    page: unknown,
    setting: string,
    remedy = "put the page in a file and give its path as pageFile (relative to the project)",
): string[] {
    if (typeof page !== "string") return [];
    const bytes = Buffer.byteLength(page, "utf8");
    if (bytes <= INLINE_PAGE_MAX) return [];
    return [
        `${setting}: ${bytes} bytes, over the ${INLINE_PAGE_MAX} a page given inline may have (the engine hands settings to ` +
            `the program in its environment, which refuses a value over 128 KiB): ${remedy}`,
    ];
}

/** `192.168.2.100/24` into the address and its prefix length (NaN when there is none); validate.ts judges the values. */
function splitCidr(text: string, iface: unknown): InterfaceAddress {
    const slash = text.lastIndexOf("/");
    const address = slash >= 0 ? text.slice(0, slash) : text;
    const length = slash >= 0 ? text.slice(slash + 1) : "";
    return { interface: iface as string, address, prefixLength: /^\d{1,3}$/.test(length) ? Number(length) : Number.NaN };
}

function keySource(ssh: z.infer<typeof sshSchema>, env: ParseEnvironment, problems: string[]): SshKeySource | undefined {
    if (env.secretKeySet && ssh.privateKeyFile) {
        problems.push("lvs:ssh.privateKeyFile: the secret lvs:sshPrivateKey is set too: keep only one of them");
        return undefined;
    }
    if (env.secretKeySet) return { kind: "secret" };
    if (!ssh.privateKeyFile) {
        problems.push(
            "lvs:sshPrivateKey: missing SSH key: `pulumi config set --secret lvs:sshPrivateKey < ~/.ssh/id_ed25519`, " +
                "or set lvs:ssh.privateKeyFile",
        );
        return undefined;
    }
    const file = path.resolve(env.projectDir, ssh.privateKeyFile);
    const state = env.inspectKeyFile(file);
    if (state === "ok") return { kind: "file", path: file };
    const why =
        state === "missing"
            ? `SSH key ${file} not found: for the lab stacks run \`npm run lab -- up\` (or only \`npm run lab -- key\` ` +
              `to preview), otherwise point it at your key`
            : state === "directory"
              ? `${file} is a directory: point it at the private key file inside, such as ${path.join(file, "id_ed25519")}`
              : state === "unreadable"
                ? `SSH key ${file} cannot be read: check its permissions`
                : `${file} ${state.problem}`;
    problems.push(`lvs:ssh.privateKeyFile: ${why}`);
    return undefined;
}

/** The known_hosts file lvs:ssh.knownHostsFile names, resolved against the project: its text and where it is. */
function readKnownHosts(file: string, env: ParseEnvironment, problems: string[]): { text: string; file: string } | undefined {
    const resolved = settingFilePath(file, env);
    const read = env.readKnownHostsFile?.(resolved) ?? { problem: "cannot be read here" };
    if (typeof read === "string") return { text: read, file: resolved };
    problems.push(`lvs:ssh.knownHostsFile: ${resolved} ${read.problem}`);
    return undefined;
}

/** A host's keys from the known_hosts file; a host it does not name is a problem (as with OpenSSH's strict checking). */
function knownHostKey(
    knownHosts: { text: string; file: string },
    e: z.infer<typeof sshEndpoint>,
    setting: string,
    problems: string[],
): string | undefined {
    // The port as the schema has it (22 when unset); a wrong host or port is reported by the check.
    const port = sshEndpointSchema.shape.port.safeParse(e.port).data;
    if (typeof e.host !== "string" || port === undefined) return undefined;
    const keys = knownHostKeys(knownHosts.text, e.host, port);
    if (keys === undefined) {
        problems.push(
            `${setting}: ${knownHosts.file} (lvs:ssh.knownHostsFile) has no key for ${e.host} port ${port}: add it there ` +
                `once you have checked its fingerprint (${fingerprintCommand(e.host, port)}), or pin it in ${setting}.hostKey`,
        );
    }
    return keys;
}

type ServiceSettings = z.infer<typeof virtualServicesSchema>[number];
type RealServerSettings = z.infer<typeof realServersSchema>[number];
type ServiceInput = NonNullable<ClusterInput["virtualServices"]>[number];

/**
 * A service's settings as the cluster's input. Persistence is set as two settings (a timeout and a netmask);
 * a service that lists no real servers has every one, each with the weight set on it in `lvs:realServers`.
 */
function serviceOf(
    vs: Omit<ServiceSettings, "realServers"> & Partial<Pick<ServiceSettings, "realServers">>,
    realServers: Pick<RealServerSettings, "name" | "weight">[],
): ServiceInput {
    const { persistence, persistenceNetmask, realServers: listed, ...fields } = vs;
    const weightOf = new Map(realServers.map((rs) => [rs.name, rs.weight]));
    const entries: { name: unknown; weight?: unknown; port?: unknown }[] = listed ?? realServers.map((rs) => ({ name: rs.name }));
    return {
        ...fields,
        ...(persistence !== undefined
            ? { persistence: { timeout: persistence, ...(persistenceNetmask !== undefined ? { netmask: persistenceNetmask } : {}) } }
            : {}),
        realServers: entries.map((e) => ({ ...e, weight: e.weight ?? weightOf.get(e.name) })),
    } as ServiceInput;
}

/** Settings every `lvs:` key must be one of: a misspelt key is reported, not ignored. */
function unknownKeyProblems(env: ParseEnvironment): string[] {
    return (env.settingKeys ?? [])
        .filter((key) => !([...SETTING_KEYS, ...SECRET_SETTING_KEYS] as readonly string[]).includes(key))
        .map((key) => `lvs:${key}: unknown setting: use one of ${SETTING_KEYS.map((k) => `lvs:${k}`).join(", ")} (README.md)`);
}

type SingleServiceSettings = z.infer<typeof virtualServiceSchema>;

/** The virtual services in either form (one service, or a list), shapes checked. */
function parseServices(raw: RawClusterConfig, problems: string[]): { single?: SingleServiceSettings; services?: ServiceSettings[] } {
    const list = raw.virtualServices !== undefined;
    if (list && raw.virtualService !== undefined) {
        problems.push(
            "lvs:virtualService: lvs:virtualServices is set too: keep one of them (move this service into the list, " +
                "or remove the list)",
        );
    }
    if (list) return { services: parseSection("virtualServices", virtualServicesSchema, raw.virtualServices, problems) };
    return { single: parseSection("virtualService", virtualServiceSchema, raw.virtualService, problems) };
}

/** The virtual services, from either form. */
function virtualServicesOf(
    single: SingleServiceSettings | undefined,
    services: ServiceSettings[] | undefined,
    realServers: Pick<RealServerSettings, "name" | "weight">[],
): ServiceInput[] {
    return (services ?? [single!]).map((vs) => serviceOf(vs, realServers));
}

function formOf(services: ServiceSettings[] | undefined): SettingsForm {
    return services
        ? { services: "list", listed: new Set(services.flatMap((vs, i) => (vs.realServers ? [i] : []))) }
        : { services: "single" };
}

/** The pair's settings without a pair: said, rather than ignored. */
function pairSettingProblems(raw: RawClusterConfig, env: ParseEnvironment): string[] {
    if (raw.backup !== undefined) return [];
    const without = (setting: string) =>
        `${setting}: set without lvs:backup: only a director pair uses it: add the second director (lvs:backup), or remove it`;
    return [
        ...(raw.vrrp !== undefined ? [without("lvs:vrrp")] : []),
        ...((env.settingKeys ?? []).includes("vrrpPassword") ? [without("lvs:vrrpPassword")] : []),
    ];
}

/**
 * `lvs:forget` against the hosts the stack still has: a forgotten host is never contacted, so the stack cannot
 * also manage it.
 */
function forgetProblems(
    forget: unknown,
    spec: { director: { name: string }; backup?: { name: string }; realServers: { name: string }[] },
): string[] {
    const problems: string[] = [];
    const names = new Set(parseSection("forget", forgetSchema.optional(), forget, problems) ?? []);
    if (names.has(spec.director.name))
        problems.push(
            `lvs:forget: ${spec.director.name} is the stack's director (lvs:director): a forgotten host is not contacted, ` +
                "and a cluster needs its director: give the cluster another director, or take the stack down with " +
                "`pulumi destroy` (which leaves the forgotten host out)",
        );
    if (spec.backup && names.has(spec.backup.name))
        problems.push(
            `lvs:forget: ${spec.backup.name} is still the stack's backup director (lvs:backup): a forgotten host is not ` +
                "contacted, so the stack cannot manage it: take lvs:backup out (README: a pair of directors, back to one), or take it " +
                "out of lvs:forget",
        );
    spec.realServers.forEach((rs, i) => {
        if (names.has(rs.name))
            problems.push(
                `lvs:forget: ${rs.name} is still in lvs:realServers[${i}]: a forgotten host is not contacted, so the stack ` +
                    "cannot manage it: take it out of lvs:realServers (the director then drops it from its table), or out of lvs:forget",
            );
    });
    return problems;
}

export function parseClusterConfig(raw: RawClusterConfig, env: ParseEnvironment): ParsedConfig {
    const problems: string[] = unknownKeyProblems(env);
    const ssh = parseSection("ssh", sshSchema, raw.ssh, problems);
    const director = parseSection("director", directorSchema, raw.director, problems);
    const { single, services } = parseServices(raw, problems);
    const realServers = parseSection("realServers", realServersSchema, raw.realServers, problems);
    const backup = raw.backup === undefined ? undefined : parseSection("backup", backupSchema, raw.backup, problems);
    const vrrp = raw.vrrp === undefined ? undefined : parseSection("vrrp", vrrpSettingsSchema, raw.vrrp, problems);
    problems.push(...pairSettingProblems(raw, env));
    const sshKey = ssh ? keySource(ssh, env, problems) : undefined;
    if (director && director.dip === undefined && director.dip6 === undefined && director.dipInterface !== undefined) {
        problems.push("lvs:director.dipInterface: set without lvs:director.dip: set the DIP too, or leave both out (VS/TUN only)");
    }
    if (!ssh || !director || !(single || services) || !realServers) throw new ConfigError(problems);

    const knownHosts = ssh.knownHostsFile ? readKnownHosts(ssh.knownHostsFile, env, problems) : undefined;
    const endpoint = (e: z.infer<typeof sshEndpoint>, setting: string) => {
        const hostKey = e.hostKey ?? (knownHosts ? knownHostKey(knownHosts, e, setting, problems) : undefined);
        return { ...e, user: e.user ?? ssh.user, ...(hostKey !== undefined ? { hostKey } : {}) };
    };
    const input = {
        director: {
            name: director.name,
            ssh: endpoint(director.ssh, "lvs:director.ssh"),
            vip: splitCidr(director.vip, director.vipInterface),
            ...(director.dip !== undefined ? { dip: splitCidr(director.dip, director.dipInterface) } : {}),
            ...(director.vip6 !== undefined ? { vip6: splitCidr(director.vip6, director.vipInterface) } : {}),
            ...(director.dip6 !== undefined ? { dip6: splitCidr(director.dip6, director.dipInterface) } : {}),
            ...(director.address !== undefined ? { address: splitCidr(director.address, director.vipInterface) } : {}),
            ...(director.insideAddress !== undefined ? { insideAddress: splitCidr(director.insideAddress, director.dipInterface) } : {}),
        },
        ...(backup
            ? {
                  backup: {
                      name: backup.name,
                      ssh: endpoint(backup.ssh, "lvs:backup.ssh"),
                      address: splitCidr(backup.address, backup.vipInterface ?? director.vipInterface),
                      ...(backup.insideAddress !== undefined
                          ? { insideAddress: splitCidr(backup.insideAddress, backup.dipInterface ?? director.dipInterface) }
                          : {}),
                  },
              }
            : {}),
        ...(vrrp ? { vrrp } : {}),
        virtualServices: virtualServicesOf(single, services, realServers),
        realServers: realServers.map((rs, i) => ({
            name: rs.name,
            ssh: endpoint(rs.ssh, `lvs:realServers[${i}].ssh`),
            address: splitCidr(rs.address, rs.interface),
            ...(rs.gateway !== undefined ? { gateway: rs.gateway } : {}),
            ...(rs.address6 !== undefined ? { address6: splitCidr(rs.address6, rs.interface) } : {}),
            ...(rs.gateway6 !== undefined ? { gateway6: rs.gateway6 } : {}),
            ...(rs.page !== undefined ? { page: rs.page } : {}),
            ...pageFileSetting(rs.pageFile, `lvs:realServers[${i}]`, env, problems),
        })),
        drainTimeout: raw.drainTimeout,
    };
    realServers.forEach((rs, i) => problems.push(...inlinePageProblems(rs.page, `lvs:realServers[${i}].page`)));
    const checked = checkCluster(input, settingPathFor(formOf(services)));
    // A real server's setting that several services take by default is reported once.
    problems.push(...new Set(checked.problems));
    if (checked.value) problems.push(...forgetProblems(raw.forget, checked.value));
    if (problems.length > 0 || !sshKey || !checked.value) throw new ConfigError(problems);
    return { sshKey, spec: checked.value };
}

// A cluster on containers: no SSH and no interface names (Docker's networks give both).
const cidrSetting = z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.2.100/24" });
const containersSchema = z.strictObject({
    image: z.string({ error: "must be the name of the image every container runs, e.g. pulumi-lvs/lab-host:1" }),
    client: cidrSetting.optional(),
    // An address, or the path of the engine's socket (relative: to the project, as the lab's forwarded one).
    dockerHost: z
        .string({ error: "must be a Docker engine address (unix:///path/docker.sock, tcp://host:port) or a socket's path" })
        .min(1)
        .refine((h) => !/^[a-z]+:\/\//.test(h) || /^(unix|tcp):\/\/./.test(h), {
            error: "must be a unix:// or tcp:// Docker engine address, or a socket's path",
        })
        .optional(),
});
const containerDirectorSchema = z.strictObject({ name: z.unknown().optional(), vip: cidrSetting, dip: cidrSetting.optional() });
const containerRealServersSchema = z.array(
    z.strictObject({ name: z.unknown(), address: cidrSetting, weight: z.unknown().optional(), page: z.unknown().optional() }),
    { error: "must be a list of real servers" },
);

/** Host-only settings given with lvs:containers: each is named, with what to do. */
function hostOnlyProblems(raw: RawClusterConfig): string[] {
    const problems: string[] = [];
    const fields = (value: unknown) => (typeof value === "object" && value !== null ? Object.keys(value) : []);
    if (raw.ssh !== undefined) problems.push("lvs:ssh: not used with lvs:containers (Docker reaches the containers): remove it");
    for (const key of ["backup", "vrrp"] as const)
        if (raw[key] !== undefined)
            problems.push(
                `lvs:${key}: not used with lvs:containers: a director pair runs keepalived on host directors with systemd; remove it`,
            );
    for (const key of fields(raw.director).filter((k) => ["ssh", "vipInterface", "dipInterface"].includes(k)))
        problems.push(`lvs:director.${key}: not used with lvs:containers (Docker gives the container its interfaces): remove it`);
    (Array.isArray(raw.realServers) ? raw.realServers : []).forEach((rs, i) => {
        for (const key of fields(rs).filter((k) => ["ssh", "interface", "gateway"].includes(k)))
            problems.push(`lvs:realServers[${i}].${key}: not used with lvs:containers (the container's network sets it): remove it`);
        // A container's page is an upload of the Docker provider's, which holds its text: a file would not keep it out of the state.
        if (fields(rs).includes("pageFile"))
            problems.push(`lvs:realServers[${i}].pageFile: not taken with lvs:containers: give the page inline (page)`);
        problems.push(
            ...inlinePageProblems(
                (rs as { page?: unknown }).page,
                `lvs:realServers[${i}].page`,
                "give a shorter page (a page file is taken on SSH hosts only)",
            ),
        );
    });
    return problems;
}

function withoutHostOnly(value: unknown, keys: string[]): unknown {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)));
}

export interface ParsedContainerConfig {
    spec: ContainerClusterSpec;
    /** The Docker engine (lvs:containers.dockerHost); absent: DOCKER_HOST, else the local socket. */
    dockerHost?: string;
}

/** The settings of a cluster on containers (`lvs:containers` set), checked as parseClusterConfig checks hosts. */
export function parseContainerClusterConfig(raw: RawClusterConfig, env: ParseEnvironment): ParsedContainerConfig {
    const problems: string[] = [...unknownKeyProblems(env), ...hostOnlyProblems(raw)];
    const containers = parseSection("containers", containersSchema, raw.containers, problems);
    const director = parseSection(
        "director",
        containerDirectorSchema,
        withoutHostOnly(raw.director, ["ssh", "vipInterface", "dipInterface"]),
        problems,
    );
    const { single, services } = parseServices(raw, problems);
    const realServers = parseSection(
        "realServers",
        containerRealServersSchema,
        Array.isArray(raw.realServers)
            ? raw.realServers.map((rs) => withoutHostOnly(rs, ["ssh", "interface", "gateway", "pageFile"]))
            : raw.realServers,
        problems,
    );
    if (!containers || !director || !(single || services) || !realServers) throw new ConfigError(problems);
    const address = (text: string) => {
        const { address: a, prefixLength } = splitCidr(text, undefined);
        return { address: a, prefixLength };
    };
    const input = {
        director: {
            name: director.name,
            vip: address(director.vip),
            ...(director.dip !== undefined ? { dip: address(director.dip) } : {}),
        },
        virtualServices: virtualServicesOf(single, services, realServers),
        realServers: realServers.map((rs) => ({
            name: rs.name,
            address: address(rs.address),
            ...(rs.page !== undefined ? { page: rs.page } : {}),
        })),
        drainTimeout: raw.drainTimeout,
        containers: { image: containers.image, ...(containers.client !== undefined ? { client: address(containers.client) } : {}) },
    } as ContainerClusterInput;
    const checked = checkContainerCluster(input, settingPathFor(formOf(services)));
    problems.push(...new Set(checked.problems));
    if (checked.value) problems.push(...forgetProblems(raw.forget, checked.value));
    if (problems.length > 0 || !checked.value) throw new ConfigError(problems);
    const spec = checked.value;
    const host = containers.dockerHost;
    if (host === undefined) return { spec };
    return { spec, dockerHost: /^[a-z]+:\/\//.test(host) ? host : `unix://${path.resolve(env.projectDir, host)}` };
}
