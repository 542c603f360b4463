// command:local:Command runs `interpreter + [command]` (default /bin/sh -c) in
// `dir`, with the provider's environment plus the resource's `environment`.
import { spawn } from "node:child_process";
import { CommandOutput, OutputSink } from "./output";

export interface LocalRun {
    command: string;
    interpreter?: string[];
    dir?: string;
    env: Record<string, string>;
    stdin?: string;
}

export async function runLocal(run: LocalRun, sink: OutputSink): Promise<CommandOutput> {
    const [program, ...args] = run.interpreter && run.interpreter.length > 0 ? run.interpreter : ["/bin/sh", "-c"];
    const output = new CommandOutput(sink);
    const child = spawn(program, [...args, run.command], {
        cwd: run.dir || process.cwd(),
        env: { ...process.env, ...run.env },
        stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.write("stdout", chunk));
    child.stderr.on("data", (chunk: Buffer) => output.write("stderr", chunk));
    child.stdin.on("error", () => undefined); // a command that ignores stdin may close it early
    child.stdin.end(run.stdin || undefined);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code, signal) => resolve({ code, signal }));
    });
    output.finish();
    // Go's exec.ExitError wording, as the official provider reports it.
    if (exit.signal) throw output.failure(new Error(`signal: ${exit.signal.replace(/^SIG/, "").toLowerCase()}`), run.command);
    if (exit.code !== 0) throw output.failure(new Error(`exit status ${exit.code}`), run.command);
    return output;
}
