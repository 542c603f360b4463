// Reads the stack's `lvs:*` settings into a ClusterSpec. The settings' shape is
// checked here (unknown and missing settings, types); every rule about the
// values is checked by validate.ts, the same rules a spec written in code
// meets, with each problem named after the setting to fix. Every problem is
// reported at once, before any resource is declared, so bad input never
// half-applies.
import * as path from "node:path";
import { z } from "zod";
import { ClusterSpec, DEFAULT_DRAIN_TIMEOUT, InterfaceAddress, REAL_SERVER_PORT, SshEndpoint } from "./spec";
import { Path, validateCluster } from "./validate";

/** The settings as they appear under `config:` in stacks/Pulumi.<stack>.yaml (before validation). */
export interface RawClusterConfig {
    ssh?: unknown;
    director?: unknown;
    virtualService?: unknown;
    realServers?: unknown;
    drainTimeout?: unknown;
}

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
}

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

// Shapes only: the values are validated by validate.ts.
const sshEndpoint = z.strictObject({ host: z.unknown(), port: z.unknown().default(22), user: z.unknown().optional() });
const sshSchema = z
    .strictObject({
        user: z.unknown().default("root"),
        privateKeyFile: z.string({ error: "must be the path of an SSH private key file" }).min(1).optional(),
    })
    .default({ user: "root" });
const directorSchema = z.strictObject({
    name: z.unknown().default("director"),
    ssh: sshEndpoint,
    vip: z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.2.100/24" }),
    vipInterface: z.unknown(),
    dip: z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.2.100/24" }),
    dipInterface: z.unknown(),
});
const virtualServiceSchema = z
    .strictObject({
        protocol: z.unknown().default("tcp"),
        port: z.unknown().default(80),
        scheduler: z.unknown().default("rr"),
        flags: z.array(z.unknown(), { error: "must be a list of scheduler flags, such as [sh-port]" }).default([]),
        persistence: z.unknown().optional(),
        persistenceNetmask: z.unknown().optional(),
        forwarding: z.unknown().default("nat"),
    })
    .default({ protocol: "tcp", port: 80, scheduler: "rr", flags: [], forwarding: "nat" });
const realServersSchema = z.array(
    z.strictObject({
        name: z.unknown(),
        ssh: sshEndpoint,
        address: z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.2.100/24" }),
        interface: z.unknown(),
        weight: z.unknown().default(1),
        page: z.unknown().optional(),
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

/** Where a location of the spec is set in the settings (the single-service form). */
export function settingPath(path: Path): string {
    const [head, ...rest] = path;
    const tail = (parts: Path) => parts.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
    if (head === "director" && (rest[0] === "vip" || rest[0] === "dip")) {
        return rest[1] === "interface" ? `lvs:director.${rest[0]}Interface` : `lvs:director.${rest[0]}`;
    }
    if (head === "virtualServices") {
        // The single virtual service lists every real server in order; their weights are set on the real servers.
        if (rest[1] === "realServers" && typeof rest[2] === "number") return `lvs:realServers[${rest[2]}]${tail(rest.slice(3))}`;
        if (rest[1] === "persistence")
            return rest[2] === "netmask" ? "lvs:virtualService.persistenceNetmask" : "lvs:virtualService.persistence";
        return `lvs:virtualService${tail(rest.slice(1))}`;
    }
    if (head === "realServers" && typeof rest[0] === "number" && rest[1] === "address") {
        return rest[2] === "interface" ? `lvs:realServers[${rest[0]}].interface` : `lvs:realServers[${rest[0]}].address`;
    }
    return `lvs:${String(head)}${tail(rest)}`;
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

export function parseClusterConfig(raw: RawClusterConfig, env: ParseEnvironment): ParsedConfig {
    const problems: string[] = [];
    const ssh = parseSection("ssh", sshSchema, raw.ssh, problems);
    const director = parseSection("director", directorSchema, raw.director, problems);
    const virtualService = parseSection("virtualService", virtualServiceSchema, raw.virtualService, problems);
    const realServers = parseSection("realServers", realServersSchema, raw.realServers, problems);
    const drainTimeout = raw.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT;
    const sshKey = ssh ? keySource(ssh, env, problems) : undefined;
    if (!ssh || !director || !virtualService || !realServers) throw new ConfigError(problems);

    const endpoint = (e: z.infer<typeof sshEndpoint>): SshEndpoint =>
        ({ host: e.host, port: e.port, user: e.user ?? ssh.user }) as SshEndpoint;
    const persistence =
        virtualService.persistence === undefined
            ? {}
            : {
                  persistence: {
                      timeout: virtualService.persistence,
                      ...(virtualService.persistenceNetmask !== undefined ? { netmask: virtualService.persistenceNetmask } : {}),
                  },
              };
    const spec = {
        director: {
            name: director.name,
            ssh: endpoint(director.ssh),
            vip: splitCidr(director.vip, director.vipInterface),
            dip: splitCidr(director.dip, director.dipInterface),
        },
        virtualServices: [
            {
                protocol: virtualService.protocol,
                port: virtualService.port,
                scheduler: virtualService.scheduler,
                flags: virtualService.flags,
                ...persistence,
                forwarding: virtualService.forwarding,
                realServers: realServers.map((rs) => ({ name: rs.name, weight: rs.weight, port: REAL_SERVER_PORT })),
            },
        ],
        realServers: realServers.map((rs) => ({
            name: rs.name,
            ssh: endpoint(rs.ssh),
            address: splitCidr(rs.address, rs.interface),
            ...(rs.page !== undefined ? { page: rs.page } : {}),
        })),
        drainTimeout,
    };
    problems.push(...validateCluster(spec, settingPath));
    if (problems.length > 0 || !sshKey) throw new ConfigError(problems);
    return { sshKey, spec: spec as ClusterSpec };
}
