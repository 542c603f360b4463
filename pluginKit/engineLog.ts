// Status messages to the engine (the lines the CLI shows beside a resource
// while its command runs), over the engine's gRPC Log endpoint, whose address
// the engine passes as the plugin's first argument.
import * as grpc from "@grpc/grpc-js";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";

export type EngineLog = (urn: string, message: string, severity?: "info" | "warning") => void;

export function engineLog(engineAddress: string | undefined): EngineLog {
    if (!engineAddress) return () => undefined;
    const client = new engrpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
    // One call at a time: concurrent unary calls may arrive out of order, and lines must not.
    let previous = Promise.resolve();
    return (urn, message, severity = "info") => {
        const req = new engproto.LogRequest();
        req.setSeverity(severity === "info" ? engproto.LogSeverity.INFO : engproto.LogSeverity.WARNING);
        req.setMessage(message);
        req.setUrn(urn);
        // Ephemeral, like the official provider's status lines: shown while running, not kept in the summary.
        req.setEphemeral(severity === "info");
        previous = previous.then(() => new Promise<void>((resolve) => client.log(req, () => resolve())));
    };
}
