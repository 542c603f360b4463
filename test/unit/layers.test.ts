// The layering docs/architecture.md draws, checked on every import of the
// project's own code: each part imports only the parts below it, the pure
// logic (src/, and each resource type's schema and scripts) nothing of
// Pulumi, and nothing of the product reaches the offline plugin stand-ins
// (toolchain/plugins/), which are not shipped.
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const root = path.join(__dirname, "../..");

/** Which parts each part may import (besides itself). */
const MAY_IMPORT: Record<string, string[]> = {
    "index.ts": ["lib.ts", "components", "resources", "src"],
    "lib.ts": ["components", "resources", "src"],
    tools: ["provider", "pluginKit", "src"],
    components: ["resources", "src"],
    resources: ["src"],
    provider: ["pluginKit", "src"],
    "toolchain/plugins": ["pluginKit"],
    pluginKit: ["src"],
    src: [],
};

/**
 * A resource type's pieces sit together in resources/<type>/, each in its layer: its schema and host scripts
 * (state.ts, scripts.ts) are pure logic, its server half (server.ts) is the provider's, its SDK class the rest.
 */
const RESOURCE_TYPE_PIECE: Record<string, string> = { "state.ts": "src", "scripts.ts": "src", "server.ts": "provider" };

function partOf(file: string): string {
    const relative = path.relative(root, file);
    if (relative.startsWith("toolchain/plugins/")) return "toolchain/plugins";
    const piece = /^resources\/[^/]+\/([^/]+?)(\.ts)?$/.exec(relative);
    if (piece) return RESOURCE_TYPE_PIECE[`${piece[1]}.ts`] ?? "resources";
    const part = relative.split(path.sep)[0]!;
    // A top-level module is imported without its extension (`../lib`).
    const isDir = existsSync(path.join(root, part)) && statSync(path.join(root, part)).isDirectory();
    return relative.includes(path.sep) || isDir || part.endsWith(".ts") ? part : `${part}.ts`;
}

function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((entry) => {
        const file = path.join(dir, entry);
        if (statSync(file).isDirectory()) return sources(file);
        return entry.endsWith(".ts") && !entry.endsWith(".d.ts") ? [file] : [];
    });
}

/** Every relative import of `file` (import/export from, require, import()), resolved to a path. */
function imports(file: string): string[] {
    const text = readFileSync(file, "utf8");
    const found = [...text.matchAll(/(?:from|require\(|import\(?)\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!);
    return found.map((spec) => path.resolve(path.dirname(file), spec));
}

const files = [
    path.join(root, "index.ts"),
    path.join(root, "lib.ts"),
    ...Object.keys(MAY_IMPORT)
        .filter((part) => !part.endsWith(".ts"))
        .flatMap((part) => sources(path.join(root, part))),
];

describe("the layers", () => {
    it("each part imports only the parts below it", () => {
        const wrong = files.flatMap((file) =>
            imports(file)
                .map(partOf)
                .filter((target) => target !== partOf(file) && !MAY_IMPORT[partOf(file)]!.includes(target))
                .map((target) => `${path.relative(root, file)} imports ${target}`),
        );
        expect(wrong).toEqual([]);
    });

    it("the pure logic (src/, and each resource type's schema and scripts) imports nothing of Pulumi", () => {
        const pure = files.filter((file) => partOf(file) === "src");
        expect(pure).toEqual(expect.arrayContaining([path.join(root, "resources/virtualService/state.ts")]));
        const pulumi = pure.filter((file) => /from\s+["']@pulumi\//.test(readFileSync(file, "utf8")));
        expect(pulumi.map((f) => path.relative(root, f))).toEqual([]);
    });

    it("sees the imports it checks (a file known to import two parts)", () => {
        expect(imports(path.join(root, "provider/host.ts")).map(partOf)).toEqual(expect.arrayContaining(["pluginKit", "src"]));
    });
});
