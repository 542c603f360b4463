import { defineConfig } from "vitest/config";

// Two projects: `unit` is fast and needs no VMs (pure logic, the command
// plugin against a loopback sshd, components under Pulumi mocks); `engine`
// runs the real Pulumi engine (offline preview, and the end-to-end lab run).
export default defineConfig({
    test: {
        projects: [
            {
                test: {
                    name: "unit",
                    include: ["test/unit/**/*.test.ts", "test/plugin/**/*.test.ts", "test/component/**/*.test.ts"],
                    testTimeout: 30_000,
                },
            },
            {
                test: {
                    name: "engine",
                    include: ["test/engine/**/*.test.ts", "test/e2e/**/*.test.ts"],
                    // Engine runs are long and share the toolchain and the lab: one file at a time.
                    fileParallelism: false,
                    globalSetup: ["test/support/engineTeardown.ts"],
                    testTimeout: 20 * 60_000,
                    hookTimeout: 30 * 60_000,
                },
            },
        ],
    },
});
