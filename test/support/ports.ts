// Loopback ports for tests that need a port nothing answers on.
import { createServer, Server } from "node:net";

/** Loopback ports that nothing listens on: each one a listener's, closed again. */
export async function closedPorts(count: number): Promise<number[]> {
    const servers = await Promise.all(
        Array.from(
            { length: count },
            () =>
                new Promise<Server>((resolve) => {
                    const server = createServer();
                    server.listen(0, "127.0.0.1", () => resolve(server));
                }),
        ),
    );
    const ports = servers.map((s) => (s.address() as { port: number }).port);
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return ports;
}
