// Each field of a virtual service, declared once: its rule, the words a wrong
// value gets, its default and what it means. The cluster's settings, a
// cluster or director written in code, and the provider's check of a
// VirtualService all read a service through these schemas, so a value is
// judged and defaulted the same way whichever way it came in; the types of
// the components' arguments and of the normalized spec are derived from them.
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { canonicalIPv6, ipv6AddressProblem, isIPv4 } from "../patterns";
import {
    DEFAULT_SCHEDULER,
    FORWARDING_METHODS,
    type ForwardingMethod,
    MAX_PERSISTENCE_SECONDS,
    MAX_WEIGHT,
    PROTOCOLS,
    SCHEDULER_FLAGS,
    SCHEDULERS,
    type Scheduler,
} from "./model";

/** The protocol of a service that names none. */
export const DEFAULT_PROTOCOL = "tcp";
/** The forwarding method of a service that names none: VS/NAT, the tutorial's. */
export const DEFAULT_FORWARDING = "nat";
/** The port of a service that names neither a port nor a firewall mark: the tutorial's web service. */
export const DEFAULT_SERVICE_PORT = 80;
/** A real server's weight when none is given. */
export const DEFAULT_WEIGHT = 1;
/** Port httpd listens on at each real server (lighttpd's default); VS/NAT maps a service's port onto it. */
export const REAL_SERVER_PORT = 80;

export const portSchema = (what: string) =>
    z
        .number({ error: `${what} must be a number from 1 to 65535` })
        .int({ error: `${what} must be a whole number from 1 to 65535` })
        .min(1, { error: `${what} must be from 1 to 65535` })
        .max(65535, { error: `${what} must be from 1 to 65535` });

export const ipv4Schema = z.string({ error: "must be an IPv4 address" }).refine(isIPv4, {
    error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address`,
});

/** An IPv6 address, in the spelling the host prints it (RFC 5952): `fd00:2::100`. */
export const ipv6Schema = z
    .string({ error: "must be an IPv6 address" })
    .superRefine((a, ctx) => {
        const problem = ipv6AddressProblem(a);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform(canonicalIPv6);

/** An address of either family (a real server's in a director's service): IPv6 in the host's spelling. */
export const ipAddressSchema = z
    .string({ error: "must be an IPv4 or IPv6 address" })
    .superRefine((a, ctx) => {
        if (isIPv4(a)) return;
        const problem = a.includes(":") ? ipv6AddressProblem(a) : `${JSON.stringify(a)} is not an IPv4 or IPv6 address`;
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((a) => (isIPv4(a) ? a : canonicalIPv6(a)));

/** The address families of a virtual service. */
export const ADDRESS_FAMILIES = ["ipv4", "ipv6"] as const;
/** A virtual service's family when it names none. */
export const DEFAULT_FAMILY = "ipv4";

export const weightSchema = z
    .number({ error: `must be a number from 0 to ${MAX_WEIGHT}` })
    .int({ error: `must be a whole number from 0 to ${MAX_WEIGHT}` })
    .min(0, { error: `must be from 0 to ${MAX_WEIGHT} (0 takes the server out of rotation)` })
    .max(MAX_WEIGHT, { error: `must be from 0 to ${MAX_WEIGHT}: ipvsadm accepts no larger weight` });

/** A real server's port in a service: 0 keeps the port of the packet (firewall-mark services). */
export const entryPortSchema = z
    .number({ error: "the real server's port must be a number from 0 to 65535" })
    .int({ error: "the real server's port must be a whole number from 0 to 65535" })
    .min(0, { error: "the real server's port must be from 0 to 65535" })
    .max(65535, { error: "the real server's port must be from 0 to 65535" });

const netmaskSchema = z.string().refine((m) => isIPv4(m) && ipaddr.IPv4.parse(m).prefixLengthFromSubnetMask() !== null, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a netmask such as 255.255.255.0`,
});

/** Persistence (`-p TIMEOUT`, `-M NETMASK`): a client keeps its real server while its connections keep coming. */
export const persistenceSchema = z.object({
    /** Seconds a client's template outlives its last connection. */
    timeout: z
        .number({ error: `must be a timeout in seconds from 1 to ${MAX_PERSISTENCE_SECONDS}` })
        .int({ error: `must be a timeout in seconds from 1 to ${MAX_PERSISTENCE_SECONDS}` })
        .min(1, { error: `must be a timeout in seconds from 1 to ${MAX_PERSISTENCE_SECONDS}; leave it out for no persistence` })
        .max(MAX_PERSISTENCE_SECONDS, { error: `must be at most ${MAX_PERSISTENCE_SECONDS} seconds (31 days)` }),
    /** Clients sharing this netmask share the real server (`-M`); absent: 255.255.255.255. */
    netmask: netmaskSchema.optional(),
});

/** keepalived's checkers that pulumi-lvs configures: an HTTP request answered with a status, or a TCP connection accepted. */
export const HEALTH_CHECKERS = ["HTTP_GET", "TCP_CHECK"] as const;

/**
 * How often and how patiently a real server is checked, in keepalived's words. The defaults detect a failed
 * server within about 3 s (`delayLoop + retry × delayBeforeRetry`), where keepalived's own (60 s, 1, 1–3 s,
 * 5 s) take over a minute.
 */
export const DEFAULT_HEALTH_TIMING = { delayLoop: 2, retry: 1, delayBeforeRetry: 1, connectTimeout: 1 } as const;
/** What HTTP_GET asks for and expects when the service says nothing else. */
export const DEFAULT_HEALTH_PATH = "/";
export const DEFAULT_HEALTH_STATUS = 200;

const seconds = (word: string, max: number) =>
    z
        .number({ error: `must be a number of seconds from 1 to ${max} (keepalived's ${word})` })
        .int({ error: `must be a whole number of seconds from 1 to ${max} (keepalived's ${word})` })
        .min(1, { error: `must be from 1 to ${max} seconds (keepalived's ${word})` })
        .max(max, { error: `must be at most ${max} seconds (keepalived's ${word})` });

/** What goes into keepalived.conf must stay one word on its line. */
const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/;

/** A virtual service's health check: keepalived checks each real server and takes a failing one out of rotation. */
export const healthCheckFields = {
    /** keepalived's checker: `HTTP_GET` (a request for `path` answered with `statusCode`) or `TCP_CHECK` (a connection accepted). */
    type: z.enum(HEALTH_CHECKERS, {
        error: (iss) =>
            `unknown health check ${JSON.stringify(iss.input)}: use HTTP_GET (a request answered with a status) or TCP_CHECK ` +
            "(a connection accepted)",
    }),
    /** HTTP_GET's `url { path }`. Default: `/`. */
    path: z
        .string({ error: "must be a URL path such as /health" })
        .regex(HTTP_PATH, { error: (iss) => `${JSON.stringify(iss.input)} is not a URL path such as /health (no spaces or quotes)` })
        .optional(),
    /** HTTP_GET's `url { status_code }`: the status a healthy server answers with. Default: 200. */
    statusCode: z
        .number({ error: "must be an HTTP status from 100 to 599" })
        .int({ error: "must be an HTTP status from 100 to 599" })
        .min(100, { error: "must be an HTTP status from 100 to 599" })
        .max(599, { error: "must be an HTTP status from 100 to 599" })
        .optional(),
    /** keepalived's `connect_port`: the port checked. Default: the real server's port (needed for a firewall-mark service). */
    connectPort: portSchema("the health check's connectPort").optional(),
    /** keepalived's `delay_loop`: seconds between checks of a real server. Default: 2. */
    delayLoop: seconds("delay_loop", 3600).default(DEFAULT_HEALTH_TIMING.delayLoop),
    /** keepalived's `retry`: failed checks retried before the server counts as down. Default: 1. */
    retry: z
        .number({ error: "must be a number of retries from 0 to 100 (keepalived's retry)" })
        .int({ error: "must be a whole number of retries from 0 to 100 (keepalived's retry)" })
        .min(0, { error: "must be from 0 to 100 (keepalived's retry)" })
        .max(100, { error: "must be at most 100 (keepalived's retry)" })
        .default(DEFAULT_HEALTH_TIMING.retry),
    /** keepalived's `delay_before_retry`: seconds before a retry. Default: 1. */
    delayBeforeRetry: seconds("delay_before_retry", 3600).default(DEFAULT_HEALTH_TIMING.delayBeforeRetry),
    /** keepalived's `connect_timeout`: seconds a check waits for the server. Default: 1. */
    connectTimeout: seconds("connect_timeout", 600).default(DEFAULT_HEALTH_TIMING.connectTimeout),
    /**
     * keepalived's `inhibit_on_failure`: a failing server gets weight 0 and its open connections finish, instead of
     * being removed and cut. Default: true.
     */
    inhibitOnFailure: z.boolean({ error: "must be true or false" }).default(true),
};

/** A health check with its defaults: HTTP_GET's path and status filled in, nothing of HTTP's on a TCP_CHECK. */
export const healthCheckSchema = z
    .strictObject(healthCheckFields, {
        error: (iss) =>
            iss.code === "unrecognized_keys"
                ? `unknown health check setting${iss.keys.length > 1 ? "s" : ""} ${iss.keys.map((k) => JSON.stringify(k)).join(", ")}: ` +
                  "use type, path, statusCode, connectPort, delayLoop, retry, delayBeforeRetry, connectTimeout, inhibitOnFailure"
                : "must be a health check such as {type: HTTP_GET, path: /}",
    })
    .superRefine((hc, ctx) => {
        if (hc.type !== "HTTP_GET") {
            for (const field of ["path", "statusCode"] as const) {
                if (hc[field] !== undefined)
                    ctx.addIssue({
                        code: "custom",
                        path: [field],
                        message: `is HTTP_GET's: a TCP_CHECK only connects; leave ${field} out`,
                    });
            }
        }
    })
    .transform((hc) =>
        hc.type === "HTTP_GET" ? { ...hc, path: hc.path ?? DEFAULT_HEALTH_PATH, statusCode: hc.statusCode ?? DEFAULT_HEALTH_STATUS } : hc,
    );

/** A health check, checked and with its defaults. */
export type HealthCheck = z.output<typeof healthCheckSchema>;

export const protocolSchema = z.enum(PROTOCOLS, {
    error: (iss) => `unknown protocol ${JSON.stringify(iss.input)}: use one of ${PROTOCOLS.join(", ")}`,
});

export const schedulerSchema = z.enum(SCHEDULERS, {
    error: (iss) => `unknown scheduler ${JSON.stringify(iss.input)}: use one of ${SCHEDULERS.join(", ")} (see ipvsadm(8))`,
});

export const forwardingSchema = z.enum(FORWARDING_METHODS, {
    error: (iss) =>
        `unknown forwarding method ${JSON.stringify(iss.input)}: use nat (VS/NAT, -m), dr (VS/DR, direct routing, -g) or tun (VS/TUN, IP-in-IP, -i)`,
});

export const fwmarkSchema = z
    .number({ error: "must be a firewall mark from 1 to 4294967295" })
    .int({ error: "must be a whole number from 1 to 4294967295" })
    .min(1, { error: "must be a firewall mark from 1 to 4294967295" })
    .max(0xffffffff, { error: "must be a firewall mark from 1 to 4294967295" });

export const flagsSchema = z.array(z.string(), { error: "must be a list of scheduler flags, such as [sh-port]" });

/** Scheduler flags exist only for some schedulers (ipvsadm -b). */
export function checkFlags(vs: { scheduler: Scheduler; flags: string[] }, ctx: z.RefinementCtx): void {
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

/** The fields of a virtual service, whatever names its real servers (names in a cluster, addresses on a director). */
export const serviceFields = {
    /** Names the service's resource. Default: `<protocol>-<port>`, or `fwmark-<mark>`. */
    name: z.string({ error: "must be a name for the service's resource" }).optional(),
    /** Transport protocol: `tcp`, `udp` or `sctp`. Default: `tcp`. */
    protocol: protocolSchema.default(DEFAULT_PROTOCOL),
    /**
     * The service's address family: `ipv4` (on the VIP, to the real servers' addresses) or `ipv6` (on the director's
     * `vip6`, to the real servers' `address6`). Default: `ipv4`.
     */
    family: z
        .enum(ADDRESS_FAMILIES, {
            error: (iss) => `unknown address family ${JSON.stringify(iss.input)}: use ipv4 (the VIP) or ipv6 (the director's vip6)`,
        })
        .default(DEFAULT_FAMILY),
    /** Port clients connect to on the VIP. Default: 80, unless the service has a firewall mark. */
    port: portSchema("the virtual service port").optional(),
    /**
     * A firewall-mark service (`ipvsadm -f`) instead of a port: packets to the VIP on `ports` are marked by the
     * director (its own nftables table) and balanced together, whatever their port.
     */
    fwmark: fwmarkSchema.optional(),
    /** The ports a firewall-mark service takes. */
    ports: z.array(portSchema("a port of the firewall-mark service"), { error: "must be a list of ports, such as [80, 443]" }).optional(),
    /** Scheduler (`ipvsadm -s`). Default: `rr`. */
    scheduler: schedulerSchema.default(DEFAULT_SCHEDULER),
    /** Scheduler flags (`ipvsadm -b`), e.g. `sh-port`; only sh and mh have them. Default: none. */
    flags: flagsSchema.default([]),
    /** Persistence: timeout in seconds and optional netmask. Default: none (each connection is scheduled on its own). */
    persistence: persistenceSchema.optional(),
    /**
     * How packets reach the real servers: `nat` (VS/NAT, `-m`), `dr` (VS/DR, `-g`) or `tun` (VS/TUN, `-i`).
     * Default: `nat`.
     */
    forwarding: forwardingSchema.default(DEFAULT_FORWARDING),
    /**
     * keepalived's health check of each real server (`HTTP_GET` or `TCP_CHECK`, its timing and
     * `inhibit_on_failure`). A director with a health-checked service runs keepalived, which then holds its whole
     * table. Default: none (the table is pulumi-lvs's own, unchecked).
     */
    healthCheck: healthCheckSchema.optional(),
};

/** What a real server's entry has besides the server itself. */
export const entryFields = {
    /** IPVS weight, 0..65535; 0 quiesces the real server (no new connections). Default: 1. */
    weight: weightSchema.default(DEFAULT_WEIGHT),
    /**
     * Port on the real server. Default: httpd's (80) for VS/NAT, which maps the service's port onto it; the
     * service's own for VS/DR and VS/TUN, which cannot map ports; 0 in a firewall-mark service (the packet's own).
     */
    port: entryPortSchema.optional(),
};

type ServiceIdentity = { fwmark?: number; port?: number; forwarding: ForwardingMethod };

/** The port a service is on: its own, else 80 unless it has a firewall mark. */
export function servicePort(vs: { fwmark?: unknown; port?: number }): number | undefined {
    return vs.fwmark === undefined ? (vs.port ?? DEFAULT_SERVICE_PORT) : vs.port;
}

/**
 * A service with the defaults that depend on its other fields: its port (80 when it has no firewall mark), and
 * each real server's port (`realServers`, its entries; see `entryFields.port`). The schemas below give the others.
 */
export function completeService<S extends ServiceIdentity, E extends { port?: number }>(
    vs: S,
    realServers: E[],
): Omit<S, "port" | "realServers"> & { port?: number; realServers: (E & { port: number })[] } {
    const port = servicePort(vs);
    const entryPort = vs.fwmark !== undefined ? 0 : vs.forwarding === "nat" ? REAL_SERVER_PORT : port!;
    const { port: _given, realServers: _listed, ...rest } = vs as S & { realServers?: unknown };
    return {
        ...rest,
        ...(port !== undefined ? { port } : {}),
        realServers: realServers.map((e) => ({ ...e, port: e.port ?? entryPort })),
    };
}

// (The schemas' types below are written as the field objects' own, so that each field's documentation reaches
// the declarations a user's editor reads.)

/** A real server's entry in a cluster's service: the server by name. */
export const clusterEntrySchema: z.ZodObject<
    {
        /** The real server (`realServers[].name`). */
        name: z.ZodString;
    } & typeof entryFields
> = z.object({ name: z.string({ error: "must be the name of a real server" }), ...entryFields });

/** A real server's entry in a director's service: the server by address. */
export const directorEntrySchema: z.ZodObject<
    {
        /** The real server's address (RIP), of the service's family. */
        address: typeof ipAddressSchema;
    } & typeof entryFields
> = z.object({ address: ipAddressSchema, ...entryFields });

/** A virtual service of a cluster: its real servers by name. */
export const clusterServiceSchema: z.ZodObject<
    typeof serviceFields & {
        /** The real servers behind it, by name. Default: every real server of the cluster, weight 1. */
        realServers: z.ZodOptional<z.ZodArray<typeof clusterEntrySchema>>;
    }
> = z
    .object({ ...serviceFields, realServers: z.array(clusterEntrySchema, { error: "must be a list of real servers" }).optional() })
    .superRefine(checkFlags);

/** A virtual service of a director: its real servers by address. */
export const directorServiceSchema: z.ZodObject<
    typeof serviceFields & {
        /** The real servers behind the service. */
        realServers: z.ZodArray<typeof directorEntrySchema>;
    }
> = z
    .object({ ...serviceFields, realServers: z.array(directorEntrySchema, { error: "must be a list of real servers" }) })
    .superRefine(checkFlags);
