// A vitest reporter that ends every run with the wall-clock time of each test
// file, slowest first, beside the whole run's: the next regression of CI's
// time shows at a glance, with the file to look at. (The default reporter
// prints each file's time among its tests, and the tests' sum, not the
// wall-clock time its hooks and waits took.)
import type { Reporter, TestModule } from "vitest/node";

export default class DurationsReporter implements Reporter {
    private readonly started = new Map<string, number>();
    private readonly ended = new Map<string, number>();
    private readonly runStart = Date.now();

    onTestModuleStart(module: TestModule): void {
        this.started.set(module.moduleId, Date.now());
    }

    onTestModuleEnd(module: TestModule): void {
        this.ended.set(module.moduleId, Date.now());
    }

    onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
        const rows = modules
            .map((m) => {
                const start = this.started.get(m.moduleId);
                const end = this.ended.get(m.moduleId);
                const seconds = start !== undefined && end !== undefined ? (end - start) / 1000 : NaN;
                const startedAt = start !== undefined ? (start - this.runStart) / 1000 : NaN;
                return { file: m.relativeModuleId, project: m.project.name, state: m.state(), seconds, startedAt };
            })
            .sort((a, b) => (b.seconds || 0) - (a.seconds || 0));
        const width = Math.max(...rows.map((r) => r.file.length), 4);
        const lines = [
            "",
            `Per-file wall-clock time (${rows.length} files; the run took ${((Date.now() - this.runStart) / 1000).toFixed(0)} s):`,
            `  ${"file".padEnd(width)}  ${"project".padEnd(7)}  ${"seconds".padStart(7)}  ${"from".padStart(5)}  state`,
            ...rows.map(
                (r) =>
                    `  ${r.file.padEnd(width)}  ${r.project.padEnd(7)}  ${r.seconds.toFixed(1).padStart(7)}  ` +
                    `${r.startedAt.toFixed(0).padStart(5)}  ${r.state}`,
            ),
            "",
        ];
        process.stdout.write(lines.join("\n") + "\n");
    }
}
