// Entry point of `pulumi-resource-lvs`, the provider of pulumi-lvs's own
// resource types (host facts and IPVS virtual services, which a refresh reads
// back from the hosts). The engine passes its address as the positional
// argument; the provider answers on a port it prints.
import { parseArgs } from "node:util";
import { engineLog } from "./engineLog";
import { addressesFact, fileFact, firewallMarksFact, packageFact, serviceFact, sysctlsFact } from "./facts/hostFacts";
import { virtualServiceFact } from "./facts/virtualService";
import { DockerExecTransport } from "./dockerExec";
import { SshTransport } from "./host";
import { checkedConnection } from "./connection";
import { serveProvider } from "./serve";
import { LvsProviderServer } from "./server";
import { SshPool } from "./ssh";

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const { positionals } = parseArgs({ args, strict: false, allowPositionals: true, options: { tracing: { type: "string" } } });
    const log = engineLog(positionals[0]);
    const ssh = new SshPool((message) => log("", message));
    process.once("exit", () => ssh.close());

    const service = new LvsProviderServer(
        [packageFact, serviceFact, sysctlsFact, addressesFact, fileFact, firewallMarksFact, virtualServiceFact],
        (connection, hostName) => {
            const checked = checkedConnection(connection);
            return "docker" in checked ? new DockerExecTransport(checked.docker, hostName) : new SshTransport(ssh, checked, hostName);
        },
        log,
        () => ssh.close(),
    );
    await serveProvider(service);
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
