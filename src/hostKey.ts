// Host keys: how pulumi-lvs knows it reaches the host it means. A key is
// given in authorized_keys form ("ssh-ed25519 AAAA…", several on lines of
// their own for a host with several key types), pinned in the settings or read
// from an OpenSSH known_hosts file (plain or hashed names, `[host]:port` for a
// port other than 22); without either, the key a host presents first is kept
// in the stack's state and required from then on (see provider/server.ts).
import { createHash, createHmac } from "node:crypto";

/** The key types OpenSSH's sshd offers (and ssh2 verifies). */
const KEY_TYPES = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

export interface PublicKey {
    type: string;
    /** The key blob, base64 as in authorized_keys. */
    base64: string;
}

/** The type a key blob names itself (its first SSH string), or undefined when it is not a key blob. */
function blobType(blob: Buffer): string | undefined {
    if (blob.length < 4) return undefined;
    const length = blob.readUInt32BE(0);
    return length > 0 && 4 + length <= blob.length ? blob.subarray(4, 4 + length).toString("latin1") : undefined;
}

/** One key of `text`'s lines ("TYPE BASE64 [comment]"), or why a line is not one. */
export function parseHostKeys(text: string): PublicKey[] | { problem: string } {
    const keys: PublicKey[] = [];
    for (const line of text.split("\n").map((l) => l.trim())) {
        if (!line || line.startsWith("#")) continue;
        const [type, base64] = line.split(/\s+/);
        if (!type || !KEY_TYPES.includes(type))
            return {
                problem: `${JSON.stringify(line.slice(0, 40))} is not a host key: give "TYPE KEY" as in /etc/ssh/ssh_host_ed25519_key.pub`,
            };
        const blob = /^[A-Za-z0-9+/]+={0,2}$/.test(base64 ?? "") ? Buffer.from(base64!, "base64") : Buffer.alloc(0);
        if (blobType(blob) !== type) return { problem: `the ${type} key is not valid base64 of a ${type} key (copy the whole line)` };
        keys.push({ type, base64: blob.toString("base64") });
    }
    return keys.length > 0 ? keys : { problem: "is empty: give the host's key, as in /etc/ssh/ssh_host_ed25519_key.pub" };
}

/** Why `text` is not one or more host keys, or undefined when it is. */
export function hostKeyProblem(text: string): string | undefined {
    const parsed = parseHostKeys(text);
    return "problem" in parsed ? parsed.problem : undefined;
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` and the digest in base64 without padding. */
export function fingerprint(base64: string): string {
    return `SHA256:${createHash("sha256").update(Buffer.from(base64, "base64")).digest("base64").replace(/=+$/, "")}`;
}

/** A key blob (as presented in the handshake) in authorized_keys form. */
export function authorizedKeyOf(blob: Buffer): string {
    return `${blobType(blob) ?? "unknown"} ${blob.toString("base64")}`;
}

/** How known_hosts names a host on a port: `host`, or `[host]:port` when the port is not 22. */
export function knownHostsName(host: string, port: number): string {
    return port === 22 ? host : `[${host}]:${port}`;
}

/** The command that prints the fingerprints of the keys a host presents, for a user to check them. */
export function fingerprintCommand(host: string, port: number): string {
    return `ssh-keyscan${port === 22 ? "" : ` -p ${port}`} ${host} | ssh-keygen -lf -`;
}

/** Whether one name pattern of a known_hosts line (plain, or hashed as `|1|salt|hash`) is `name`. */
function namesHost(pattern: string, name: string): boolean {
    const hashed = /^\|1\|([^|]+)\|(.+)$/.exec(pattern);
    if (!hashed) return pattern === name;
    return createHmac("sha1", Buffer.from(hashed[1]!, "base64")).update(name).digest("base64") === hashed[2];
}

/**
 * The keys a known_hosts file holds for `host` on `port`, in authorized_keys form (one per line), or
 * undefined when it names the host nowhere. Revoked keys and certificate authorities (`@` markers) are
 * not host keys: such lines are skipped.
 */
export function knownHostKeys(knownHosts: string, host: string, port: number): string | undefined {
    const name = knownHostsName(host, port);
    const keys = knownHosts
        .split("\n")
        .map((line) => line.trim().split(/\s+/))
        .filter(([names, type, key]) => names && !names.startsWith("#") && !names.startsWith("@") && type && key)
        .filter(([names]) => names!.split(",").some((pattern) => namesHost(pattern, name)))
        .map(([, type, key]) => `${type} ${key}`);
    return keys.length > 0 ? keys.join("\n") : undefined;
}
