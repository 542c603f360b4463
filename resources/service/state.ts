// lvs:host:Service's inputs and state: a systemd service the host must run.
import { z } from "zod";
import { hostNameSchema } from "../../src/spec";

const UNIT = /^[A-Za-z0-9@_.:-]+$/;

export const serviceFields = {
    /** The host's name in pulumi-lvs (its state directory). */
    hostName: hostNameSchema,
    /** The systemd unit, e.g. `lighttpd` (its package is a `Package` of its own, which this waits for). */
    unit: z.string().regex(UNIT, { error: (iss) => `${JSON.stringify(iss.input)} is not a systemd unit name` }),
    /** Read back: enabled at boot. */
    enabled: z.literal(true).default(true),
    /** Read back: running. */
    running: z.literal(true).default(true),
};

export const serviceSchema: z.ZodObject<typeof serviceFields> = z.object(serviceFields);

export type ServiceInputs = z.input<typeof serviceSchema>;
export type ServiceState = z.output<typeof serviceSchema>;
/** What the scripts are given. */
export type ServiceFact = Omit<ServiceState, "enabled" | "running">;
