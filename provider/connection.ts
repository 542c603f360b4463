// The `connection` property of every lvs resource: how to reach the host over
// SSH, with the command provider's defaults (port 22, user root, 10 dial
// attempts of at most 15 s), so that the same object works for both; or, for
// a container host, its Docker engine and container (`{ docker: {...} }`).
import { z } from "zod";
import { hostKeyProblem } from "../src/hostKey";
import { privateKeyProblem } from "../src/sshKey";
import { DockerExecConnection } from "./dockerExec";
import { Connection } from "../pluginKit/ssh";

const endpoint = {
    host: z.string().min(1, { error: "connection.host is required" }),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1).default("root"),
    password: z.string().optional(),
    // Checked before any dial, and never echoed: a wrong key fails the preview, not the first connection.
    privateKey: z
        .string()
        .refine((k) => privateKeyProblem(k) === undefined, { error: (iss) => `the private key ${privateKeyProblem(iss.input as string)}` })
        .optional(),
    privateKeyPassword: z.string().optional(),
    agentSocketPath: z.string().optional(),
    dialErrorLimit: z.number().int().default(10),
    perDialTimeout: z.number().int().min(0).default(15),
    // authorized_keys form, one key per line: a host presenting another is refused (unset: recorded on first use).
    hostKey: z
        .string()
        .refine((k) => hostKeyProblem(k) === undefined, { error: (iss) => `the host key ${hostKeyProblem(iss.input as string)}` })
        .optional(),
};

const sshConnectionSchema = z.object({ ...endpoint, proxy: z.object(endpoint).optional() });
const dockerConnectionSchema = z.strictObject({
    docker: z.strictObject({
        host: z.string().regex(/^(unix|tcp):\/\//, { error: "must be a unix:// or tcp:// Docker engine address" }),
        container: z.string().min(1, { error: "connection.docker.container is required" }),
    }),
});

/** The schema of a connection: the container form when it has `docker`, else SSH (whose errors then name SSH's fields). */
export function connectionSchemaFor(value: unknown): z.ZodType {
    return isDockerConnection(value) ? dockerConnectionSchema : sshConnectionSchema;
}

export type CheckedConnection = Connection | { docker: DockerExecConnection };

/** The connection with its defaults; throws with the property at fault. */
export function checkedConnection(value: unknown): CheckedConnection {
    const parsed = connectionSchemaFor(value).safeParse(value);
    if (!parsed.success) throw new Error(`connection: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return parsed.data as CheckedConnection;
}

function isDockerConnection(value: unknown): boolean {
    return typeof value === "object" && value !== null && "docker" in value;
}
