import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const LAB = path.join(__dirname, "../../lab/lab");

describe("lab/lab without a known command", () => {
    it("prints its usage (the header comment, nothing of the script) and exits 2", () => {
        const run = spawnSync("bash", [LAB, "help"], { encoding: "utf8" });
        expect(run.status).toBe(2);
        const usage = run.stderr.trimEnd().split("\n");
        for (const command of ["up", "down", "status", "ssh VM", "exec CMD", "key"]) {
            expect(
                usage.some((line) => line.trimStart().startsWith(`lab/lab ${command}`)),
                command,
            ).toBe(true);
        }
        expect(usage.filter((line) => /^\s*(set -|repo=|case )/.test(line))).toEqual([]);
        expect(usage.length).toBeLessThan(15);
    });
});
