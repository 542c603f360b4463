// The lab's Debian package repository over HTTP: serves the files of one
// directory (the image's repo/: .debs and their Packages index) on one
// address, read-only. Run by lab/lab inside the lab's network namespace.
//   node repo-server.js DIRECTORY ADDRESS PORT
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

const [root, address, port] = process.argv.slice(2);
http.createServer((req, res) => {
    // apt names a package file as written in the index (`ipvsadm_1%3a1.31...`); some clients decode it.
    const raw = path.basename((req.url || "/").split("?")[0]);
    const candidates = [raw, decodeURIComponent(raw)].map((n) => path.join(root, n));
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
