// Input shapes of command:local:Command and command:remote:Command, and the
// provider's Check step: type checks plus the connection defaults that the
// official provider applies (port 22, user root, 10 dial errors, 15 s per dial).
import { CheckFailure, CheckResult } from "@pulumi/pulumi/provider";
import { containsUnknown, reveal, secret, unknownValue } from "../../../../pluginKit/rpcValues";
import { Connection } from "../../../../pluginKit/ssh";

export type { Connection };

export const LOGGING_MODES = ["stdout", "stderr", "stdoutAndStderr", "none"] as const;
export type Logging = (typeof LOGGING_MODES)[number];

/** Inputs shared by both command resources, after secrets are revealed. */
export interface CommandInputs {
    triggers?: unknown[];
    create?: string;
    update?: string;
    delete?: string;
    stdin?: string;
    logging?: Logging;
    environment?: Record<string, string>;
    addPreviousOutputInEnv?: boolean;
}

export interface RemoteCommandInputs extends CommandInputs {
    connection: Connection;
}

export interface LocalCommandInputs extends CommandInputs {
    interpreter?: string[];
    dir?: string;
}

export type CommandKind = "local" | "remote";

/** The input properties of each resource, in the order the provider reads them. */
export const INPUT_KEYS: Record<CommandKind, readonly string[]> = {
    remote: ["triggers", "create", "update", "delete", "stdin", "logging", "environment", "addPreviousOutputInEnv", "connection"],
    local: [
        "triggers",
        "create",
        "update",
        "delete",
        "stdin",
        "logging",
        "environment",
        "addPreviousOutputInEnv",
        "interpreter",
        "dir",
        "assetPaths",
        "archivePaths",
    ],
};

const CONNECTION_DEFAULTS = { port: 22, user: "root", dialErrorLimit: 10, perDialTimeout: 15 };

function withConnectionDefaults(raw: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...raw };
    for (const [k, v] of Object.entries(CONNECTION_DEFAULTS)) {
        if (out[k] === undefined || out[k] === null) out[k] = v;
    }
    if (out.proxy !== undefined && out.proxy !== null && typeof out.proxy === "object") {
        out.proxy = withConnectionDefaults(out.proxy as Record<string, unknown>);
    }
    return out;
}

type Rule = (value: unknown) => string | undefined;
const isString: Rule = (v) => (typeof v === "string" ? undefined : "must be a string");
const isBoolean: Rule = (v) => (typeof v === "boolean" ? undefined : "must be a boolean");
const isNumber: Rule = (v) => (typeof v === "number" && Number.isFinite(v) ? undefined : "must be a number");
const isArray: Rule = (v) => (Array.isArray(v) ? undefined : "must be a list");
const isStringArray: Rule = (v) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? undefined : "must be a list of strings");
const isStringMap: Rule = (v) =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string")
        ? undefined
        : "must be a map of strings";
const isLogging: Rule = (v) =>
    (LOGGING_MODES as readonly unknown[]).includes(v) ? undefined : `must be one of ${LOGGING_MODES.join(", ")}`;

const COMMON_RULES: Record<string, Rule> = {
    triggers: isArray,
    create: isString,
    update: isString,
    delete: isString,
    stdin: isString,
    logging: isLogging,
    environment: isStringMap,
    addPreviousOutputInEnv: isBoolean,
};

const CONNECTION_RULES: Record<string, Rule> = {
    host: isString,
    port: isNumber,
    user: isString,
    password: isString,
    privateKey: isString,
    privateKeyPassword: isString,
    agentSocketPath: isString,
    dialErrorLimit: isNumber,
    perDialTimeout: isNumber,
    hostKey: isString,
};

function checkFields(prefix: string, value: Record<string, unknown>, rules: Record<string, Rule>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    for (const [key, rule] of Object.entries(rules)) {
        // Secret-wrapped values are checked by what they hold (as the official provider accepts them).
        const raw = value[key];
        if (raw === undefined || raw === null || containsUnknown(raw)) continue;
        const v = reveal(raw);
        const reason = rule(v);
        if (reason) failures.push({ property: prefix + key, reason: `${prefix + key} ${reason}` });
    }
    return failures;
}

function checkConnection(prefix: string, conn: Record<string, unknown>): CheckFailure[] {
    const failures = checkFields(prefix, conn, CONNECTION_RULES);
    if (conn.host === undefined || conn.host === null || conn.host === "") {
        failures.push({ property: `${prefix}host`, reason: `missing required property '${prefix}host'` });
    }
    const proxy = conn.proxy;
    if (proxy !== undefined && proxy !== null && !containsUnknown(proxy)) {
        if (typeof proxy !== "object" || Array.isArray(proxy)) {
            failures.push({ property: `${prefix}proxy`, reason: `${prefix}proxy must be an object` });
        } else {
            failures.push(...checkConnection(`${prefix}proxy.`, proxy as Record<string, unknown>));
        }
    }
    return failures;
}

/**
 * The provider's Check: validates the new inputs and applies the connection
 * defaults. The connection always comes back secret, as with the official
 * provider, whatever the program marked.
 */
export function checkInputs(kind: CommandKind, news: Record<string, unknown>): CheckResult {
    const failures = checkFields("", news, COMMON_RULES);
    const inputs: Record<string, unknown> = { ...news };
    if (kind === "remote") {
        const raw = news.connection;
        if (raw === undefined || raw === null) {
            failures.push({ property: "connection", reason: "missing required property 'connection'" });
        } else {
            // A wholly unknown connection (preview) is checked again once known.
            const plain = reveal(raw);
            if (plain === unknownValue) {
                // nothing to check yet
            } else if (typeof plain !== "object" || plain === null || Array.isArray(plain)) {
                failures.push({ property: "connection", reason: "connection must be an object" });
            } else {
                failures.push(...checkConnection("connection.", plain));
                inputs.connection = secret(withConnectionDefaults(plain));
            }
        }
    } else {
        failures.push(...checkFields("", news, { interpreter: isStringArray, dir: isString }));
        for (const key of ["assetPaths", "archivePaths"]) {
            if (news[key] !== undefined && news[key] !== null) {
                failures.push({
                    property: key,
                    reason:
                        `${key} is not supported by pulumi-lvs's offline command plugin; ` +
                        "install the official pulumi-resource-command plugin to use it",
                });
            }
        }
    }
    return { inputs, failures };
}
