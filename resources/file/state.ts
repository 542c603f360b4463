// lvs:host:File's inputs and state: a file the host must have, with exactly this content.
import { z } from "zod";
import { hostNameSchema } from "../../src/spec";

const PATH = /^\/[A-Za-z0-9_./-]+$/;

export const fileFields = {
    /** The host's name in pulumi-lvs (its state directory). */
    hostName: hostNameSchema,
    /** Absolute path. */
    path: z.string().regex(PATH, { error: (iss) => `${JSON.stringify(iss.input)} is not an absolute file path` }),
    /** The file's text; the file found before is put back on delete. */
    content: z.string(),
};

export const fileSchema: z.ZodObject<typeof fileFields> = z.object(fileFields);

export type FileInputs = z.input<typeof fileSchema>;
export type FileState = z.output<typeof fileSchema>;
/** What the scripts are given. */
export type FileFact = FileState;
