// Running a host fact's scripts as root on its host, and turning a failure
// into one line that names the host and says what to do, never the script.
// Scripts report known failures as `pulumi-lvs: <reason>` on stderr (see
// src/hostScripts/common.ts); anything else is summed up by its exit status
// and last lines of output.
import { FAILURE_PREFIX, WARNING_PREFIX } from "../src/hostScripts/common";
import { asRoot } from "../src/shell";
import { Connection, ExecResult, SshPool } from "./ssh";

/** A failure on a host, already phrased for the user. */
export class HostError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "HostError";
    }
}

/** Where and how scripts run: over SSH (hosts); tests use a local runner. */
export interface Transport {
    /** `rs1 (root@127.0.0.1:2222)`: how errors name the host. */
    readonly label: string;
    /** Runs a script as root. */
    run(script: string, stdin?: string): Promise<ExecResult>;
}

/** The last meaningful lines of a failed script's output, for an error that is not a wall of text. */
function tail(output: string, count = 3): string {
    return output
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("+"))
        .slice(-count)
        .join(" / ");
}

/**
 * Runs `script` through `transport`, returning its stdout. Warnings go to
 * `warn`; a non-zero exit becomes a HostError naming the host and the step.
 */
export async function runScript(
    transport: Transport,
    step: string,
    script: string,
    warn: (message: string) => void,
    stdin?: string,
): Promise<string> {
    const result = await transport.run(script, stdin);
    const stderrLines = result.stderr.split("\n");
    for (const line of stderrLines) if (line.startsWith(WARNING_PREFIX)) warn(`${transport.label}: ${line.slice(WARNING_PREFIX.length)}`);
    if (result.code === 0) return result.stdout;
    const reasons = stderrLines
        .filter((l) => l.startsWith(FAILURE_PREFIX) && !l.startsWith(WARNING_PREFIX))
        .map((l) => l.slice(FAILURE_PREFIX.length));
    if (reasons.length > 0) throw new HostError(`${transport.label}: ${reasons.join("; ")}`);
    const how = result.code === null ? `was ended by signal ${result.signal ?? "?"}` : `failed with exit status ${result.code}`;
    const detail = tail(result.stderr) || tail(result.stdout);
    throw new HostError(`${transport.label}: ${step} ${how}${detail ? `: ${detail}` : ""}`);
}

/** Scripts over SSH, through `sudo -n` for a user other than root (checked once per connection, with advice). */
export class SshTransport implements Transport {
    readonly label: string;
    private static readonly sudoChecked = new WeakMap<SshPool, Map<string, Promise<void>>>();

    constructor(
        private readonly pool: SshPool,
        private readonly connection: Connection,
        hostName: string,
    ) {
        this.label = `${hostName} (${connection.user}@${connection.host}:${connection.port})`;
    }

    private async exec(command: string, stdin?: string): Promise<ExecResult> {
        try {
            return await this.pool.exec(this.connection, { command, stdin });
        } catch (err) {
            throw new HostError(`${this.label}: cannot run commands over SSH: ${(err as Error).message}`);
        }
    }

    private checkSudo(): Promise<void> {
        let checked = SshTransport.sudoChecked.get(this.pool);
        if (!checked) SshTransport.sudoChecked.set(this.pool, (checked = new Map()));
        const key = `${this.connection.user}@${this.connection.host}:${this.connection.port}`;
        let check = checked.get(key);
        if (!check) {
            const user = this.connection.user;
            check = this.exec("sudo -n true").then((r) => {
                if (r.code === 0) return;
                const missing = r.code === 127 || /not found/.test(r.stderr);
                throw new HostError(
                    `${this.label}: user ${user} cannot run \`sudo -n\` ` +
                        `(${missing ? "sudo is not installed" : "sudo asks for a password or refuses"}): ` +
                        `give ${user} passwordless sudo (a file /etc/sudoers.d/${user} with "${user} ALL=(ALL) ` +
                        `NOPASSWD:ALL"), or connect as root (lvs:ssh.user)`,
                );
            });
            check.catch(() => checked!.delete(key));
            checked.set(key, check);
        }
        return check;
    }

    async run(script: string, stdin?: string): Promise<ExecResult> {
        if (this.connection.user !== "root") await this.checkSudo();
        return this.exec(asRoot(script, this.connection.user), stdin ?? "");
    }
}
