// The entry the Pulumi CLI runs (Pulumi.yaml `main`): the example program,
// index.ts, compiled to dist/index.js. Pulumi's own TypeScript support loads
// the TypeScript compiler before every run, about half a second on a 2-core
// machine, where the compiled program starts without it. When index.ts or the
// library's sources are newer than the compiled program (an edit, a pull), it
// is compiled again first, as `npm run build` does: an edit always runs, and
// a type error stops the run with the compiler's message.
"use strict";
// The SDK records each resource's call stack (its source position) from
// `new Error().stack`, and its runner has installed source-map-support, which
// then reads and parses the source maps of every file on those stacks: 0.3 s
// of a 2-core machine on every run, for positions nobody here reads. Stacks
// stay as V8 writes them (dist/*.js positions; the maps are still there for
// a debugger); PULUMI_LVS_SOURCE_MAPPED_STACKS=1 keeps the translation.
if (process.env.PULUMI_LVS_SOURCE_MAPPED_STACKS !== "1") Error.prepareStackTrace = undefined;
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const compiled = path.join(__dirname, "dist", "index.js");
const sources = ["index.ts", "lib.ts", "components", "resources", "src", "tsconfig.json", "tsconfig.build.json"];

/** The last change to any source of the program, in ms. */
function newestSource() {
    let newest = 0;
    const visit = (file) => {
        const stat = fs.statSync(file);
        if (stat.isDirectory()) for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
        else newest = Math.max(newest, stat.mtimeMs);
    };
    for (const source of sources) visit(path.join(__dirname, source));
    return newest;
}

if (!fs.existsSync(compiled) || newestSource() > fs.statSync(compiled).mtimeMs) {
    process.stderr.write("pulumi-lvs: index.ts or the library changed since it was last compiled: compiling (npm run build)\n");
    try {
        execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(__dirname, "tsconfig.build.json")], {
            stdio: ["ignore", "pipe", "pipe"],
            encoding: "utf8",
        });
    } catch (err) {
        // tsc writes its output even when a type is wrong: the next run must not take it for compiled.
        if (fs.existsSync(compiled)) fs.utimesSync(compiled, 0, 0);
        throw new Error(`the program does not compile (npm run build):\n${err.stdout || ""}${err.stderr || err.message}`);
    }
}

module.exports = require(compiled);
