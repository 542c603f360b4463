// Where `npm test`'s background preparation of the toolchain and labs stands
// (scripts/test.sh writes .toolchain/prepare.pid, then prepare.status with its
// exit status when done): read by the test order (vitest.config.mts) and by
// the files that wait for it (prepared.ts). No test APIs here: the config
// loads it.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { alive } from "./pids";

export const preparationDir = path.resolve(__dirname, "../..", ".toolchain");
const pidFile = path.join(preparationDir, "prepare.pid");
const statusFile = path.join(preparationDir, "prepare.status");

/** Whether a preparation was started by this run (none when vitest runs on its own). */
export function preparationStarted(): boolean {
    return existsSync(pidFile);
}

/** Whether the preparation is still running: started, no status yet, its process alive. */
export function stillPreparing(): boolean {
    return preparationStarted() && !existsSync(statusFile) && alive(Number(readFileSync(pidFile, "utf8")));
}

/** The preparation's exit status once it ended ("none" when it ended without writing one). */
export function preparationStatus(): string {
    return existsSync(statusFile) ? readFileSync(statusFile, "utf8").trim() : "none";
}
