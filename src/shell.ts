// Shell text for commands that run on hosts. Values reach a script only
// through the `sh` template tag, which quotes every interpolated string as one
// word (numbers must be finite); script fragments are passed as `raw(...)`.
// Values are also validated before any script is built (validate.ts), so a
// value can never become shell syntax. Interpolations stand as words of their
// own, never inside double quotes or here-documents: `"$state"/${name}.orig`.
//
// POSIX single quoting is one line; a library (shell-quote) would add a
// dependency and backslash-escaping that is harder to read in a reviewed script.

/** Quotes a value as one POSIX shell word. */
export function shellQuote(value: string): string {
    return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A piece of script to splice in as is (it is shell, not a value). */
export class Raw {
    constructor(readonly text: string) {}
    toString(): string {
        return this.text;
    }
}

export function raw(text: string): Raw {
    return new Raw(text);
}

export type ShellValue = string | number | Raw;

function render(value: ShellValue): string {
    if (value instanceof Raw) return value.text;
    if (typeof value === "number") {
        if (!Number.isFinite(value)) throw new Error(`not a number for a script: ${value}`);
        return String(value);
    }
    return shellQuote(value);
}

/** A line of shell in which every interpolated value is quoted: sh`ip address replace ${cidr} dev ${iface}`. */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): string {
    return strings.reduce((out, text, i) => out + text + (i < values.length ? render(values[i]!) : ""), "");
}

/** Several values as separate quoted words. */
export function words(values: readonly string[]): Raw {
    return raw(values.map(shellQuote).join(" "));
}

/**
 * A script run as root by POSIX sh, whatever the user's login shell: `sh -c`
 * for root, else through non-interactive sudo.
 */
export function asRoot(script: string, user: string): string {
    return `${rootShell(user)} -c ${shellQuote(script)}`;
}

/** POSIX sh as root, for `user`: itself for root, else through non-interactive sudo. */
export function rootShell(user: string): string {
    return user === "root" ? "sh" : "sudo -n sh";
}

/** Joins script lines, dropping empty entries so optional lines can be `""` or `false`. */
export function lines(...parts: (string | false | undefined)[]): string {
    return parts.filter((p): p is string => typeof p === "string" && p !== "").join("\n") + "\n";
}

/** Shell that writes `content` to `path` atomically, each line a quoted printf argument (no here-document to escape). */
export function writeFile(path: string, content: string): string {
    const body = content.endsWith("\n") ? content.slice(0, -1) : content;
    return sh`printf '%s\\n' ${words(body.split("\n"))} > ${path}.new && mv ${path}.new ${path}`;
}
