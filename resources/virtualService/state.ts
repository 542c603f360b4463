// lvs:ipvs:VirtualService's inputs and state: one ServiceTable (model.ts) as
// the engine carries it. Its fields are the service's own (serviceSchema.ts,
// the same rules, words and defaults), with the real servers keyed
// `address:port` as ipvsadm prints an entry, so that a preview's detailed diff
// names each entry that changes. The program builds it from the model
// (`stateOf`), the provider checks it with this schema and turns it back into
// the model (`tableOf`); the resource's SDK arguments are this schema's input.
import { z } from "zod";
import { drainTimeoutSchema, hostNameSchema } from "../../src/spec";
import { entryKey, isFirewallMark, RealServerEntry, ServiceTable, VirtualService } from "../../src/ipvs/model";
import { splitHostPort } from "../../src/ipvs/parse";
import { hostPort, isIP } from "../../src/patterns";
import { checkFlags, forwardingSchema, protocolSchema, serviceFields, weightSchema } from "../../src/ipvs/serviceSchema";

/** `192.168.2.100:80`, `[fd00:2::100]:80`: a real server's key, as ipvsadm prints the entry. */
const entryKeySchema = z.string().refine(
    (key) => {
        const { address, port } = splitHostPort(key);
        return isIP(address) && /:\d{1,5}$/.test(key) && port <= 65535 && hostPort(address, port) === key;
    },
    { error: (iss) => `${JSON.stringify(iss.input)} is not address:port (an IPv6 address in brackets, as ipvsadm prints it)` },
);

/** The virtual IP of a service: either family, an IPv6 one as ipvsadm prints it. */
const serviceAddressSchema = z.string({ error: "must be an IPv4 or IPv6 address" }).refine(isIP, {
    error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address or an IPv6 address as ipvsadm prints it`,
});

export const virtualServiceStateFields = {
    /** The director's name in pulumi-lvs (its state directory). */
    hostName: hostNameSchema,
    /** Transport protocol (with `address` and `port`); absent for a firewall-mark service. */
    protocol: protocolSchema.optional(),
    /** The virtual IP. */
    address: serviceAddressSchema.optional(),
    /** Port clients connect to. */
    port: serviceFields.port,
    /** Firewall mark, instead of protocol, address and port (`ipvsadm -f`). */
    fwmark: serviceFields.fwmark,
    /** Scheduler (`ipvsadm -s`). Default: `rr`. */
    scheduler: serviceFields.scheduler,
    /** Scheduler flags (`ipvsadm -b`), e.g. `sh-port`. Default: none. */
    flags: serviceFields.flags,
    /** Persistence (`ipvsadm -p`, `-M`): timeout in seconds, optional netmask. Default: none. */
    persistence: serviceFields.persistence,
    /** Real servers by `address:port`, each with its forwarding method and weight. */
    realServers: z.record(entryKeySchema, z.object({ forwarding: forwardingSchema, weight: weightSchema })),
    /** Seconds a real server being removed (or set to weight 0) gets for its active connections to end. Default: 30. */
    drainTimeout: drainTimeoutSchema,
    // What a refresh reads back besides the table: the service is there, saved for reboots, restored at boot.
    present: z.literal(true).default(true),
    saved: z.literal(true).default(true),
    restoreAtBoot: z.literal(true).default(true),
};

// (Typed as its fields' object, so that each field's documentation reaches the declarations a user's editor reads.)
export const virtualServiceStateSchema: z.ZodObject<typeof virtualServiceStateFields> = z
    .object(virtualServiceStateFields)
    .refine((d) => (d.fwmark !== undefined) !== (d.protocol !== undefined && d.address !== undefined && d.port !== undefined), {
        error: "a virtual service has either a protocol, address and port, or a firewall mark (fwmark)",
    })
    .superRefine(checkFlags);

/** The resource's inputs (defaults not yet applied). */
export type VirtualServiceInputs = z.input<typeof virtualServiceStateSchema>;
/** The resource's state: its inputs checked, defaults applied. */
export type VirtualServiceState = z.output<typeof virtualServiceStateSchema>;

/** What of the state stands for the table (the rest says how to apply it, and what a refresh reads back). */
export const TABLE_FIELDS = ["protocol", "address", "port", "fwmark", "scheduler", "flags", "persistence", "realServers"] as const;
export type TableFields = Pick<VirtualServiceState, (typeof TABLE_FIELDS)[number]>;

/** A table as the resource's inputs: the service's fields, and its real servers keyed `address:port`. */
export function stateOf(table: ServiceTable): TableFields {
    const { service } = table;
    return {
        ...(isFirewallMark(service)
            ? { fwmark: service.fwmark }
            : { protocol: service.protocol, address: service.address, port: service.port }),
        scheduler: service.scheduler,
        flags: service.flags,
        ...(service.persistence ? { persistence: service.persistence } : {}),
        realServers: Object.fromEntries(table.realServers.map((e) => [entryKey(e), { forwarding: e.forwarding, weight: e.weight }])),
    };
}

/** The resource's state as the model: the table it stands for. */
export function tableOf(d: TableFields): ServiceTable {
    const id = d.fwmark !== undefined ? { fwmark: d.fwmark } : { protocol: d.protocol!, address: d.address!, port: d.port! };
    const service: VirtualService = {
        ...id,
        scheduler: d.scheduler,
        flags: [...d.flags].sort(),
        ...(d.persistence ? { persistence: d.persistence } : {}),
    };
    // The keys are built by entryKey and split by its pair, splitHostPort.
    const realServers: RealServerEntry[] = Object.entries(d.realServers).map(([key, e]) => ({ ...splitHostPort(key), ...e }));
    return { service, realServers };
}
