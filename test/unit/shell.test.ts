import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { asRoot, lines, raw, sh, shellQuote, words, writeFile } from "../../src/shell";

const HOSTILE = [
    "plain",
    "eth1",
    "192.168.2.1/24",
    "it's",
    "$(reboot)",
    "a b",
    "`x`",
    "semi;colon",
    "new\nline",
    "",
    "*",
    "~root",
    "-n",
    '"; echo no; "',
];

function shOut(script: string): string {
    return execFileSync("sh", ["-c", script]).toString();
}

describe("shellQuote", () => {
    it.each(HOSTILE)("keeps %j one literal word for sh", (value) => {
        expect(shOut(`printf '%s' ${shellQuote(value)}`)).toBe(value);
    });
});

describe("sh`...`", () => {
    it.each(HOSTILE)("quotes the interpolated value %j as one word", (value) => {
        expect(shOut(sh`printf '[%s]' ${value}`)).toBe(`[${value}]`);
    });

    it("writes numbers as they are and refuses one that is not finite", () => {
        expect(sh`ipvsadm -w ${3}`).toBe("ipvsadm -w 3");
        expect(() => sh`ipvsadm -w ${Number.NaN}`).toThrow("not a number for a script: NaN");
    });

    it("splices raw script, and words as separate quoted words", () => {
        expect(sh`${raw('"$state"')}/x ${words(["a b", "c"])}`).toBe(`"$state"/x 'a b' c`);
    });
});

describe("writeFile", () => {
    it("writes the content line by line, with no here-document a value could end", () => {
        const content = "line one\nUNIT\n'quoted' $(reboot)\n";
        const script = writeFile("/tmp/never", content);
        expect(script).not.toContain("<<");
        expect(shOut(script.replace(/ > .*$/, ""))).toBe(content);
    });
});

describe("asRoot", () => {
    it("runs a script with sh for root, whatever root's login shell", () => {
        expect(asRoot("ip link", "root")).toBe("sh -c 'ip link'");
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
