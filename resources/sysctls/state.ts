// lvs:host:Sysctls's inputs and state: kernel settings the host must have, now and at every boot.
import { z } from "zod";
import { hostNameSchema } from "../../src/spec";

// Interface names may have capitals (a key names the interface); a key is also a file name in the state directory.
const SYSCTL_KEY = /^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/;
const SYSCTL_VALUE = /^[A-Za-z0-9_.:-]{1,64}$/;
const MODULE = /^[a-z0-9_]+$/;

export const sysctlsFields = {
    /** The host's name in pulumi-lvs (its state directory and file names). */
    hostName: hostNameSchema,
    /** Kernel settings, e.g. `{ "net.ipv4.ip_forward": "1" }`; the values found before are restored on delete. */
    values: z.record(
        z.string().regex(SYSCTL_KEY, { error: (iss) => `${JSON.stringify(iss.input)} is not a sysctl name such as net.ipv4.ip_forward` }),
        z.string().regex(SYSCTL_VALUE, { error: (iss) => `${JSON.stringify(iss.input)} is not a plain sysctl value` }),
    ),
    /** Kernel modules loaded first, now and at boot (e.g. `ip_vs` for `net.ipv4.vs.*`). */
    modules: z.array(z.string().regex(MODULE, { error: (iss) => `${JSON.stringify(iss.input)} is not a kernel module name` })).default([]),
    /** Read back: the values are kept for the next boot. */
    persisted: z.literal(true).default(true),
};

export const sysctlsSchema: z.ZodObject<typeof sysctlsFields> = z.object(sysctlsFields);

export type SysctlsInputs = z.input<typeof sysctlsSchema>;
export type SysctlsState = z.output<typeof sysctlsSchema>;
/** What the scripts are given. */
export type SysctlsFact = Omit<SysctlsState, "persisted">;
