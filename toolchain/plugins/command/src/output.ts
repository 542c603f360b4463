// Capturing a command's output the way the official provider does: stdout and
// stderr kept apart and also interleaved, each streamed line-by-line to the
// engine per the `logging` input, one trailing newline trimmed from each.
import { Logging } from "./inputs";

export type StreamName = "stdout" | "stderr";

/** Where a command's output lines go while it runs (the engine's status log). */
export type OutputSink = (stream: StreamName, line: string) => void;

/** A sink that forwards only the streams the `logging` input selects. */
export function loggingSink(logging: Logging | undefined, log: (line: string) => void): OutputSink {
    const mode = logging ?? "stdoutAndStderr";
    return (stream, line) => {
        if (mode === "stdoutAndStderr" || mode === stream) log(line);
    };
}

function trimOneNewline(text: string): string {
    return text.endsWith("\n") ? text.slice(0, -1) : text;
}

export class CommandOutput {
    private readonly chunks: Record<StreamName, string[]> = { stdout: [], stderr: [] };
    private combined = "";
    private readonly partial: Record<StreamName, string> = { stdout: "", stderr: "" };

    constructor(private readonly sink: OutputSink) {}

    /** Takes decoded text (a multi-byte character never arrives split: the sources decode with a StringDecoder). */
    write(stream: StreamName, text: string): void {
        this.chunks[stream].push(text);
        this.combined += text;
        const lines = (this.partial[stream] + text).split("\n");
        this.partial[stream] = lines.pop() ?? "";
        for (const line of lines) this.sink(stream, line);
    }

    /** Flushes a last line that had no newline. */
    finish(): void {
        for (const stream of ["stdout", "stderr"] as const) {
            if (this.partial[stream]) this.sink(stream, this.partial[stream]);
            this.partial[stream] = "";
        }
    }

    get stdout(): string {
        return trimOneNewline(this.chunks.stdout.join(""));
    }

    get stderr(): string {
        return trimOneNewline(this.chunks.stderr.join(""));
    }

    /** The official provider's error: `<err>: running "<cmd>":\n<stdout and stderr interleaved>`. */
    failure(err: Error, command: string): Error {
        return new Error(`${err.message}: running ${JSON.stringify(command)}:\n${this.combined}`);
    }
}
