// Serves a ResourceProvider gRPC service the way the engine expects of a
// plugin: on a loopback port, which the caller announces (the first line of
// the plugin's output).
import * as grpc from "@grpc/grpc-js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";

export async function serveProvider(service: object): Promise<number> {
    const server = new grpc.Server({ "grpc.max_receive_message_length": 1024 * 1024 * 400 });
    server.addService(provrpc.ResourceProviderService, service as grpc.UntypedServiceImplementation);
    return new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
}
