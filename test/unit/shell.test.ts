import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { asRoot, lines, shellQuote } from "../../src/shell";

describe("shellQuote", () => {
    it.each(["plain", "eth1", "192.168.2.1/24", "it's", "$(reboot)", "a b", "`x`", "semi;colon", "new\nline", ""])(
        "keeps %j one literal word for sh",
        (value) => {
            expect(execFileSync("sh", ["-c", `printf '%s' ${shellQuote(value)}`]).toString()).toBe(value);
        },
    );
});

describe("asRoot", () => {
    it("runs a script as is for root", () => {
        expect(asRoot("ip link", "root")).toBe("ip link");
    });
    it("wraps it in non-interactive sudo for another user, quoted", () => {
        expect(asRoot("echo 'a'", "deploy")).toBe(`sudo -n sh -c 'echo '\\''a'\\'''`);
    });
});

describe("lines", () => {
    it("drops empty and false parts and ends with a newline", () => {
        expect(lines("a", "", false, undefined, "b")).toBe("a\nb\n");
    });
});
