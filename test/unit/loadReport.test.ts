// The end-to-end load's report (test/support/load.ts): the per-second counts
// its stall check reads must show a second without responses as 0, not skip it.
import { describe, expect, it } from "vitest";
import { medianRate, parseWrk } from "../support/load";

const report = (lines: string[]) =>
    ["  1234 requests in 6.00s, 1.00MB read", "Requests/sec:    205.67", ...lines.map((l) => `second ${l}`)].join("\n");

describe("the load's report", () => {
    it.each([
        [
            "whole seconds only: the first and last, partial, left out",
            ["100 7", "101 200", "102 210", "103 190", "104 3"],
            [200, 210, 190],
            200,
        ],
        ["a second without a response counts as 0", ["100 7", "101 200", "103 190", "104 220", "105 3"], [200, 0, 190, 220], 200],
        ["no per-second lines: nothing to judge by", [], [], 0],
    ])("%s", (_what, lines, perSecond, median) => {
        const result = parseWrk(report(lines));
        expect(result.requests).toBe(1234);
        expect(result.perSecond).toEqual(perSecond);
        expect(medianRate(result)).toBe(median);
    });
});
