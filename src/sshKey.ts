// Whether a text is an SSH private key the hosts can be reached with, checked
// before anything runs so that a wrong file fails the preview, not the first
// SSH dial. ssh2's parser is the one the providers use to connect.
import { utils } from "ssh2";

/** Why `text` is not a usable SSH private key, or undefined when it is one. */
export function privateKeyProblem(text: string): string | undefined {
    const parsed = utils.parseKey(text);
    if (parsed instanceof Error) {
        if (/encrypted/i.test(parsed.message))
            return "is encrypted with a passphrase: use a key without one (for example a dedicated deploy key)";
        return "is not an SSH private key (OpenSSH or PEM format, such as ~/.ssh/id_ed25519)";
    }
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || !key.isPrivateKey()) return "is a public key: give the private key (the file without .pub)";
    return undefined;
}
