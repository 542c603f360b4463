// Host keys in the settings: the keys themselves (checked against OpenSSH's
// own tools: fingerprints from ssh-keygen, hashed names from `ssh-keygen -H`),
// a known_hosts file's entries for a host and port, and what the settings
// make of them.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseClusterConfig } from "../../src/config";
import { fingerprint, hostKeyProblem, knownHostKeys, parseHostKeys } from "../../src/hostKey";
import { keyFileEnv, problemsOf, tutorialConfig } from "../support/specs";

/** A fresh key pair's public half (authorized_keys form, with its comment), of `type`. */
function publicKey(type: "ed25519" | "ecdsa" | "rsa"): string {
    const dir = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-hostkey-"));
    try {
        execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "root@host", "-f", path.join(dir, "k")]);
        return readFileSync(path.join(dir, "k.pub"), "utf8").trim();
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

const ED25519 = publicKey("ed25519");
const ECDSA = publicKey("ecdsa");
const bare = (key: string) => key.split(" ").slice(0, 2).join(" ");

describe("host keys", () => {
    it("parses keys of every type sshd offers, one per line, comments ignored, and fingerprints them as ssh-keygen does", () => {
        const rsa = publicKey("rsa");
        const parsed = parseHostKeys(`${ED25519}\n# a comment\n\n${ECDSA}\n${rsa}\n`);
        expect(parsed).toEqual([ED25519, ECDSA, rsa].map((k) => ({ type: k.split(" ")[0], base64: k.split(" ")[1] })));
        for (const key of [ED25519, ECDSA, rsa]) {
            const expected = execFileSync("ssh-keygen", ["-l", "-f", "-"], { input: key, encoding: "utf8" }).split(" ")[1];
            expect(fingerprint(key.split(" ")[1]!)).toBe(expected);
        }
    });

    it("says what is wrong with a text that is not a host key", () => {
        expect(hostKeyProblem("")).toMatch(/^is empty: give the host's key/);
        expect(hostKeyProblem("AAAAC3NzaC1lZDI1NTE5AAAAI")).toMatch(/is not a host key: give "TYPE KEY"/);
        expect(hostKeyProblem(`ssh-rsa ${ED25519.split(" ")[1]}`)).toBe(
            "the ssh-rsa key is not valid base64 of a ssh-rsa key (copy the whole line)",
        );
        expect(hostKeyProblem("ssh-ed25519 not*base64")).toMatch(/not valid base64/);
        expect(hostKeyProblem(ED25519)).toBeUndefined();
    });

    it("finds a host's keys in known_hosts: plain or hashed names, [host]:port, name lists; markers and other hosts skipped", () => {
        const dir = mkdtempSync(path.join(tmpdir(), "pulumi-lvs-known-hosts-"));
        try {
            const file = path.join(dir, "known_hosts");
            writeFileSync(file, `[10.0.0.1]:2222 ${bare(ED25519)}\n`);
            execFileSync("ssh-keygen", ["-q", "-H", "-f", file]);
            const hashed = readFileSync(file, "utf8");
            expect(hashed).toMatch(/^\|1\|/);
            expect(knownHostKeys(hashed, "10.0.0.1", 2222)).toBe(bare(ED25519));
            expect(knownHostKeys(hashed, "10.0.0.1", 22)).toBeUndefined();
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
        const plain = [
            `web1,10.0.0.2 ${bare(ED25519)}`,
            `web1 ${bare(ECDSA)}`,
            `@revoked web1 ${bare(publicKey("ed25519"))}`,
            `[web1]:2200 ${bare(publicKey("ed25519"))}`,
            "# web1 ssh-ed25519 AAAA",
        ].join("\n");
        expect(knownHostKeys(plain, "web1", 22)).toBe(`${bare(ED25519)}\n${bare(ECDSA)}`);
        expect(knownHostKeys(plain, "10.0.0.2", 22)).toBe(bare(ED25519));
        expect(knownHostKeys(plain, "web2", 22)).toBeUndefined();
    });
});

describe("host keys in the stack's settings", () => {
    it("a key pinned for a host reaches its endpoint; a known_hosts file gives the others theirs", () => {
        const config = tutorialConfig();
        (config.director.ssh as Record<string, unknown>).hostKey = ED25519;
        (config.ssh as Record<string, unknown>).knownHostsFile = "lab/known_hosts";
        const knownHosts = `[127.0.0.1]:2222 ${bare(ECDSA)}\n[127.0.0.1]:2223 ${bare(ED25519)}\n`;
        const read: string[] = [];
        const { spec } = parseClusterConfig(config, { ...keyFileEnv, readKnownHostsFile: (f) => (read.push(f), knownHosts) });
        expect(read).toEqual(["/project/lab/known_hosts"]);
        expect(spec.director.ssh.hostKey).toBe(ED25519);
        expect(spec.realServers.map((rs) => rs.ssh.hostKey)).toEqual([bare(ECDSA), bare(ED25519)]);
    });

    it("a known_hosts path that starts with ~/ is in the user's home", () => {
        const config = tutorialConfig();
        (config.ssh as Record<string, unknown>).knownHostsFile = "~/.ssh/known_hosts";
        const read: string[] = [];
        const knownHosts = [2221, 2222, 2223].map((port) => `[127.0.0.1]:${port} ${bare(ED25519)}`).join("\n");
        parseClusterConfig(config, { ...keyFileEnv, homeDir: "/home/you", readKnownHostsFile: (f) => (read.push(f), knownHosts) });
        expect(read).toEqual(["/home/you/.ssh/known_hosts"]);
    });

    it("no key is set when neither is given (trust on first use, kept in the state)", () => {
        const { spec } = parseClusterConfig(tutorialConfig(), keyFileEnv);
        expect([spec.director, ...spec.realServers].map((h) => h.ssh.hostKey)).toEqual([undefined, undefined, undefined]);
    });

    it("a host the known_hosts file does not name, a file that cannot be read, and a key that is not one are refused", () => {
        const knownHosts = `[127.0.0.1]:2221 ${bare(ED25519)}\n[127.0.0.1]:2222 ${bare(ED25519)}\n`;
        expect(
            problemsOf(tutorialConfig(), (c) => ((c.ssh as Record<string, unknown>).knownHostsFile = "/etc/ssh/ssh_known_hosts"), {
                ...keyFileEnv,
                readKnownHostsFile: () => knownHosts,
            }),
        ).toEqual([
            "lvs:realServers[1].ssh: /etc/ssh/ssh_known_hosts (lvs:ssh.knownHostsFile) has no key for 127.0.0.1 port 2223: " +
                "add it there once you have checked its fingerprint (ssh-keyscan -p 2223 127.0.0.1 | ssh-keygen -lf -), " +
                "or pin it in lvs:realServers[1].ssh.hostKey",
        ]);
        expect(
            problemsOf(tutorialConfig(), (c) => ((c.ssh as Record<string, unknown>).knownHostsFile = "missing"), {
                ...keyFileEnv,
                readKnownHostsFile: () => ({ problem: "not found: …" }),
            }),
        ).toEqual(["lvs:ssh.knownHostsFile: /project/missing not found: …"]);
        expect(problemsOf(tutorialConfig(), (c) => ((c.director.ssh as Record<string, unknown>).hostKey = "AAAA"))).toEqual([
            'lvs:director.ssh.hostKey: "AAAA" is not a host key: give "TYPE KEY" as in /etc/ssh/ssh_host_ed25519_key.pub',
        ]);
    });
});
