// lvs:host:Addresses's inputs and state: addresses and a default route the host must have, kept by a systemd unit.
import { z } from "zod";
import { ipv4Schema } from "../../src/ipvs/serviceSchema";
import { isIPv4 } from "../../src/patterns";
import { hostNameSchema, interfaceSchema } from "../../src/spec";

const cidrKey = z.string().refine((k) => /^[0-9.]+\/\d{1,2}$/.test(k) && isIPv4(k.split("/")[0]!) && Number(k.split("/")[1]) <= 32, {
    error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address with a prefix length`,
});

export const addressesFields = {
    /** The host's name in pulumi-lvs (its unit and state directory). */
    hostName: hostNameSchema,
    /** What the addresses are for, shown in the systemd unit. */
    description: z.string().regex(/^[^\n%\\]*$/, { error: "the description must be one line without % or \\" }),
    /** Each address as `a.b.c.d/len`, with its interface. */
    addresses: z.record(cidrKey, z.object({ interface: interfaceSchema })),
    /** The default route this resource owns (VS/NAT real servers: via the DIP); the one found before is restored on delete. */
    defaultRoute: z.object({ via: ipv4Schema, interface: interfaceSchema }).optional(),
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
