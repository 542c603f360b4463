// lvs:host:Service's inputs and state: a systemd service the host must run.
import { z } from "zod";
import { hostNameSchema } from "../../src/spec";
import { portSchema } from "../../src/ipvs/serviceSchema";

const UNIT = /^[A-Za-z0-9@_.:-]+$/;

export const serviceFields = {
    /** The host's name in pulumi-lvs (its state directory). */
    hostName: hostNameSchema,
    /** The systemd unit, e.g. `lighttpd` (its package is a `Package` of its own, which this waits for). */
    unit: z.string().regex(UNIT, { error: (iss) => `${JSON.stringify(iss.input)} is not a systemd unit name` }),
    /**
     * TCP ports the service listens on once it runs (lighttpd: 80). systemd's start of a simple service returns
     * as soon as its process is forked, before it binds: apply waits for these, so that whatever depends on the
     * service (a real server's entry in the table) follows a service that answers. Read back as part of running.
     */
    listens: z.array(portSchema("a port of lvs:host:Service listens")).default([]),
    /** How long apply waits for `listens` after starting the service, in seconds. */
    listenTimeout: z
        .number()
        .int()
        .min(1, { error: "listenTimeout must be from 1 to 600 seconds" })
        .max(600, { error: "listenTimeout must be from 1 to 600 seconds" })
        .default(30),
    /** Read back: enabled at boot. */
    enabled: z.literal(true).default(true),
    /** Read back: running (and listening on each of `listens`). */
    running: z.literal(true).default(true),
};

export const serviceSchema: z.ZodObject<typeof serviceFields> = z.object(serviceFields);

export type ServiceInputs = z.input<typeof serviceSchema>;
export type ServiceState = z.output<typeof serviceSchema>;
/** What the scripts are given. */
export type ServiceFact = Omit<ServiceState, "enabled" | "running">;
