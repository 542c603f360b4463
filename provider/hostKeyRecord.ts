// Trust on first use, kept in the stack's state: a resource whose connection
// pins no host key records the key its host presented (`sshHostKey`, as a
// known_hosts line: "[host]:port TYPE KEY", or "host TYPE KEY" on port 22), and every later operation on it
// requires that key from the same host and port. A connection that pins a key
// (the settings' ssh.hostKey, or a known_hosts file) is checked against that
// instead, and its key is recorded the same way.

import { knownHostsName } from "../src/hostKey";

/** The state property that holds the recorded key. */
export const HOST_KEY_PROPERTY = "sshHostKey";

interface SshTarget {
    host: string;
    port: number;
}

function sshTarget(connection: unknown): (SshTarget & { hostKey?: unknown }) | undefined {
    if (typeof connection !== "object" || connection === null || "docker" in connection) return undefined;
    const c = connection as { host?: unknown; port?: unknown; hostKey?: unknown };
    return typeof c.host === "string" ? { host: c.host, port: typeof c.port === "number" ? c.port : 22, hostKey: c.hostKey } : undefined;
}

/**
 * The connection to use: as given when it pins a key or is not SSH; else with the key recorded for the
 * same host and port, if any (`fromState` then says so, for the error a changed key gets).
 */
export function withRecordedKey(connection: unknown, recorded: unknown): { connection: unknown; fromState: boolean } {
    const target = sshTarget(connection);
    if (!target || target.hostKey !== undefined || typeof recorded !== "string") return { connection, fromState: false };
    const [name, type, key] = recorded.split(" ");
    if (name !== knownHostsName(target.host, target.port) || !type || !key) return { connection, fromState: false };
    return { connection: { ...(connection as object), hostKey: `${type} ${key}` }, fromState: true };
}

/** The property recording `presented` (the key the host showed, authorized_keys form), or nothing. */
export function recordedKey(connection: unknown, presented: string | undefined): Record<string, string> {
    const target = sshTarget(connection);
    return target && presented ? { [HOST_KEY_PROPERTY]: `${knownHostsName(target.host, target.port)} ${presented}` } : {};
}
