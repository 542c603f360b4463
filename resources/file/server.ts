// The provider's half of lvs:host:File: a file with exactly this content; the file found before is put back on delete.
// Its scripts (./scripts.ts) converge, read and undo it as a whole. A file given as a local file (contentFile) is
// read here when it is written, and must still have the digest the program read.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { defineFact, scripted } from "../../provider/fact";
import type { LocalFile } from "../../src/spec";
import { fileScripts, parseFileDigest, parseFileRead } from "./scripts";
import { fileSchema, FileState } from "./state";

const asScripted = scripted<FileState>({
    type: "lvs:host:File",
    schema: fileSchema,
    replaceOn: ["hostName", "path"],
    hostName: (d) => d.hostName,
    scripts: (d) => fileScripts(d),
    live: (stdout, state) => {
        if (!state.contentFile) return { content: parseFileRead(stdout, state).content };
        const sha256 = parseFileDigest(stdout);
        return { contentFile: sha256 ? { path: state.contentFile.path, sha256 } : undefined };
    },
});

/** The text of a local file, which must still be what the program read (its digest). */
export function localFileText(file: LocalFile, hostName: string): string {
    let bytes: Buffer;
    try {
        bytes = readFileSync(file.path);
    } catch (err) {
        throw new Error(
            `${hostName}: cannot read ${file.path} (${(err as NodeJS.ErrnoException).code ?? "error"}): it was there when the program ran`,
            { cause: err },
        );
    }
    const now = createHash("sha256").update(bytes).digest("hex");
    if (now !== file.sha256)
        throw new Error(
            `${hostName}: ${file.path} changed since the program read it (sha256 ${file.sha256.slice(0, 12)}…, now ` +
                `${now.slice(0, 12)}…): run pulumi up again to write what it holds now`,
        );
    return bytes.toString("utf8");
}

/** The fact, with a local file's text read when it is written. */
export const fileFact = defineFact<FileState>({
    ...asScripted,
    create: async (ctx, d) => asScripted.create(ctx, withText(d)),
    update: async (ctx, olds, d) => asScripted.update(ctx, olds, withText(d)),
});

function withText(d: FileState): FileState {
    return d.contentFile ? { ...d, content: localFileText(d.contentFile, d.hostName) } : d;
}
