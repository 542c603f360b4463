// The lvs provider, wired: its facts, the transports they run through, the
// engine's log, and the gRPC server. Started by main.ts (a plugin process of
// its own) or by a warm spare (spare.ts) that has loaded this ahead of a run.
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { parseArgs } from "node:util";
import { engineLog } from "./engineLog";
import { addressesFact, fileFact, firewallMarksFact, packageFact, serviceFact, sysctlsFact } from "./facts/hostFacts";
import { virtualServiceFact } from "./facts/virtualService";
import type { DockerExecConnection } from "./dockerExec";
import { SshTransport, Transport } from "./host";
import { checkedConnection } from "./connection";
import { bindProvider, serveProvider } from "./serve";
import { LvsProviderServer } from "./server";
import { KeptSsh } from "./keptSsh";
import { SshPool } from "./ssh";

/**
 * The transport into a container, loaded when first needed: the engine starts
 * this plugin twice in a run (refresh, then the program's registrations), and
 * a cluster of SSH hosts should not pay for loading the Docker client each time.
 */
function dockerTransport(connection: DockerExecConnection, hostName: string): Transport {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DockerExecTransport } = require("./dockerExec") as typeof import("./dockerExec");
    return new DockerExecTransport(connection, hostName);
}

/** Serves the provider for the engine whose address `args` (the plugin's arguments) name; resolves to its port. */
export async function startProvider(args: string[]): Promise<number> {
    const { positionals } = parseArgs({ args, strict: false, allowPositionals: true, options: { tracing: { type: "string" } } });
    return serveProvider(providerService(positionals[0]));
}

/** The provider's gRPC service, its status lines going to the engine at `engineAddress` (none: nowhere). */
function providerService(engineAddress: string | undefined): LvsProviderServer {
    const log = engineLog(engineAddress);
    const ssh = new SshPool((message) => log("", message));
    process.once("exit", () => ssh.close());
    const kept = new KeptSsh(ssh);
    return new LvsProviderServer(
        [packageFact, serviceFact, sysctlsFact, addressesFact, fileFact, firewallMarksFact, virtualServiceFact],
        (connection, hostName) => {
            const checked = checkedConnection(connection);
            return "docker" in checked ? dockerTransport(checked.docker, hostName) : new SshTransport(kept, checked, hostName);
        },
        log,
        () => ssh.close(),
    );
}

/**
 * A warm spare's rehearsal of a start (spare.ts): the service built, its
 * server bound and asked for its version over gRPC, then all of it closed.
 * V8 compiles a function when it first runs, and a process's first start and
 * first call took tens of milliseconds longer than the next: a spare pays
 * that while it waits, not the run it is handed. Nothing leaves the machine.
 * Resolves to the version the server answered; rejects when it did not answer.
 */
export async function rehearseStart(): Promise<string> {
    const { server, port } = await bindProvider(providerService(undefined));
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
        return await new Promise<string>((resolve, reject) =>
            client.getPluginInfo(new emptyproto.Empty(), (err, info) => (err ? reject(err) : resolve(info!.getVersion()))),
        );
    } finally {
        client.close();
        server.forceShutdown();
    }
}
