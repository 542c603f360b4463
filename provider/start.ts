// The lvs provider, wired: its facts, the transports they run through, the
// engine's log, and the gRPC server. Started by main.ts.
import { parseArgs } from "node:util";
import { engineLog } from "../pluginKit/engineLog";
import { addressesFact } from "../resources/addresses/server";
import { fileFact } from "../resources/file/server";
import { firewallMarksFact } from "../resources/firewallMarks/server";
import { packageFact } from "../resources/package/server";
import { serviceFact } from "../resources/service/server";
import { sysctlsFact } from "../resources/sysctls/server";
import { virtualServiceFact } from "../resources/virtualService/server";
import { keepalivedFact } from "../resources/keepalived/server";
import type { DockerExecConnection } from "./dockerExec";
import { SshTransport, Transport } from "./host";
import { checkedConnection } from "./connection";
import { serveProvider } from "../pluginKit/serve";
import { LvsProviderServer } from "./server";
import { ReachabilityProbe } from "./reachability";
import { SshPool } from "../pluginKit/ssh";

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
    const ssh = new SshPool((message) => log("", message), false);
    process.once("exit", () => ssh.close());
    return new LvsProviderServer(
        [packageFact, serviceFact, sysctlsFact, addressesFact, fileFact, firewallMarksFact, virtualServiceFact, keepalivedFact],
        (connection, hostName, options) => {
            const checked = checkedConnection(connection);
            return "docker" in checked
                ? dockerTransport(checked.docker, hostName)
                : new SshTransport(ssh, checked, hostName, options?.hostKeyFromState);
        },
        log,
        () => ssh.close(),
        // PULUMI_LVS_PROBE_SSH=0: no probe (hosts a preview cannot or must not reach, such as made-up names).
        process.env.PULUMI_LVS_PROBE_SSH === "0" ? undefined : new ReachabilityProbe(),
    );
}
