// Loopback ports for tests: ports nothing answers on (and nothing will take
// meanwhile; also a port a server of the test's own may then take), and a
// listener that accepts and drops every connection.
import { readFileSync } from "node:fs";
import { connect, createServer, Server } from "node:net";

/**
 * Loopback ports that nothing listens on, all different, picked at random below the kernel's ephemeral range
 * (net.ipv4.ip_local_port_range): a listener on port 0 (another test's server, the engine's own plugins) is
 * given a port from that range, so a port below it that is closed now stays closed. (A port a listener had and
 * closed again went back to the range, and a plugin of the very run under test took one once.)
 */
export async function closedPorts(count: number): Promise<number[]> {
    const ephemeralFrom = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    const ports: number[] = [];
    for (let tries = 0; ports.length < count; tries++) {
        if (tries >= 200) throw new Error(`no closed loopback port below ${ephemeralFrom} in 200 tries`);
        const port = ephemeralFrom - 1 - Math.floor(Math.random() * Math.min(20_000, ephemeralFrom - 1025));
        if (!ports.includes(port) && (await refused(port))) ports.push(port);
    }
    return ports;
}

/** Whether a connection to the loopback port is refused: nothing listens there. */
function refused(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = connect({ host: "127.0.0.1", port });
        socket.once("connect", () => {
            socket.destroy();
            resolve(false);
        });
        socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
    });
}

/** One loopback port that nothing listens on now. */
export async function freePort(): Promise<number> {
    return (await closedPorts(1))[0]!;
}

/** A TCP listener on a free loopback port that accepts each connection and closes it at once. */
export function listener(): Promise<Server> {
    return new Promise((resolve, reject) => {
        const server = createServer((socket) => socket.destroy());
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve(server));
    });
}
