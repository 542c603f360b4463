// The files the stack's settings name, read from the local file system for
// config.ts (which only sees them through its ParseEnvironment): the SSH
// private key, the known_hosts file and the real servers' page files. Shared
// by the program's stack settings and `npm run status`, so that both say the
// same about the same file.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { KeyFileState, ParseEnvironment } from "./config";
import type { LocalFile } from "./spec";
import { privateKeyProblem } from "./sshKey";

/** The largest page file (bytes): a test page, written over SSH in one piece. */
export const PAGE_FILE_MAX = 16 * 1024 * 1024;

/** A page file's digest and size, or why it cannot be the page. */
export function inspectPageFile(file: string): { sha256: string; bytes: number } | { problem: string } {
    let bytes: Buffer;
    try {
        if (fs.statSync(file).isDirectory()) return { problem: "is a directory: give the file with the page" };
        bytes = fs.readFileSync(file);
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return {
            problem: code === "ENOENT" ? "not found: check the path (relative to the project)" : "cannot be read: check its permissions",
        };
    }
    if (bytes.length > PAGE_FILE_MAX) return { problem: `is ${bytes.length} bytes, over the ${PAGE_FILE_MAX} a page file may have` };
    // The page is written as text: a file that is not UTF-8 would not arrive as it is.
    if (!Buffer.from(bytes.toString("utf8"), "utf8").equals(bytes)) return { problem: "is not UTF-8 text" };
    return { sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
}

/**
 * A real server's `pageFile` in a program of your own: the file read now, by its absolute path and digest
 * (what the state keeps); the provider reads it again when it writes the page.
 */
export function pageFileOf(file: string): LocalFile {
    const resolved = path.resolve(file);
    const found = inspectPageFile(resolved);
    if ("problem" in found) throw new Error(`pageFile: ${resolved} ${found.problem}`);
    return { path: resolved, sha256: found.sha256 };
}

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
export function localFiles(
    projectDir: string,
): Pick<ParseEnvironment, "projectDir" | "inspectKeyFile" | "readKnownHostsFile" | "homeDir" | "inspectPageFile"> {
    return { projectDir, inspectKeyFile, readKnownHostsFile, homeDir: os.homedir(), inspectPageFile };
}
