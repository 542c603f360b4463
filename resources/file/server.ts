// The provider's half of lvs:host:File: a file with exactly this content; the file found before is put back on delete.
// Its scripts (./scripts.ts) converge, read and undo it as a whole.
import { scripted } from "../../provider/fact";
import { fileScripts, parseFileRead } from "./scripts";
import { fileSchema, FileState } from "./state";

export const fileFact = scripted<FileState>({
    type: "lvs:host:File",
    schema: fileSchema,
    replaceOn: ["hostName", "path"],
    hostName: (d) => d.hostName,
    scripts: (d) => fileScripts(d),
    live: (stdout, state) => ({ content: parseFileRead(stdout, state).content }),
});
