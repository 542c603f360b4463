// Reads the stack's `lvs:*` settings into a validated ClusterSpec. Every
// problem is reported at once, each naming the setting and the fix, before
// any resource is declared, so bad input never half-applies.
import * as path from "node:path";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { HOSTNAME, INTERFACE, isIPv4, NAME, USER } from "./patterns";
import { ClusterSpec, InterfaceAddress, MAX_PERSISTENCE_SECONDS, MAX_WEIGHT, SCHEDULERS, SshEndpoint } from "./spec";

/** The settings as they appear under `config:` in stacks/Pulumi.<stack>.yaml (before validation). */
export interface RawClusterConfig {
    ssh?: unknown;
    director?: unknown;
    virtualService?: unknown;
    realServers?: unknown;
}

/** Where the SSH private key comes from: the secret setting, or a file read by the program. */
export type SshKeySource = { kind: "secret" } | { kind: "file"; path: string };

export interface ParsedConfig {
    spec: ClusterSpec;
    sshKey: SshKeySource;
}

export interface ParseEnvironment {
    /** Whether the secret `lvs:sshPrivateKey` is set. */
    secretKeySet: boolean;
    /** Directory that relative paths are resolved against (the project's). */
    projectDir: string;
    fileExists(file: string): boolean;
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

const name = (what: string) =>
    z.string({ error: `${what} must be a string` }).regex(NAME, {
        error: (iss) => `${JSON.stringify(iss.input)} is not a valid ${what}: use lowercase letters, digits and '-', starting with a letter (at most 31)`,
    });

const iface = z.string({ error: "must be an interface name such as eth1" }).regex(INTERFACE, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a network interface name: use the name \`ip link\` shows, such as eth1`,
});

const port = (what: string) =>
    z.number({ error: `${what} must be a number from 1 to 65535` }).int({ error: `${what} must be a whole number from 1 to 65535` })
        .min(1, { error: `${what} must be from 1 to 65535` }).max(65535, { error: `${what} must be from 1 to 65535` });

const userName = z.string({ error: "must be a user name" }).regex(USER, { error: (iss) => `${JSON.stringify(iss.input)} is not a valid user name` });

/** `a.b.c.d/len` with a host part: a usable interface address. */
const addressWithPrefix = z.string({ error: "must be an IPv4 address with a prefix length, like 192.168.2.100/24" }).transform((text, ctx) => {
    const fail = (why: string) => {
        ctx.addIssue({ code: "custom", message: `${JSON.stringify(text)} ${why}` });
        return z.NEVER;
    };
    const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
    if (!m || !isIPv4(m[1]!)) return fail("is not an IPv4 address with a prefix length, like 192.168.2.100/24");
    const prefixLength = Number(m[2]);
    if (prefixLength < 1 || prefixLength > 30) return fail("needs a prefix length from 1 to 30, like /24");
    const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
    const broadcast = ipaddr.IPv4.broadcastAddressFromCIDR(text).toString();
    if (m[1] === network || m[1] === broadcast) return fail(`is the ${m[1] === network ? "network" : "broadcast"} address of its network: pick a host address in it`);
    return { address: m[1]!, prefixLength };
});

const sshEndpoint = z.strictObject({
    host: z.string({ error: "must be the host name or IPv4 address that SSH connects to" }).refine((h) => HOSTNAME.test(h) || isIPv4(h), {
        error: (iss) => `${JSON.stringify(iss.input)} is not a host name or IPv4 address`,
    }),
    port: port("the SSH port").default(22),
    user: userName.optional(),
});

const sshSchema = z.strictObject({
    user: userName.default("root"),
    privateKeyFile: z.string({ error: "must be the path of an SSH private key file" }).min(1).optional(),
}).default({ user: "root" });

const directorSchema = z.strictObject({
    name: name("director name").default("director"),
    ssh: sshEndpoint,
    vip: addressWithPrefix,
    vipInterface: iface,
    dip: addressWithPrefix,
    dipInterface: iface,
});

const virtualServiceSchema = z.strictObject({
    port: port("the virtual service port").default(80),
    scheduler: z.enum(SCHEDULERS, {
        error: (iss) => `unknown scheduler ${JSON.stringify(iss.input)}: use one of ${SCHEDULERS.join(", ")} (see ipvsadm(8))`,
    }).default("rr"),
    persistence: z.number({ error: `must be a timeout in seconds from 1 to ${MAX_PERSISTENCE_SECONDS}` }).int()
        .min(1, { error: `must be a timeout in seconds from 1 to ${MAX_PERSISTENCE_SECONDS}; leave it out for no persistence` })
        .max(MAX_PERSISTENCE_SECONDS, { error: `must be at most ${MAX_PERSISTENCE_SECONDS} seconds (31 days)` }).optional(),
    forwarding: z.literal("nat", {
        error: (iss) => `forwarding ${JSON.stringify(iss.input)} is not supported: only "nat" (VS/NAT, ipvsadm -m) is implemented`,
    }).default("nat"),
}).default({ port: 80, scheduler: "rr", forwarding: "nat" });

const realServerSchema = z.strictObject({
    name: name("real server name"),
    ssh: sshEndpoint,
    address: addressWithPrefix,
    interface: iface,
    weight: z.number({ error: `must be a number from 0 to ${MAX_WEIGHT}` }).int({ error: `must be a whole number from 0 to ${MAX_WEIGHT}` })
        .min(0, { error: `must be from 0 to ${MAX_WEIGHT} (0 takes the server out of rotation)` })
        .max(MAX_WEIGHT, { error: `must be from 0 to ${MAX_WEIGHT}: ipvsadm accepts no larger weight` }).default(1),
    page: z.string({ error: "must be the text of the test page" }).optional(),
});

const realServersSchema = z.array(realServerSchema, { error: "must be a list of real servers" })
    .min(1, { error: "lists no real server: add at least one (name, ssh, address, interface)" });

/** `lvs:realServers[1].address` from the config key and a zod issue path. */
function settingName(key: string, issuePath: PropertyKey[]): string {
    return `lvs:${key}` + issuePath.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
}

function valueAt(value: unknown, at: PropertyKey[]): unknown {
    return at.reduce<unknown>((v, key) => (typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined), value);
}

function parseSection<T>(key: string, schema: z.ZodType<T>, value: unknown, problems: string[]): T | undefined {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
        if (issue.code === "unrecognized_keys") {
            problems.push(`${settingName(key, issue.path)}: unknown setting${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}: check the spelling against README.md`);
        } else if (issue.code === "invalid_type" && valueAt(value, issue.path) === undefined) {
            problems.push(`${settingName(key, issue.path)}: missing: set it in stacks/Pulumi.<stack>.yaml`);
        } else {
            problems.push(`${settingName(key, issue.path)}: ${issue.message}`);
        }
    }
    return undefined;
}

type Cidr = Pick<InterfaceAddress, "address" | "prefixLength">;

function networkOf(a: Cidr): string {
    return ipaddr.IPv4.networkAddressFromCIDR(`${a.address}/${a.prefixLength}`).toString() + `/${a.prefixLength}`;
}

function inNetwork(address: string, network: Cidr): boolean {
    return ipaddr.IPv4.parse(address).match(ipaddr.IPv4.parse(network.address), network.prefixLength);
}

/** Pushes a problem for every value seen more than once. */
function reportDuplicates(entries: { value: string; setting: string }[], what: string, problems: string[]): void {
    const first = new Map<string, string>();
    for (const { value, setting } of entries) {
        const earlier = first.get(value);
        if (earlier) problems.push(`${setting}: duplicate ${what} ${value}, already used by ${earlier}: each host appears once`);
        else first.set(value, setting);
    }
}

export function parseClusterConfig(raw: RawClusterConfig, env: ParseEnvironment): ParsedConfig {
    const problems: string[] = [];
    const ssh = parseSection("ssh", sshSchema, raw.ssh, problems);
    const director = parseSection("director", directorSchema, raw.director, problems);
    const virtualService = parseSection("virtualService", virtualServiceSchema, raw.virtualService, problems);
    const realServers = parseSection("realServers", realServersSchema, raw.realServers, problems);

    // The key: exactly one of the secret or a readable file.
    let sshKey: SshKeySource | undefined;
    if (ssh) {
        if (env.secretKeySet && ssh.privateKeyFile) {
            problems.push("lvs:ssh.privateKeyFile: the secret lvs:sshPrivateKey is set too: keep only one of them");
        } else if (env.secretKeySet) {
            sshKey = { kind: "secret" };
        } else if (ssh.privateKeyFile) {
            const file = path.resolve(env.projectDir, ssh.privateKeyFile);
            if (env.fileExists(file)) sshKey = { kind: "file", path: file };
            else problems.push(`lvs:ssh.privateKeyFile: SSH key ${file} not found: for the lab stacks run \`npm run lab -- up\` (or only \`npm run lab -- key\` to preview), otherwise point it at your key`);
        } else {
            problems.push("lvs:sshPrivateKey: missing SSH key: `pulumi config set --secret lvs:sshPrivateKey < ~/.ssh/id_ed25519`, or set lvs:ssh.privateKeyFile");
        }
    }

    const endpoint = (e: { host: string; port: number; user?: string }): SshEndpoint => ({ host: e.host, port: e.port, user: e.user ?? ssh?.user ?? "root" });

    // The DIP defines the inside network; when it is itself wrong, checking real servers against it only adds noise.
    const dipSound = director !== undefined && networkOf(director.vip) !== networkOf(director.dip);
    if (director && !dipSound) {
        problems.push(
            `lvs:director.dip: ${director.dip.address}/${director.dip.prefixLength} is on the VIP's network ${networkOf(director.vip)}: ` +
                "VS/NAT needs the real servers on a separate inside network; give the DIP an address of that network",
        );
    }
    if (director && dipSound && realServers) {
        const dipNet = networkOf(director.dip);
        realServers.forEach((rs, i) => {
            const setting = `lvs:realServers[${i}].address`;
            if (!inNetwork(rs.address.address, director.dip) || rs.address.prefixLength !== director.dip.prefixLength) {
                problems.push(
                    `${setting}: ${rs.address.address}/${rs.address.prefixLength} is outside the director's inside network ${dipNet} (lvs:director.dip): ` +
                        `in NAT mode real servers reply through the director, so put the real server on ${dipNet} or change lvs:director.dip`,
                );
            } else if (rs.address.address === director.dip.address) {
                problems.push(`${setting}: ${rs.address.address} is the director's DIP (lvs:director.dip): give the real server its own address`);
            }
        });
    }
    if (realServers) {
        reportDuplicates(realServers.map((rs, i) => ({ value: rs.address.address, setting: `lvs:realServers[${i}].address` })), "real server address", problems);
    }
    const hosts = [
        ...(director ? [{ name: director.name, ssh: director.ssh, setting: "lvs:director" }] : []),
        ...(realServers ?? []).map((rs, i) => ({ name: rs.name, ssh: rs.ssh, setting: `lvs:realServers[${i}]` })),
    ];
    reportDuplicates(hosts.map((h) => ({ value: h.name, setting: `${h.setting}.name` })), "name", problems);
    reportDuplicates(hosts.map((h) => ({ value: `${h.ssh.host}:${h.ssh.port}`, setting: `${h.setting}.ssh` })), "SSH endpoint", problems);

    if (problems.length > 0 || !director || !virtualService || !realServers || !sshKey) throw new ConfigError(problems);
    return {
        sshKey,
        spec: {
            director: {
                name: director.name,
                ssh: endpoint(director.ssh),
                vip: { interface: director.vipInterface, ...director.vip },
                dip: { interface: director.dipInterface, ...director.dip },
            },
            virtualService: {
                port: virtualService.port,
                scheduler: virtualService.scheduler,
                ...(virtualService.persistence !== undefined ? { persistence: virtualService.persistence } : {}),
            },
            realServers: realServers.map((rs) => ({
                name: rs.name,
                ssh: endpoint(rs.ssh),
                address: { interface: rs.interface, ...rs.address },
                weight: rs.weight,
                ...(rs.page !== undefined ? { page: rs.page } : {}),
            })),
        },
    };
}
