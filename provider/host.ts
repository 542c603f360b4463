// Running a host fact's scripts as root on its host, and turning a failure
// into one line that names the host and says what to do, never the script.
// Scripts report known failures as `pulumi-lvs: <reason>` on stderr (see
// src/hostScript.ts); anything else is summed up by its exit status
// and last lines of output.
import { fingerprintCommand } from "../src/hostKey";
import { FAILURE_PREFIX, WARNING_PREFIX } from "../src/hostScript";
import { asRoot, rootShell } from "../src/shell";
import { Connection, ExecRequest, ExecResult, HostKeyMismatch, SshPool } from "../pluginKit/ssh";

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
    run(script: string, stdin?: string, options?: RunOptions): Promise<ExecResult>;
    /** The SSH key the host presented, once connected (authorized_keys form); none for other transports. */
    presentedHostKey?(): string | undefined;
}

export interface RunOptions {
    /** The script only reads (a refresh): over SSH it may run in the host's kept shell (keptShell.ts). */
    readOnly?: boolean;
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

/**
 * Why `sudo -n` did not run a script, from what it left: a shell that has no
 * sudo exits 127 saying so; sudo that wants a password or refuses the user
 * exits 1 with its own `sudo: ` line (scripts run as root never call sudo).
 */
export function sudoRefusal(result: ExecResult): "missing" | "refused" | undefined {
    if (result.code === 127 && /sudo: (command )?not found|sudo: No such file/i.test(result.stderr)) return "missing";
    if (result.code === 1 && /^sudo: /m.test(result.stderr)) return "refused";
    return undefined;
}

/** Dial failures that say nothing answers (as opposed to a refused login): the host may be down, or gone. */
const UNREACHABLE = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|Timed out while waiting for handshake|before handshake/;

/**
 * Scripts over SSH, through `sudo -n` for a user other than root. Whether sudo
 * works is told by the script's own run, not asked first: a question first
 * would cost every host a session before its first script.
 */
export class SshTransport implements Transport {
    readonly label: string;

    constructor(
        private readonly pool: Pick<SshPool, "exec" | "presentedHostKey">,
        private readonly connection: Connection,
        private readonly hostName: string,
        /** Whether the connection's host key is the one the stack recorded on first use (else: given in the settings). */
        private readonly hostKeyFromState = false,
    ) {
        this.label = `${hostName} (${connection.user}@${connection.host}:${connection.port})`;
    }

    presentedHostKey(): string | undefined {
        return this.pool.presentedHostKey(this.connection);
    }

    /** One line for a host whose key is not the expected one: where the expected key came from, and what to do. */
    private hostKeyError(mismatch: HostKeyMismatch): HostError {
        const { host, port } = this.connection;
        const whose = this.hostKeyFromState ? "the one this stack recorded when it first connected" : "the one the settings give";
        return new HostError(
            `${this.label}: refused: the host's SSH key is not ${whose}: ${mismatch.message}. Someone else may be answering ` +
                `on ${host}:${port}; nothing was run there. If the host was reinstalled, check its new key (${fingerprintCommand(host, port)}) and ` +
                `give it in the host's ssh.hostKey (or the known_hosts file of lvs:ssh.knownHostsFile)`,
        );
    }

    async run(script: string, stdin?: string, options?: RunOptions): Promise<ExecResult> {
        const { user } = this.connection;
        const request: ExecRequest = { command: asRoot(script, user), stdin: stdin ?? "" };
        if (options?.readOnly && !stdin) request.keptShell = { shell: rootShell(user), script };
        let result: ExecResult;
        try {
            result = await this.pool.exec(this.connection, request);
        } catch (err) {
            if (err instanceof HostKeyMismatch) throw this.hostKeyError(err);
            const message = (err as Error).message;
            // A host that does not answer at all may be gone for good: say how to take it out.
            const gone = UNREACHABLE.test(message)
                ? `; if ${this.hostName} is gone for good, list it in lvs:forget (README: a host that is gone)`
                : "";
            throw new HostError(`${this.label}: cannot run commands over SSH: ${message}${gone}`);
        }
        const refusal = user === "root" ? undefined : sudoRefusal(result);
        if (refusal)
            throw new HostError(
                `${this.label}: user ${user} cannot run \`sudo -n\` ` +
                    `(${refusal === "missing" ? "sudo is not installed" : "sudo asks for a password or refuses"}): ` +
                    `give ${user} passwordless sudo (a file /etc/sudoers.d/${user} with "${user} ALL=(ALL) ` +
                    `NOPASSWD:ALL"), or connect as root (lvs:ssh.user)`,
            );
        return result;
    }
}
