// lvs:host:Addresses's inputs and state: addresses and a default route the host must have, kept by a systemd unit.
import { z } from "zod";
import { ipv4Schema } from "../../src/ipvs/serviceSchema";
import { isCanonicalIPv6, isIPv4 } from "../../src/patterns";
import { hostNameSchema, interfaceSchema } from "../../src/spec";

/** `a.b.c.d/len`, or an IPv6 address as `ip` prints it with its length (`fd00:2::1/64`): the key `ip` reads back. */
function isCidrKey(key: string): boolean {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(key);
    if (!m) return false;
    return isIPv4(m[1]!) ? Number(m[2]) <= 32 : isCanonicalIPv6(m[1]!) && Number(m[2]) <= 128;
}

const cidrKey = z.string().refine(isCidrKey, {
    error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 or IPv6 address with a prefix length (IPv6 as ip prints it)`,
});

const ipv6RouterSchema = z.string().refine(isCanonicalIPv6, {
    error: (iss) => `${JSON.stringify(iss.input)} is not an IPv6 address as ip prints it`,
});

export const addressesFields = {
    /** The host's name in pulumi-lvs (its unit and state directory). */
    hostName: hostNameSchema,
    /** What the addresses are for, shown in the systemd unit. */
    description: z.string().regex(/^[^\n%\\]*$/, { error: "the description must be one line without % or \\" }),
    /** Each address as `a.b.c.d/len` (or `fd00:2::1/64`), with its interface. */
    addresses: z.record(cidrKey, z.object({ interface: interfaceSchema })),
    /** The default route this resource owns (VS/NAT real servers: via the DIP); the one found before is restored on delete. */
    defaultRoute: z.object({ via: ipv4Schema, interface: interfaceSchema }).optional(),
    /** The IPv6 default route it owns (VS/NAT real servers of ipv6 services: via the director's dip6); the one found is restored. */
    defaultRoute6: z.object({ via: ipv6RouterSchema, interface: interfaceSchema }).optional(),
    /** Where the user fixes an interface name (named in the error when one is missing). */
    interfaceSetting: z.string(),
    /** Read back: the unit keeps them at boot. */
    persisted: z.literal(true).default(true),
};

export const addressesSchema: z.ZodObject<typeof addressesFields> = z.object(addressesFields);

export type AddressesInputs = z.input<typeof addressesSchema>;
export type AddressesState = z.output<typeof addressesSchema>;
/** What the scripts are given. */
export type AddressesFact = Omit<AddressesState, "persisted">;
