// lvs:host:File's inputs and state: a file the host must have, with exactly this content.
import { z } from "zod";
import { hostNameSchema, localFileSchema } from "../../src/spec";

const PATH = /^\/[A-Za-z0-9_./-]+$/;

export const fileFields = {
    /** The host's name in pulumi-lvs (its state directory). */
    hostName: hostNameSchema,
    /** Absolute path. */
    path: z.string().regex(PATH, { error: (iss) => `${JSON.stringify(iss.input)} is not an absolute file path` }),
    /** The file's text; the file found before is put back on delete. */
    content: z.string().optional(),
    /**
     * Or the text of a local file, by its path and SHA-256 as the program read it: the state and the diff hold
     * these two alone (a large page stays out of both); the file is read again when it is written, and must
     * still have that digest. A refresh compares the host's copy by its digest.
     */
    contentFile: localFileSchema.optional(),
};

export const fileSchema: z.ZodObject<typeof fileFields> = z
    .object(fileFields)
    .refine((f) => (f.content === undefined) !== (f.contentFile === undefined), {
        error: "give the file's content or its contentFile (one of the two)",
        path: ["content"],
    });

export type FileInputs = z.input<typeof fileSchema>;
export type FileState = z.output<typeof fileSchema>;
/** What the scripts are given. */
export type FileFact = FileState;
