// The lab's Debian package repository over HTTP: serves the files of one
// directory (the image's repo/: .debs and their Packages index) on one
// address, read-only, and another Debian's (SUITE=DIRECTORY) under /SUITE/.
// Run by lab/lab inside the lab's network namespace.
//   node repo-server.js DIRECTORY ADDRESS PORT [SUITE=DIRECTORY ...]
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

const [root, address, port, ...suites] = process.argv.slice(2);
/** The directory of each other suite's repository, by the first segment of its URLs. */
const suiteRoots = new Map(suites.map((s) => [s.slice(0, s.indexOf("=")), s.slice(s.indexOf("=") + 1)]));
http.createServer((req, res) => {
    const url = (req.url || "/").split("?")[0];
    const suite = suiteRoots.get(url.split("/")[1] ?? "");
    const dir = suite !== undefined && url.split("/").length === 3 ? suite : root;
    // apt names a package file as written in the index (`ipvsadm_1%3a1.31...`); some clients decode it.
    const raw = path.basename(url);
    const candidates = [raw, decodeURIComponent(raw)].map((n) => path.join(dir, n));
    const file = candidates.find((f) => fs.existsSync(f)) ?? candidates[0];
    fs.stat(file, (err, stat) => {
        if (err || !stat.isFile() || (req.method !== "GET" && req.method !== "HEAD")) {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, { "content-length": stat.size, "content-type": "application/octet-stream" });
        if (req.method === "HEAD") res.end();
        else fs.createReadStream(file).pipe(res);
    });
}).listen(Number(port), address, () => console.log(`serving ${root} on ${address}:${port}`));
