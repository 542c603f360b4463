// The directory of this user's own, under the temp directory, where the lvs
// provider keeps what outlives one plugin process: the connection keeper's
// socket (keptSsh.ts) and the warm spares' announcements (spares.ts). Both
// let whoever can write there run commands as the hosts' root, so a directory
// someone else owns, or others may enter, is refused.
import { lstatSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** `<tmp>/pulumi-lvs-ssh-<uid>`, created 0700 if missing, or undefined when it is not this user's alone. */
export function privateRunDir(root = tmpdir()): string | undefined {
    const uid = process.getuid?.() ?? 0;
    const dir = path.join(root, `pulumi-lvs-ssh-${uid}`);
    try {
        mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
    }
    const stat = lstatSync(dir);
    if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) return undefined;
    return dir;
}
