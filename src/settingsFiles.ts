// The files the stack's settings name, read from the local file system for
// config.ts (which only sees them through its ParseEnvironment): the SSH
// private key and the known_hosts file. Shared by the program's stack settings
// and `npm run status`, so that both say the same about the same file.
import * as fs from "node:fs";
import * as os from "node:os";
import type { KeyFileState, ParseEnvironment } from "./config";
import { privateKeyProblem } from "./sshKey";

export function inspectKeyFile(file: string): KeyFileState {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        return "missing";
    }
    if (stat.isDirectory()) return "directory";
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return "unreadable";
    }
    const problem = privateKeyProblem(text);
    return problem ? { problem } : "ok";
}

export function readKnownHostsFile(file: string): string | { problem: string } {
    try {
        return fs.readFileSync(file, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return {
            problem:
                code === "ENOENT"
                    ? "not found: for the lab stacks run `npm run lab -- up` (it writes the lab's), otherwise point it at yours (~/.ssh/known_hosts)"
                    : code === "EISDIR"
                      ? "is a directory: point it at the known_hosts file"
                      : "cannot be read: check its permissions",
        };
    }
}

/** The parts of a ParseEnvironment that read the local file system, relative to `projectDir`. */
export function localFiles(projectDir: string): Pick<ParseEnvironment, "projectDir" | "inspectKeyFile" | "readKnownHostsFile" | "homeDir"> {
    return { projectDir, inspectKeyFile, readKnownHostsFile, homeDir: os.homedir() };
}
