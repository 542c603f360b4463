// Shell text for commands that run on hosts. Every value interpolated into a
// script is validated first (config.ts) and quoted here as well, so a value
// can never become shell syntax.
//
// POSIX single quoting is one line; a library (shell-quote) would add a
// dependency and backslash-escaping that is harder to read in `pulumi preview`.

/** Quotes a value as one POSIX shell word. */
export function shellQuote(value: string): string {
    return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A script run as root: as is when the SSH user is root, else through non-interactive sudo. */
export function asRoot(script: string, user: string): string {
    return user === "root" ? script : `sudo -n sh -c ${shellQuote(script)}`;
}

/** Joins script lines, dropping empty entries so optional lines can be `""`. */
export function lines(...parts: (string | false | undefined)[]): string {
    return parts.filter((p): p is string => typeof p === "string" && p !== "").join("\n") + "\n";
}
