// lvs:host:FirewallMarks's inputs and state: the director's marks for firewall-mark virtual services.
import { z } from "zod";
import { ipv4Schema, protocolSchema } from "../../src/ipvs/serviceSchema";
import { hostNameSchema } from "../../src/spec";

const markSchema = z.object({
    protocol: protocolSchema,
    /** The VIP. */
    address: ipv4Schema,
    ports: z.array(z.number().int().min(1).max(65535)).min(1),
});

export const firewallMarksFields = {
    /** The director's name in pulumi-lvs (its table, unit and state directory). */
    hostName: hostNameSchema,
    /** Each firewall mark (decimal) with the packets it takes: protocol, the VIP, and ports. */
    marks: z.record(
        z.string().regex(/^[1-9][0-9]{0,9}$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a firewall mark` }),
        markSchema,
    ),
    /** Read back: the table is restored at boot. */
    persisted: z.literal(true).default(true),
};

export const firewallMarksSchema: z.ZodObject<typeof firewallMarksFields> = z.object(firewallMarksFields);

export type FirewallMarksInputs = z.input<typeof firewallMarksSchema>;
export type FirewallMarksState = z.output<typeof firewallMarksSchema>;
/** One mark with the packets it takes. */
export type FirewallMark = FirewallMarksState["marks"][string];
/** What the scripts are given. */
export type FirewallMarksFact = Omit<FirewallMarksState, "persisted">;
