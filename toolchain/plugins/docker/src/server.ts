// The Docker plugin's gRPC service. Written against the engine's protocol, as
// the lvs provider is: the SDK's generic provider server passes no provider
// configuration (the engine's `host`) and no random seed for autonaming, and
// has no detailed diff.
import { createHash, randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Callback, errorWithState, reply, toStruct } from "../../../../pluginKit/grpcReplies";
import { Call, nameOf, PluginService, typeOf, withoutInternal } from "../../../../pluginKit/pluginService";
import { containsUnknown, reveal } from "../../../../pluginKit/rpcValues";
import { connect, hostFromConfig } from "../../../../pluginKit/dockerClient";
import { diffResource } from "./diff";
import { container } from "./container";
import { PartialCreateError, Props, ResourceKind } from "./kind";
import { network } from "./network";
import { remoteImage } from "./remoteImage";

/** The `@pulumi/docker` SDK version this plugin stands in for. */
export const PROVIDER_VERSION = "5.2.0";

const KINDS = new Map<string, ResourceKind>([container, network, remoteImage].map((k) => [k.token, k]));

/** The upstream bridge's autoname: `<resource name>-<7 hex>`, stable for a given seed. */
function autoname(resourceName: string, seed: Uint8Array): string {
    const bytes = seed.length > 0 ? createHash("sha256").update(seed).digest("hex") : randomBytes(4).toString("hex");
    return `${resourceName}-${bytes.slice(0, 7)}`;
}

/** Upstream's wrapping of a failed operation: `creating <urn>: 1 error occurred: * <message>`. */
function wrapped(verb: string, urn: string, err: unknown): Error {
    const message = err instanceof Error ? err.message : String(err);
    return new Error(`${verb} ${urn}: 1 error occurred:\n\t* ${message}\n\n`);
}

export class DockerProviderServer extends PluginService {
    private docker: Dockerode | undefined;

    constructor() {
        super(PROVIDER_VERSION);
    }

    private kind(urn: string): ResourceKind {
        const kind = KINDS.get(typeOf(urn));
        if (!kind)
            throw new Error(
                `resource type ${typeOf(urn)} is not served by pulumi-lvs's offline Docker plugin ` +
                    `(it serves ${[...KINDS.keys()].join(", ")}); install the official pulumi-resource-docker plugin`,
            );
        return kind;
    }

    private client(): Dockerode {
        if (!this.docker) throw new Error("the Docker provider was not configured");
        return this.docker;
    }

    diffConfig(call: Call<provproto.DiffRequest>, callback: Callback<provproto.DiffResponse>): void {
        // As upstream: a provider-config change (a new `host`) is an update, never a replace.
        const olds = reveal(withoutInternal((call.request.getOlds()?.toJavaScript() ?? {}) as Props)) as Props;
        const news = reveal(withoutInternal((call.request.getNews()?.toJavaScript() ?? {}) as Props)) as Props;
        const changed = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter(
            (k) => k !== "version" && JSON.stringify(olds[k]) !== JSON.stringify(news[k]),
        );
        const resp = new provproto.DiffResponse();
        resp.setChanges(changed.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
        resp.setDiffsList(changed);
        callback(null, resp);
    }

    configure(call: Call<provproto.ConfigureRequest>, callback: Callback<provproto.ConfigureResponse>): Promise<void> {
        return reply(callback, async () => {
            const args = (call.request.getArgs()?.toJavaScript() ?? {}) as Props;
            const variables = Object.fromEntries(call.request.getVariablesMap().toArray()) as Record<string, string>;
            const host = hostFromConfig(reveal(args.host) ?? variables["docker:config:host"], process.env);
            this.docker = await connect(host);
            const resp = new provproto.ConfigureResponse();
            resp.setAcceptsecrets(true);
            resp.setAcceptresources(false);
            resp.setSupportspreview(false);
            return resp;
        });
    }

    cancel(_call: Call<unknown>, callback: Callback<emptyproto.Empty>): void {
        callback(null, new emptyproto.Empty());
    }

    check(call: Call<provproto.CheckRequest>, callback: Callback<provproto.CheckResponse>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const kind = this.kind(urn);
            const news = withoutInternal(call.request.getNews()!.toJavaScript() as Props);
            const olds = withoutInternal((call.request.getOlds()?.toJavaScript() ?? {}) as Props);
            if (kind.autonamed && news.name === undefined)
                news.name = olds.name ?? autoname(nameOf(urn), call.request.getRandomseed_asU8());
            const resp = new provproto.CheckResponse();
            let inputs = news;
            if (!containsUnknown(news)) {
                const parsed = kind.schema.safeParse(reveal(news));
                if (parsed.success) {
                    // Defaults filled in; the values the program gave (secrets among them) kept as given.
                    inputs = { ...parsed.data, ...news };
                } else {
                    resp.setFailuresList(
                        parsed.error.issues.map((issue) => {
                            const failure = new provproto.CheckFailure();
                            const path = issue.path.map(String).join(".");
                            failure.setProperty(path);
                            failure.setReason(path ? `${path}: ${issue.message}` : issue.message);
                            return failure;
                        }),
                    );
                }
            }
            resp.setInputs(toStruct(inputs));
            return resp;
        });
    }

    diff(call: Call<provproto.DiffRequest>, callback: Callback<provproto.DiffResponse>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const kind = this.kind(urn);
            const olds = withoutInternal(call.request.getOlds()!.toJavaScript() as Props);
            const news = withoutInternal(call.request.getNews()!.toJavaScript() as Props);
            const result = diffResource(kind, nameOf(urn), olds, news);
            const resp = new provproto.DiffResponse();
            resp.setChanges(result.changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
            resp.setReplacesList(result.replaces);
            resp.setDiffsList(result.diffs);
            resp.setDeletebeforereplace(result.deleteBeforeReplace);
            return resp;
        });
    }

    create(call: Call<provproto.CreateRequest>, callback: Callback<provproto.CreateResponse>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const kind = this.kind(urn);
            const inputs = withoutInternal(call.request.getProperties()!.toJavaScript() as Props);
            try {
                const { id, outs } = await kind.create(this.client(), reveal(inputs) as Props);
                const resp = new provproto.CreateResponse();
                resp.setId(id);
                resp.setProperties(toStruct({ ...outs, ...inputs }));
                return resp;
            } catch (err) {
                if (err instanceof PartialCreateError)
                    throw errorWithState(wrapped("creating", urn, err).message, err.id, { ...err.outs, ...inputs });
                // A create that fails before any object exists is reported unwrapped, as upstream.
                throw err;
            }
        });
    }

    read(call: Call<provproto.ReadRequest>, callback: Callback<provproto.ReadResponse>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const kind = this.kind(urn);
            const id = call.request.getId();
            const state = withoutInternal(call.request.getProperties()!.toJavaScript() as Props);
            let live: Props | undefined;
            try {
                live = await kind.read(this.client(), id, reveal(state) as Props);
            } catch (err) {
                throw wrapped("refreshing", urn, err);
            }
            const resp = new provproto.ReadResponse();
            if (!live) return resp; // gone: the engine drops it from the state
            resp.setId(kind.idOf?.(live) ?? id);
            resp.setProperties(toStruct(live));
            const inputs = call.request.getInputs();
            if (inputs) resp.setInputs(inputs);
            return resp;
        });
    }

    update(call: Call<provproto.UpdateRequest>, callback: Callback<provproto.UpdateResponse>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const kind = this.kind(urn);
            const olds = withoutInternal(call.request.getOlds()!.toJavaScript() as Props);
            const news = withoutInternal(call.request.getNews()!.toJavaScript() as Props);
            let outs: Props;
            try {
                outs = await kind.update(this.client(), call.request.getId(), reveal(olds) as Props, reveal(news) as Props);
            } catch (err) {
                throw wrapped("updating", urn, err);
            }
            const resp = new provproto.UpdateResponse();
            resp.setProperties(toStruct({ ...outs, ...news }));
            return resp;
        });
    }

    delete(call: Call<provproto.DeleteRequest>, callback: Callback<emptyproto.Empty>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const kind = this.kind(urn);
            const state = withoutInternal(call.request.getProperties()!.toJavaScript() as Props);
            try {
                await kind.delete(this.client(), call.request.getId(), reveal(state) as Props);
            } catch (err) {
                throw wrapped("deleting", urn, err);
            }
            return new emptyproto.Empty();
        });
    }
}
