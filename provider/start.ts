// The lvs provider, wired: its facts, the transports they run through, the
// engine's log, and the gRPC server. Started by main.ts (a plugin process of
// its own) or by a warm spare (spare.ts) that has loaded this ahead of a run.
import { parseArgs } from "node:util";
import { engineLog } from "./engineLog";
import { addressesFact, fileFact, firewallMarksFact, packageFact, serviceFact, sysctlsFact } from "./facts/hostFacts";
import { virtualServiceFact } from "./facts/virtualService";
import type { DockerExecConnection } from "./dockerExec";
import { SshTransport, Transport } from "./host";
import { checkedConnection } from "./connection";
import { serveProvider } from "./serve";
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
    const log = engineLog(positionals[0]);
    const ssh = new SshPool((message) => log("", message));
    process.once("exit", () => ssh.close());
    const kept = new KeptSsh(ssh);

    const service = new LvsProviderServer(
        [packageFact, serviceFact, sysctlsFact, addressesFact, fileFact, firewallMarksFact, virtualServiceFact],
        (connection, hostName) => {
            const checked = checkedConnection(connection);
            return "docker" in checked ? dockerTransport(checked.docker, hostName) : new SshTransport(kept, checked, hostName);
        },
        log,
        () => ssh.close(),
    );
    return serveProvider(service);
}
