// command:local:Command runs `interpreter + [command]` (default /bin/sh -c) in
// `dir`, with the provider's environment plus the resource's `environment`.
import { ChildProcess, spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { CommandOutput, OutputSink } from "./output";

export interface LocalRun {
    command: string;
    interpreter?: string[];
    dir?: string;
    env: Record<string, string>;
    stdin?: string;
}

/** How Go names signals in an exit error (syscall.Signal.String). */
const GO_SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = {
    SIGTERM: "terminated",
    SIGKILL: "killed",
    SIGINT: "interrupt",
    SIGHUP: "hangup",
    SIGQUIT: "quit",
    SIGPIPE: "broken pipe",
    SIGABRT: "aborted",
    SIGSEGV: "segmentation fault",
};

/** Local commands still running, so that a cancel can end them. */
const running = new Set<ChildProcess>();

/** Ends every local command still running, with what it started (the engine's Cancel). */
export function cancelLocalCommands(): void {
    for (const child of running) {
        try {
            // Each command runs in a process group of its own: the interpreter and its children end together.
            process.kill(-child.pid!, "SIGTERM");
        } catch {
            child.kill("SIGTERM");
        }
    }
}

export async function runLocal(run: LocalRun, sink: OutputSink): Promise<CommandOutput> {
    const [program, ...args] = run.interpreter && run.interpreter.length > 0 ? run.interpreter : ["/bin/sh", "-c"];
    const output = new CommandOutput(sink);
    const child = spawn(program, [...args, run.command], {
        cwd: run.dir || process.cwd(),
        env: { ...process.env, ...run.env },
        stdio: ["pipe", "pipe", "pipe"],
        detached: true,
    });
    running.add(child);
    const decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
    child.stdout.on("data", (chunk: Buffer) => output.write("stdout", decoders.stdout.write(chunk)));
    child.stderr.on("data", (chunk: Buffer) => output.write("stderr", decoders.stderr.write(chunk)));
    child.stdin.on("error", () => undefined); // a command that ignores stdin may close it early
    child.stdin.end(run.stdin || undefined);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code, signal) => resolve({ code, signal }));
    }).finally(() => running.delete(child));
    output.write("stdout", decoders.stdout.end());
    output.write("stderr", decoders.stderr.end());
    output.finish();
    // Go's exec.ExitError wording, as the official provider reports it.
    if (exit.signal)
        throw output.failure(
            new Error(`signal: ${GO_SIGNAL_NAMES[exit.signal] ?? exit.signal.replace(/^SIG/, "").toLowerCase()}`),
            run.command,
        );
    if (exit.code !== 0) throw output.failure(new Error(`exit status ${exit.code}`), run.command);
    return output;
}
