// Entry point of `pulumi-resource-lvs`, the provider of pulumi-lvs's own
// resource types (host facts and IPVS virtual services, which a refresh reads
// back from the hosts). The engine passes its address as the positional
// argument; the provider answers on a port it prints.
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import { engineLog } from "./engineLog";
import { addressesFact, fileFact, packageFact, serviceFact, sysctlsFact } from "./facts/hostFacts";
import { virtualServiceFact } from "./facts/virtualService";
import { SshTransport } from "./host";
import { checkedConnection } from "./connection";
import { LvsProviderServer } from "./server";
import { SshPool } from "./ssh";

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const { positionals } = parseArgs({ args, strict: false, allowPositionals: true, options: { tracing: { type: "string" } } });
    const log = engineLog(positionals[0]);
    const ssh = new SshPool((message) => log("", message));
    process.once("exit", () => ssh.close());

    const service = new LvsProviderServer(
        [packageFact, serviceFact, sysctlsFact, addressesFact, fileFact, virtualServiceFact],
        (connection, hostName) => new SshTransport(ssh, checkedConnection(connection), hostName),
        log,
        () => ssh.close(),
    );
    const server = new grpc.Server({ "grpc.max_receive_message_length": 1024 * 1024 * 400 });
    server.addService(provrpc.ResourceProviderService, service as unknown as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    // The engine reads the port from the first line of output.
    console.log(String(port));
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
