// What the gRPC services of the project's provider plugins (the lvs provider,
// the offline Docker plugin) answer alike: plugin info, an empty schema,
// provider configuration taken as given, attach; and the URN and property
// helpers their resource calls share.
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Callback } from "./grpcReplies";

export type Props = Record<string, unknown>;
export type Call<Req> = { request: Req };

/** A resource's type token, from its URN: `urn:pulumi:STACK::PROJECT::PARENT$...$TYPE::NAME`. */
export function typeOf(urn: string): string {
    return urn.split("::")[2]?.split("$").pop() ?? "";
}

/** A resource's name, from its URN. */
export function nameOf(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/** Properties the engine adds for itself (`__meta`, `__defaults`) are not the resource's. */
export function withoutInternal(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith("__")));
}

export class PluginService {
    constructor(private readonly pluginVersion: string) {}

    getPluginInfo(_call: Call<unknown>, callback: Callback<plugproto.PluginInfo>): void {
        const info = new plugproto.PluginInfo();
        info.setVersion(this.pluginVersion);
        callback(null, info);
    }

    getSchema(_call: Call<unknown>, callback: Callback<provproto.GetSchemaResponse>): void {
        const resp = new provproto.GetSchemaResponse();
        resp.setSchema("{}");
        callback(null, resp);
    }

    checkConfig(call: Call<provproto.CheckRequest>, callback: Callback<provproto.CheckResponse>): void {
        const resp = new provproto.CheckResponse();
        resp.setInputs(call.request.getNews());
        callback(null, resp);
    }

    attach(_call: Call<unknown>, callback: Callback<emptyproto.Empty>): void {
        callback(null, new emptyproto.Empty());
    }
}
