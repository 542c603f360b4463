// lvs:keepalived:Keepalived's inputs and state: the virtual services keepalived
// holds on a director, each in the wire form of lvs:ipvs:VirtualService (the
// same fields, rules and `address:port` keys, ../virtualService/state.ts) with
// its health check, keyed as ipvsadm names a service (`tcp 192.168.145.100:80`,
// `fwmark 7`), so that a preview names the service and entry that change. The
// configuration file is not an input: the provider renders it from the
// services (src/keepalived/render.ts) at its check, and a refresh reads the
// file back, so that an edit by hand shows as a line diff of keepalived.conf.
import { z } from "zod";
import {
    cidrProblem,
    drainTimeoutSchema,
    hostNameSchema,
    interfaceSchema,
    vrrpFields,
    vrrpPasswordProblem,
    wholeNumber,
} from "../../src/spec";
import { ipv4Schema } from "../../src/ipvs/serviceSchema";
import { serviceKey, type ServiceTable } from "../../src/ipvs/model";
import { checkFlags, serviceFields } from "../../src/ipvs/serviceSchema";
import { keepalivedConf, type VrrpInstance } from "../../src/keepalived/render";
import { stateOf, TABLE_FIELDS, tableOf, type TableFields, virtualServiceStateFields } from "../virtualService/state";

/** One virtual service as keepalived holds it: the table's fields of lvs:ipvs:VirtualService, and its health check. */
const keepalivedServiceSchema = z
    .object({
        ...(Object.fromEntries(TABLE_FIELDS.map((f) => [f, virtualServiceStateFields[f]])) as Pick<
            typeof virtualServiceStateFields,
            (typeof TABLE_FIELDS)[number]
        >),
        /** keepalived's check of each real server. Default: none (the server is always in rotation). */
        healthCheck: serviceFields.healthCheck,
    })
    .superRefine(checkFlags);

/** An address that moves with the master (`ADDRESS/PREFIX`), on its interface. */
const floatingAddressSchema = z.strictObject({
    address: z.string({ error: "must be an address with its prefix, like 192.168.145.100/24" }).superRefine((text, ctx) => {
        const [address, prefix] = text.split("/");
        const problem = cidrProblem(address, prefix === undefined ? undefined : Number(prefix));
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    interface: interfaceSchema,
});

/** This director's side of a pair's VRRP (src/keepalived/render.ts's VrrpInstance), and the pair's password. */
const vrrpSchema = z.strictObject({
    virtualRouterId: vrrpFields.virtualRouterId,
    /** This director's VRRP priority, 1 to 254 (255 is for the address owner, which neither director is). */
    priority: wholeNumber(1, 254),
    advertInterval: vrrpFields.advertInterval,
    interface: interfaceSchema,
    sourceAddress: ipv4Schema,
    peers: z.array(ipv4Schema).min(1, { error: "lists no peer: name the other director's own address" }),
    addresses: z.array(floatingAddressSchema).min(1, { error: "lists no address: give the VIP" }),
    trackInterfaces: z.array(interfaceSchema).default([]),
    syncInterface: interfaceSchema.optional(),
    /** The pair's VRRP password (auth_type PASS), kept a secret by the provider; absent: adverts unauthenticated. */
    password: z
        .string({ error: "must be the VRRP password" })
        .refine((p) => vrrpPasswordProblem(p) === undefined, { error: (iss) => vrrpPasswordProblem(iss.input as string)! })
        .optional(),
});
export type KeepalivedVrrp = z.output<typeof vrrpSchema>;

export const keepalivedStateFields = {
    /** The director's name in pulumi-lvs (its state directory, keepalived's `router_id`). */
    hostName: hostNameSchema,
    /** The virtual services keepalived holds, by `tcp ADDRESS:PORT` or `fwmark N`, in keepalived.conf's order. */
    virtualServices: z.record(z.string(), keepalivedServiceSchema, { error: "must be the virtual services by key" }),
    /** Seconds a real server being removed gets for its active connections to end (after weight 0). Default: 30. */
    drainTimeout: drainTimeoutSchema,
    /** This director's side of a director pair's VRRP. Absent: a single director, which holds the VIP itself. */
    vrrp: vrrpSchema.optional(),
    /** keepalived.conf as rendered from the services by the provider (never given); a refresh reads the file back. */
    config: z.string().optional(),
    /** Read back: keepalived runs, and starts at boot. */
    running: z.literal(true).default(true),
    enabled: z.literal(true).default(true),
};

// (Typed as its fields' object, so that each field's documentation reaches the declarations a user's editor reads.)
export const keepalivedStateSchema: z.ZodObject<typeof keepalivedStateFields> = z.object(keepalivedStateFields).superRefine((d, ctx) => {
    for (const [key, vs] of Object.entries(d.virtualServices)) {
        if (vs.fwmark === undefined && (vs.protocol === undefined || vs.address === undefined || vs.port === undefined)) {
            ctx.addIssue({ code: "custom", path: ["virtualServices", key], message: "needs a protocol, address and port, or a fwmark" });
        } else if (serviceKey(tableOf(vs).service) !== key) {
            ctx.addIssue({
                code: "custom",
                path: ["virtualServices", key],
                message: `is keyed ${JSON.stringify(key)} but is ${serviceKey(tableOf(vs).service)}: key each service as ipvsadm names it`,
            });
        }
    }
});

export type KeepalivedInputs = z.input<typeof keepalivedStateSchema>;
export type KeepalivedState = z.output<typeof keepalivedStateSchema>;
type KeepalivedService = KeepalivedState["virtualServices"][string];

/** The services as the resource's input: each table's wire form with its health check, keyed by its service. */
export function keepalivedServicesOf(tables: ServiceTable[]): Record<string, TableFields & Pick<ServiceTable, "healthCheck">> {
    return Object.fromEntries(
        tables.map((t) => [serviceKey(t.service), { ...stateOf(t), ...(t.healthCheck ? { healthCheck: t.healthCheck } : {}) }]),
    );
}

/** The state's services as the model's tables, in order. */
export function keepalivedTables(services: Record<string, KeepalivedService>): ServiceTable[] {
    return Object.values(services).map((vs) => ({ ...tableOf(vs), ...(vs.healthCheck ? { healthCheck: vs.healthCheck } : {}) }));
}

/** The VRRP instance as the rendering takes it (whether there is a password, not which). */
export function vrrpInstanceOf(vrrp: KeepalivedVrrp | undefined): VrrpInstance | undefined {
    if (!vrrp) return undefined;
    const { password, ...instance } = vrrp;
    return { ...instance, authenticated: password !== undefined };
}

/** The configuration as the state and the diff show it: the rendering of the state's services and VRRP, the password out of sight. */
export function configOf(d: Pick<KeepalivedState, "hostName" | "virtualServices" | "vrrp">): string {
    return keepalivedConf(d.hostName, keepalivedTables(d.virtualServices), vrrpInstanceOf(d.vrrp));
}

/** The file placed on the director for `tables` (a step's, or the state's own) and the state's VRRP: the password in it. */
export function directorFileOf(d: Pick<KeepalivedState, "hostName" | "vrrp">, tables: ServiceTable[]): string {
    return keepalivedConf(d.hostName, tables, vrrpInstanceOf(d.vrrp), d.vrrp?.password);
}
