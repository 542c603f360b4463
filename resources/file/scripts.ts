// A file a host must have with exactly this content (a real server's test
// page), written from standard input. The file found before is kept and put
// back on delete; directories the write had to create are removed again.
import * as path from "node:path";
import { lines, raw, sh } from "../../src/shell";
import { CLEAN_STATE, FactScripts, fileHolds, preamble } from "../../src/hostScript";
import type { FileFact } from "./state";

/** Contents up to this size are compared on the host by the read script itself (it travels in the script). */
const COMPARED_IN_SHELL_MAX = 8 * 1024;

export interface FileLive {
    /** The content found; absent when there is no such file. */
    content?: string;
}

/**
 * A fact that names a local file (contentFile) has its text as `content` when it is written: the provider
 * reads the file then (resources/file/server.ts); the read and undo scripts need none.
 */
export function fileScripts(fact: FileFact): FactScripts {
    const file = fact.path;
    const dir = path.posix.dirname(file);
    // Named after the file, as earlier versions named the test page's records.
    const saved = raw(`"$state"/${sh`${path.posix.basename(file)}`}`);
    const sendContent = fact.contentFile
        ? // A local file's copy is told by its digest: the content never travels back.
          sh`[ -f ${file} ]; then printf 'sha256 '; sha256sum < ${file} | cut -d ' ' -f 1`
        : sh`[ -f ${file} ]; then printf 'content '; base64 -w 0 < ${file}; echo`;
    // The wanted content, when the file holds it, is told by the shell alone: no base64
    // process on every host of every refresh (a large content is not put in the script).
    const content = fact.content;
    const comparedInShell = content !== undefined && content.length <= COMPARED_IN_SHELL_MAX && !content.includes("\0");
    return {
        apply: lines(
            preamble(fact.hostName),
            'mkdir -p "$state"',
            sh`if [ ! -e ${saved}.orig ] && [ ! -e ${saved}.created ]; then`,
            sh`    if [ -e ${file} ]; then cp -p ${file} ${saved}.orig; else touch ${saved}.created; fi`,
            "fi",
            sh`if [ ! -d ${dir} ] && [ ! -e ${saved}.dirs ]; then`,
            sh`    d=${dir}; while [ ! -d "$d" ]; do echo "$d"; d=$(dirname "$d"); done > ${saved}.dirs`,
            "fi",
            sh`mkdir -p ${dir}`,
            sh`cat > ${file}.new && chmod 644 ${file}.new && mv ${file}.new ${file}`,
        ),
        read: lines(
            preamble(fact.hostName),
            comparedInShell
                ? `if ${fileHolds(file, content, true)}; then echo "content as-wanted"; elif ${sendContent}; fi`
                : `if ${sendContent}; fi`,
        ),
        remove: lines(
            preamble(fact.hostName),
            sh`if [ -e ${saved}.orig ]; then mv ${saved}.orig ${file}; else rm -f ${file}; fi`,
            sh`rm -f ${saved}.created`,
            sh`if [ -e ${saved}.dirs ]; then while read -r d; do rmdir "$d" 2>/dev/null || true; done < ${saved}.dirs; ` +
                sh`rm -f ${saved}.dirs; fi`,
            CLEAN_STATE,
        ),
        stdin: fact.content ?? "",
    };
}

export function parseFileRead(stdout: string, fact: FileFact): FileLive {
    if (/^content as-wanted$/m.test(stdout)) return { content: fact.content };
    const m = /^content (\S*)$/m.exec(stdout);
    return m ? { content: Buffer.from(m[1]!, "base64").toString("utf8") } : {};
}

/** The digest of a local file's copy on the host (contentFile); absent when there is no such file. */
export function parseFileDigest(stdout: string): string | undefined {
    return /^sha256 ([0-9a-f]{64})$/m.exec(stdout)?.[1];
}
