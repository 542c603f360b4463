import { defineConfig } from "vitest/config";
import { BaseSequencer, TestSpecification } from "vitest/node";
import { stillPreparing } from "./test/support/preparation";

/**
 * The order files start in: the end-to-end files first (the VM lab's, the
 * longest, then the container lab's), side by side from the start, the short
 * files filling the remaining worker around them; then the engine files, then
 * the unit files, each in vitest's own order (slowest first once timed). While
 * the toolchain and labs are still being readied (a fresh machine), the unit
 * files go first instead: the others would only hold the workers, waiting.
 */
class E2eFirst extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
        const first = ["test/e2e/lab.test.ts", "test/e2e/containers.test.ts"];
        const projects = stillPreparing() ? ["unit", "e2e", "engine"] : ["e2e", "engine", "unit"];
        const rank = (spec: TestSpecification) => {
            const project = projects.indexOf(spec.project.name);
            const named = first.findIndex((f) => spec.moduleId.endsWith(f));
            return project * first.length + Math.max(named, 0);
        };
        // (Array.prototype.sort is stable: vitest's order holds within a rank.)
        return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b));
    }
}

// Three projects, run together: `unit` is fast and needs no VMs (pure logic,
// the command plugin against a loopback sshd, components under Pulumi mocks);
// `engine` runs the real Pulumi engine offline (previews, the library from its
// tarball, the Docker plugin against a dockerd of its own); `e2e` runs it
// against the labs: the VM lab (one file: its suites share one lab) and the
// container lab. The VM lab's file is the longest, and its emulated VMs (one
// virtual CPU each) leave a host core idle much of the time: it starts first,
// and the other files run one after another in the second worker (E2eFirst).
// A third worker was measured slower: on two cores the VM lab then waits for
// CPU. The run ends with each file's wall-clock time
// (test/support/durationsReporter.ts).
export default defineConfig({
    test: {
        maxWorkers: 2,
        sequence: { sequencer: E2eFirst },
        reporters: ["default", "./test/support/durationsReporter.ts"],
        projects: [
            {
                extends: true,
                test: {
                    name: "unit",
                    include: ["test/unit/**/*.test.ts", "test/plugin/**/*.test.ts", "test/component/**/*.test.ts"],
                    testTimeout: 30_000,
                },
            },
            {
                extends: true,
                test: {
                    name: "engine",
                    include: ["test/engine/**/*.test.ts"],
                    setupFiles: ["test/support/prepared.ts", "test/support/background.ts"],
                    testTimeout: 5 * 60_000,
                    hookTimeout: 10 * 60_000,
                },
            },
            {
                extends: true,
                test: {
                    name: "e2e",
                    include: ["test/e2e/*.test.ts"],
                    setupFiles: ["test/support/prepared.ts"],
                    testTimeout: 20 * 60_000,
                    hookTimeout: 30 * 60_000,
                },
            },
        ],
    },
});
