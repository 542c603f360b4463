// A container's `uploads`, as the official provider copies them before the
// container starts: one tar per file, unpacked at `/` (the daemon creates the
// parent directories), mode 0644, 0744 if executable, or the given octal mode.
import { pack } from "tar-stream";

export interface Upload {
    file: string;
    content?: string;
    contentBase64?: string;
    executable: boolean;
    permissions?: string;
}

export function uploadProblem(upload: Upload): string | undefined {
    const given = [upload.content, upload.contentBase64].filter((v) => v !== undefined).length;
    if (given === 0) return "error with upload content: one of 'content', 'content_base64', or 'source' must be set";
    if (given > 1) return "error with upload content: only one of 'content', 'content_base64', or 'source' can be set";
    return undefined;
}

function modeOf(upload: Upload): number {
    if (upload.permissions) return parseInt(upload.permissions, 8);
    return upload.executable ? 0o744 : 0o644;
}

/** The tar stream of one upload (the path made relative to `/`). */
export function uploadTar(upload: Upload): Promise<Buffer> {
    const body =
        upload.contentBase64 !== undefined ? Buffer.from(upload.contentBase64, "base64") : Buffer.from(upload.content ?? "", "utf8");
    const tar = pack();
    tar.entry({ name: upload.file.replace(/^\/+/, ""), mode: modeOf(upload), uid: 0, gid: 0, size: body.length }, body);
    tar.finalize();
    const chunks: Buffer[] = [];
    return new Promise((resolve, reject) => {
        tar.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
        tar.on("end", () => resolve(Buffer.concat(chunks)));
        tar.on("error", reject);
    });
}
