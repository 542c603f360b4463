// Replies of a provider plugin's gRPC service, shared by the lvs provider and
// the offline Docker plugin: property structs, errors, and the error that
// keeps a partly created resource in the state.
import * as grpc from "@grpc/grpc-js";
import * as anyproto from "google-protobuf/google/protobuf/any_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as statusproto from "@pulumi/pulumi/proto/status_pb";

type Props = Record<string, unknown>;
export type Callback<T> = (err: grpc.ServiceError | null, value?: T | null, trailer?: grpc.Metadata) => void;

export function toStruct(value: Props): structproto.Struct {
    return structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Record<string, structproto.JavaScriptValue>);
}

export function serviceError(err: unknown): grpc.ServiceError {
    const message = err instanceof Error ? err.message : String(err);
    return Object.assign(new Error(message), { code: grpc.status.UNKNOWN, details: message, metadata: new grpc.Metadata() });
}

/** A failed create whose object exists: the engine keeps it in the state (with `properties`) and reports `message`. */
export function errorWithState(message: string, id: string, properties: Props): grpc.ServiceError {
    const detail = new provproto.ErrorResourceInitFailed();
    detail.setId(id);
    detail.setProperties(toStruct(properties));
    detail.setReasonsList([message]);
    const any = new anyproto.Any();
    any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const status = new statusproto.Status();
    status.setCode(grpc.status.UNKNOWN);
    status.setMessage(message);
    status.addDetails(any);
    const metadata = new grpc.Metadata();
    metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
    return Object.assign(new Error(message), { code: grpc.status.UNKNOWN, details: message, metadata });
}

/** Answers a call with the work's result, or with its error (a ready service error passes unchanged). */
export async function reply<Res>(callback: Callback<Res>, work: () => Promise<Res>): Promise<void> {
    try {
        callback(null, await work());
    } catch (err) {
        const ready = (err as { metadata?: unknown }).metadata instanceof grpc.Metadata && (err as grpc.ServiceError).code !== undefined;
        const failure = ready ? (err as grpc.ServiceError) : serviceError(err);
        callback(failure, null, failure.metadata);
    }
}
