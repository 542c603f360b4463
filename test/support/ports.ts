// Loopback ports for tests: ports nothing answers on (a listener's, closed
// again; also a port a server of the test's own may then take), and a
// listener that accepts and drops every connection.
import { createServer, Server } from "node:net";

/** Loopback ports that nothing listens on: each one a listener's, closed again (opened together: all different). */
export async function closedPorts(count: number): Promise<number[]> {
    const servers = await Promise.all(Array.from({ length: count }, () => listener()));
    const ports = servers.map((s) => (s.address() as { port: number }).port);
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return ports;
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
