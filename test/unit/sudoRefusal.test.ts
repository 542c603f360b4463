// A user other than root runs every script through `sudo -n`; when sudo is
// missing or wants a password, the script's own run says so (no extra session
// to ask first), and that must not be mistaken for a script's failure.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SshTransport, sudoRefusal } from "../../provider/host";
import { asRoot } from "../../src/shell";

function runAs(user: string, script: string, path: string) {
    const r = spawnSync("/bin/sh", ["-c", asRoot(script, user)], { encoding: "utf8", env: { PATH: path } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("sudoRefusal", () => {
    it("tells a host without sudo from the shell's own answer", () => {
        // A PATH with sh but no sudo, as on a host that never installed it.
        const bin = mkdtempSync(join(tmpdir(), "pulumi-lvs-nosudo-"));
        try {
            symlinkSync("/bin/sh", join(bin, "sh"));
            const result = runAs("deploy", "true", bin);
            expect(result.code).toBe(127);
            expect(sudoRefusal(result)).toBe("missing");
        } finally {
            rmSync(bin, { recursive: true, force: true });
        }
    });

    it("tells sudo asking for a password (what Debian's sudo 1.9 prints, seen on the lab's rs1)", () => {
        expect(sudoRefusal({ code: 1, stdout: "", stderr: "sudo: a password is required\n" })).toBe("refused");
    });

    it("leaves a script's own failures alone", () => {
        expect(sudoRefusal(runAs("root", "echo 'pulumi-lvs: interface eth9 not found' >&2; exit 1", "/bin:/usr/bin"))).toBeUndefined();
        expect(sudoRefusal(runAs("root", "ipvsadm-not-there -Ln", "/bin:/usr/bin"))).toBeUndefined();
        expect(sudoRefusal({ code: 0, stdout: "", stderr: "" })).toBeUndefined();
    });
});

describe("a host that does not answer SSH", () => {
    const connection = { host: "127.0.0.1", port: 2323, user: "root", dialErrorLimit: 10, perDialTimeout: 15 };
    const failingWith = (message: string) =>
        new SshTransport({ exec: () => Promise.reject(new Error(message)), presentedHostKey: () => undefined }, connection, "rs2");

    it("is named with how to take it out of the stack if it is gone for good", async () => {
        await expect(failingWith("Dial 10/10 failed: connect ECONNREFUSED 127.0.0.1:2323").run("true")).rejects.toThrow(
            "rs2 (root@127.0.0.1:2323): cannot run commands over SSH: Dial 10/10 failed: connect ECONNREFUSED 127.0.0.1:2323; " +
                "if rs2 is gone for good, list it in lvs:forget (README: a host that is gone)",
        );
    });

    it("is not told to forget a host that answered but refused the login", async () => {
        const refused = failingWith("Dial 10/10 failed: All configured authentication methods failed");
        await expect(refused.run("true")).rejects.toThrow(/authentication methods failed$/);
    });
});
