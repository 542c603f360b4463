// command:remote:Command over SSH (pluginKit/ssh.ts): one session per command,
// `environment` sent by SSH setenv. ssh2 sends setenv without asking the
// server for a reply, so a variable sshd refuses (no AcceptEnv) would vanish
// silently; the official provider fails the step instead. So before the first
// command with a given set of variables on a connection, one probe session
// runs `env` with them and checks that each arrived.
import { createHash } from "node:crypto";
import { Connection, SshPool } from "../../../../pluginKit/ssh";
import { CommandOutput, OutputSink } from "./output";

export interface RemoteRun {
    command: string;
    /** The resource's `environment`: each must arrive, or the step fails. */
    environment: Record<string, string>;
    /** PULUMI_COMMAND_STDOUT/STDERR from the previous run: refused ones are only a warning. */
    previousOutput: Record<string, string>;
    stdin?: string;
}

const probes = new WeakMap<SshPool, Map<string, Promise<string[]>>>();

/** The names among `env` that the server does not set (probed once per connection and set of names). */
function refusedNames(pool: SshPool, conn: Connection, env: Record<string, string>): Promise<string[]> {
    const names = Object.keys(env).sort();
    if (names.length === 0) return Promise.resolve([]);
    let cache = probes.get(pool);
    if (!cache) probes.set(pool, (cache = new Map()));
    const key = createHash("sha256")
        .update(JSON.stringify([conn, names]))
        .digest("hex");
    let probe = cache.get(key);
    if (!probe) {
        const marker = Object.fromEntries(names.map((n) => [n, "1"]));
        probe = pool.exec(conn, { command: "env", env: marker }).then((r) => {
            const present = new Set(r.stdout.split("\n").map((l) => l.split("=")[0]));
            return names.filter((n) => !present.has(n));
        });
        probe.catch(() => cache!.delete(key));
        cache.set(key, probe);
    }
    return probe;
}

/** Runs a remote command; resolves with its output, rejects like the official provider on failure. */
export async function runRemote(
    pool: SshPool,
    conn: Connection,
    run: RemoteRun,
    sink: OutputSink,
    warn: (message: string) => void,
): Promise<CommandOutput> {
    const refused = await refusedNames(pool, conn, { ...run.environment, ...run.previousOutput });
    const refusedOwn = refused.filter((n) => n in run.environment);
    if (refusedOwn.length > 0) {
        throw new Error(
            `could not set environment variable${refusedOwn.length > 1 ? "s" : ""} ${refusedOwn.join(", ")}: ` +
                `the SSH server on ${conn.host}:${conn.port} refuses ${refusedOwn.length > 1 ? "them" : "it"} (add ` +
                `${refusedOwn.join(" ")} to AcceptEnv in its sshd_config)`,
        );
    }
    for (const name of refused)
        warn(`Unable to set '${name}'. This only works if your SSH server is configured to accept these variables via AcceptEnv.`);
    const env = { ...run.environment, ...Object.fromEntries(Object.entries(run.previousOutput).filter(([n]) => !refused.includes(n))) };
    const output = new CommandOutput(sink);
    const result = await pool.exec(conn, { command: run.command, env, stdin: run.stdin }, (stream, text) => output.write(stream, text));
    output.finish();
    // Go's ssh.ExitError wording, as the official provider reports it.
    if (result.signal) throw output.failure(new Error(`Process exited with signal ${result.signal}`), run.command);
    if (result.code === null)
        throw output.failure(new Error("wait: remote command exited without exit status or exit signal"), run.command);
    if (result.code !== 0) throw output.failure(new Error(`Process exited with status ${result.code}`), run.command);
    return output;
}
