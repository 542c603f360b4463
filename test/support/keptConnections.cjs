// Keep-alive HTTP connections through the VIP that tell how each one ended:
// run inside the lab's network namespace by keptConnections.ts (never from the
// root namespace). Each of COUNT connections sends `GET /` again PACE_MS after
// each full response, for at most SECONDS; what a connection meets is kept
// apart: a reset (ECONNRESET: the peer had no such connection, as a director
// without the connection's entry answers), a close by the server (lighttpd
// ends a keep-alive connection idle for 5 s: an orderly FIN), or a request
// unanswered when it ends. A connection that ends is opened again. On SIGTERM,
// or at the end, it prints one JSON line with the counts.
"use strict";
const net = require("node:net");

const [host, port, count, seconds, paceMs] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a)));
const result = { responses: 0, resets: 0, closedByServer: 0, otherErrors: {}, connections: 0 };
const other = (what) => (result.otherErrors[what] = (result.otherErrors[what] ?? 0) + 1);
const sockets = new Set();
let stopping = false;

function open() {
    if (stopping) return;
    result.connections++;
    const socket = net.connect({ host, port });
    sockets.add(socket);
    let buffer = "";
    let waiting = false;
    let ended = false;
    const send = () => {
        if (stopping || socket.destroyed) return;
        waiting = true;
        socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    };
    const finish = (how) => {
        if (ended) return;
        ended = true;
        sockets.delete(socket);
        if (how) how();
        if (!stopping) setTimeout(open, paceMs);
    };
    socket.setEncoding("latin1");
    socket.on("connect", send);
    socket.on("data", (chunk) => {
        buffer += chunk;
        // One response at a time: headers, then Content-Length bytes of body.
        for (;;) {
            const head = buffer.indexOf("\r\n\r\n");
            if (head < 0) return;
            const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffer.slice(0, head))?.[1] ?? 0);
            if (buffer.length < head + 4 + length) return;
            buffer = buffer.slice(head + 4 + length);
            result.responses++;
            waiting = false;
            setTimeout(send, paceMs);
        }
    });
    socket.on("error", (err) => finish(() => (err.code === "ECONNRESET" ? result.resets++ : other(err.code ?? String(err)))));
    socket.on("end", () => finish(() => result.closedByServer++));
    socket.on("close", () => finish(waiting && !stopping ? () => other("closed with a request unanswered") : undefined));
}

function stop() {
    if (stopping) return;
    stopping = true;
    for (const s of sockets) s.destroy();
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
}

process.on("SIGTERM", stop);
process.on("SIGINT", stop);
setTimeout(stop, seconds * 1000);
for (let i = 0; i < count; i++) open();
