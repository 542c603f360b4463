// A setup file of the engine and e2e projects: they need the Pulumi toolchain
// and the labs, which `npm test` readies in the background while lint and the
// unit tests run (scripts/test.sh). Each such test file waits here until that
// is done, bounded, and fails with its log when it failed. Run outside
// `npm test` (vitest directly), nothing is being readied and nothing waits.
import { beforeAll } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { preparationDir, preparationStarted, preparationStatus, stillPreparing } from "./preparation";

const LIMIT_MS = 60 * 60_000;

async function prepared(): Promise<void> {
    if (!preparationStarted()) return;
    const deadline = Date.now() + LIMIT_MS;
    while (stillPreparing() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    const status = preparationStatus();
    if (status !== "0") {
        const log = path.join(preparationDir, "prepare.log");
        const tail = existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-30).join("\n") : "";
        throw new Error(`readying the toolchain and labs failed (exit ${status}; ${log}):\n${tail}`);
    }
}

beforeAll(prepared, LIMIT_MS + 60_000);
