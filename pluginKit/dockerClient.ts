// The Docker Engine API client (dockerode) for the configured host, chosen as
// upstream does: the provider's `host`, else DOCKER_HOST, else the local
// socket; pinged once at Configure so an unreachable daemon fails there.
import Dockerode from "dockerode";

export const DEFAULT_HOST = "unix:///var/run/docker.sock";

export function hostFromConfig(configured: unknown, env: NodeJS.ProcessEnv): string {
    if (typeof configured === "string" && configured !== "") return configured;
    return env.DOCKER_HOST || DEFAULT_HOST;
}

/** dockerode's connection options for a `unix://` or `tcp://` host. */
export function connectionOptions(host: string): Dockerode.DockerOptions {
    const url = new URL(host);
    if (url.protocol === "unix:") return { socketPath: url.pathname };
    if (url.protocol === "tcp:" || url.protocol === "http:")
        return { protocol: "http", host: url.hostname, port: Number(url.port || 2375) };
    throw new Error(
        `Docker host ${host}: pulumi-lvs's offline Docker plugin connects to unix:// and tcp:// hosts; ` +
            `forward a remote engine's socket (ssh -L /path/docker.sock:/var/run/docker.sock) or install the official plugin`,
    );
}

export async function connect(host: string): Promise<Dockerode> {
    const docker = new Dockerode(connectionOptions(host));
    try {
        await docker.ping();
    } catch (err) {
        throw new Error(
            `docker native provider returned an unexpected error from Configure: failed to connect to any docker daemon ` +
                `(${host}: ${err instanceof Error ? err.message : String(err)})`,
            { cause: err },
        );
    }
    return docker;
}

/** The daemon's own message, as the Docker CLI and the official provider show it. */
export function daemonMessage(err: unknown): string {
    const json = (err as { json?: { message?: string } }).json;
    if (json && typeof json.message === "string") return `Error response from daemon: ${json.message}`;
    return err instanceof Error ? err.message : String(err);
}
