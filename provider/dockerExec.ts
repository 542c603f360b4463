// Scripts in a container, through the Docker Engine API's exec (dockerode):
// how the lvs provider reaches the director of a ContainerCluster, as root,
// with the same failure reporting as over SSH (host.ts).
import { PassThrough } from "node:stream";
import Dockerode from "dockerode";
import { connectionOptions, daemonMessage } from "../pluginKit/dockerClient";
import { HostError, Transport } from "./host";
import { ExecResult } from "../pluginKit/ssh";

export interface DockerExecConnection {
    /** The engine: `unix:///path/docker.sock` or `tcp://host:port`. */
    host: string;
    /** The container's ID or name. */
    container: string;
}

const clients = new Map<string, Dockerode>();

function clientFor(host: string): Dockerode {
    let client = clients.get(host);
    if (!client) clients.set(host, (client = new Dockerode(connectionOptions(host))));
    return client;
}

function collect(stream: PassThrough): Promise<string> {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    return new Promise((resolve) => stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8"))));
}

export class DockerExecTransport implements Transport {
    readonly label: string;

    constructor(
        private readonly connection: DockerExecConnection,
        hostName: string,
    ) {
        this.label = `${hostName} (container ${connection.container.slice(0, 12)} on ${connection.host})`;
    }

    async run(script: string, stdin?: string): Promise<ExecResult> {
        const docker = clientFor(this.connection.host);
        const withStdin = stdin !== undefined && stdin !== "";
        try {
            const exec = await docker.getContainer(this.connection.container).exec({
                Cmd: ["sh", "-c", script],
                User: "root",
                AttachStdin: withStdin,
                AttachStdout: true,
                AttachStderr: true,
            });
            const stream = await exec.start({ hijack: true, stdin: withStdin });
            const out = new PassThrough();
            const err = new PassThrough();
            const stdout = collect(out);
            const stderr = collect(err);
            docker.modem.demuxStream(stream, out, err);
            const ended = new Promise<void>((resolve, reject) => {
                stream.on("end", resolve);
                stream.on("close", resolve);
                stream.on("error", reject);
            });
            if (withStdin) stream.end(stdin);
            await ended;
            out.end();
            err.end();
            const info = await exec.inspect();
            return { code: info.ExitCode ?? null, stdout: await stdout, stderr: await stderr };
        } catch (err) {
            throw new HostError(`${this.label}: cannot run commands in the container: ${daemonMessage(err)}`);
        }
    }
}
