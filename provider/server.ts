// The lvs provider's gRPC service, written against the engine's protocol
// directly: the SDK's generic provider server (`@pulumi/pulumi/provider`) has
// no detailed diff, and a preview must name each drifted table entry or host
// fact, with the live value beside the desired one.
import { createHash, randomBytes } from "node:crypto";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { z } from "zod";
import { CheckedConnection, connectionSchemaFor } from "./connection";
import type { Connection } from "../pluginKit/ssh";
import { EngineLog } from "../pluginKit/engineLog";
import { detailedDiff, DiffKind } from "../pluginKit/diff";
import { Fact, FactContext, Props } from "./fact";
import { runScript, Transport } from "./host";
import { Callback, errorWithState, reply, serviceError, toStruct } from "../pluginKit/grpcReplies";
import { Call, nameOf, PluginService, typeOf, withoutInternal } from "../pluginKit/pluginService";
import { containsUnknown, reveal, secret } from "../pluginKit/rpcValues";
import { HOST_KEY_PROPERTY, recordedKey, withRecordedKey } from "./hostKeyRecord";
import { ReadBatcher } from "./readBatch";
import { forgottenHosts, forgottenRefusal, forgottenWarning } from "./forgotten";
import type { ReachabilityProbe } from "./reachability";
import { claimOf, claiming, otherStackClaim, READ_CLAIMS_SCRIPT, sharedHostProblem } from "./stackClaims";
import { timed } from "./timings";

/** The provider's version, reported to the engine. */
export const PROVIDER_VERSION = "0.2.0";

/**
 * Builds the transport a resource's scripts run through, from its (revealed) connection and host name.
 * `hostKeyFromState`: the connection's host key is the one the stack recorded on first use (hostKeyRecord.ts).
 */
export type TransportFactory = (connection: unknown, hostName: string, options?: { hostKeyFromState?: boolean }) => Transport;

/** A fact's context, and the key its host presented once the fact has run (for the state). */
type RunContext = FactContext & { recordedKey(): Record<string, string> };

const KINDS: Record<DiffKind, [number, number]> = {
    add: [provproto.PropertyDiff.Kind.ADD, provproto.PropertyDiff.Kind.ADD_REPLACE],
    delete: [provproto.PropertyDiff.Kind.DELETE, provproto.PropertyDiff.Kind.DELETE_REPLACE],
    update: [provproto.PropertyDiff.Kind.UPDATE, provproto.PropertyDiff.Kind.UPDATE_REPLACE],
};

export class LvsProviderServer extends PluginService {
    private readonly facts: Map<string, Fact>;
    private readonly reads = new ReadBatcher();
    /** Each host's answer to whether another stack manages it (by its name and SSH endpoint), once per run. */
    private readonly claimsRead = new Map<string, Promise<string | undefined>>();
    /** Hosts `lvs:forget` lists (forgotten.ts): never contacted. */
    private forgotten: ReadonlySet<string> = new Set();

    constructor(
        facts: Fact[],
        private readonly transportFor: TransportFactory,
        private readonly log: EngineLog,
        private readonly onCancel: () => void,
        /** Asks whether each host's SSH port answers when its first resource is checked (none: never asked). */
        private readonly reachability?: ReachabilityProbe,
        /** The plugin's environment, where the engine puts the stack's settings of the provider's package (forgotten.ts). */
        private readonly environment: NodeJS.ProcessEnv = process.env,
    ) {
        super(PROVIDER_VERSION);
        this.facts = new Map(facts.map((f) => [f.type, f]));
    }

    private fact(urn: string): Fact {
        const fact = this.facts.get(typeOf(urn));
        if (!fact)
            throw new Error(
                `resource type ${typeOf(urn)} is not served by the lvs provider (it serves ${[...this.facts.keys()].join(", ")})`,
            );
        return fact;
    }

    /** The plain desired state of checked inputs or a stored state (what the fact's operations take). */
    private desired(props: Props): Props {
        const plain = reveal(withoutInternal(props)) as Props;
        delete plain.connection;
        return plain;
    }

    /**
     * `recorded`: the host key the state holds (hostKeyRecord.ts). `batchReads`: the scripts only read (a Read
     * call), so they may share a session with the host's other reads.
     */
    private context(fact: Fact, urn: string, props: Props, recorded: unknown, use: "read" | "apply" | "delete"): RunContext {
        const desired = this.desired(props);
        const given = reveal(props.connection);
        const { connection, fromState } = withRecordedKey(given, recorded);
        const raw = this.transportFor(connection, fact.hostName(desired), { hostKeyFromState: fromState });
        let transport = raw;
        // One batch per way of reaching a host (a digest: the connection holds secrets).
        if (use === "read")
            transport = this.reads.through(transport, createHash("sha256").update(JSON.stringify(connection)).digest("hex"));
        // A change of a host claims it for the stack (stackClaims.ts); its undo takes the claim away.
        else if (fact.claimsHost !== false) transport = claiming(transport, claimOf(urn), use);
        return {
            transport: timed(transport, urn),
            status: (message) => this.log(urn, message),
            warn: (message) => this.log(urn, message, "warning"),
            recordedKey: () => recordedKey(given, raw.presentedHostKey?.()),
        };
    }

    /** Outputs: the inputs as given (the connection and the fact's secrets stay secret) plus what the fact computed. */
    private outputs(fact: Fact, props: Props, extra: Props): Props {
        return withSecrets({ ...withoutInternal(props), connection: secret(reveal(props.connection)), ...extra }, fact.secretPaths);
    }

    // Plugin and configuration ------------------------------------------------

    diffConfig(_call: Call<unknown>, callback: Callback<provproto.DiffResponse>): void {
        const resp = new provproto.DiffResponse();
        resp.setChanges(provproto.DiffResponse.DiffChanges.DIFF_NONE);
        callback(null, resp);
    }

    configure(_call: Call<provproto.ConfigureRequest>, callback: Callback<provproto.ConfigureResponse>): Promise<void> {
        return reply(callback, async () => {
            this.forgotten = forgottenHosts(this.environment);
            const resp = new provproto.ConfigureResponse();
            resp.setAcceptsecrets(true);
            resp.setAcceptresources(false);
            resp.setSupportspreview(false);
            return resp;
        });
    }

    /** A warning instead of contacting a forgotten host: true when `hostName` is one. */
    private skipsForgotten(urn: string, hostName: string, operation: "read" | "delete"): boolean {
        if (!this.forgotten.has(hostName)) return false;
        this.log(urn, forgottenWarning(hostName, nameOf(urn), operation), "warning");
        return true;
    }

    /** A forgotten host gets no resource (the program's settings check says so first; a user's own program may not). */
    private refuseForgotten(urn: string, hostName: string): void {
        if (this.forgotten.has(hostName)) throw new Error(forgottenRefusal(hostName, nameOf(urn)));
    }

    cancel(_call: Call<unknown>, callback: Callback<emptyproto.Empty>): void {
        this.onCancel();
        callback(null, new emptyproto.Empty());
    }

    // Resources ----------------------------------------------------------------

    check(call: Call<provproto.CheckRequest>, callback: Callback<provproto.CheckResponse>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const fact = this.fact(urn);
            const news = withoutInternal(call.request.getNews()!.toJavaScript() as Props);
            const resp = new provproto.CheckResponse();
            const failures: provproto.CheckFailure[] = [];
            const fail = (property: string, reason: string) => {
                const f = new provproto.CheckFailure();
                f.setProperty(property);
                f.setReason(reason);
                failures.push(f);
            };
            const issues = (prefix: string, error: z.ZodError) => {
                for (const issue of error.issues) {
                    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
                    fail(path || "(inputs)", `${path}: ${issue.message}`);
                }
            };
            // Connection defaults applied, and the connection always secret, as the command provider does.
            let connection: unknown = news.connection;
            // Known and valid: what the probe of its host may use (a computed host is not probed).
            let checkedConnection: CheckedConnection | undefined;
            if (connection === undefined || connection === null) fail("connection", "missing required property 'connection'");
            else if (!containsUnknown(connection)) {
                const parsed = connectionSchemaFor(reveal(connection)).safeParse(reveal(connection));
                if (parsed.success) {
                    checkedConnection = parsed.data as CheckedConnection;
                    connection = secret(parsed.data);
                } else issues("connection", parsed.error);
            }
            let inputs: Props = { ...news, connection };
            const plain = reveal(news) as Props;
            delete plain.connection;
            if (!containsUnknown(plain)) {
                const parsed = fact.schema.safeParse(plain);
                if (parsed.success) {
                    inputs = withSecrets({ ...(parsed.data as Props), ...fact.derive?.(parsed.data), connection }, fact.secretPaths);
                    if (checkedConnection && failures.length === 0) {
                        const hostName = fact.hostName(parsed.data as Props);
                        const reachable = await this.warnIfUnreachable(urn, hostName, checkedConnection);
                        // (A reachable host is an SSH one: docker's are not probed.)
                        const problem =
                            reachable && !("docker" in checkedConnection)
                                ? await this.anotherStacksHost(urn, fact, inputs, hostName, checkedConnection)
                                : undefined;
                        // (Named on hostName: the engine prints the named property's value, and the connection's holds the key.)
                        if (problem) fail("hostName", problem);
                    }
                } else issues("", parsed.error);
            }
            resp.setInputs(toStruct(inputs));
            resp.setFailuresList(failures);
            return resp;
        });
    }

    /**
     * A warning, once per host and run, when nothing answers at its SSH port (or its proxy's): a preview
     * contacts no host for the resources it would create.
     */
    private async warnIfUnreachable(urn: string, hostName: string, connection: CheckedConnection): Promise<boolean> {
        if (!this.reachability || "docker" in connection || this.forgotten.has(hostName)) return false;
        const hop = connection.proxy ?? connection;
        const problem = await this.reachability.problem(hop.host, hop.port);
        const where = `${connection.user}@${connection.host}:${connection.port}`;
        if (problem === undefined) return true;
        if (!this.reachability.firstTimeFor(`${hostName} ${where}`)) return false;
        const via = connection.proxy ? ` through its proxy ${hop.user}@${hop.host}:${hop.port}` : "";
        this.log(
            urn,
            `${hostName} (${where}): nothing answers SSH${via} (${problem}): pulumi up cannot change this host until it ` +
                "does; check the host's address and SSH port in the stack's settings, and that the host runs sshd",
            "warning",
        );
        return false;
    }

    /**
     * Whether another stack manages the host of a resource being checked (its claims, stackClaims.ts), asked once
     * per host and run over the host's shared read session: the problem to report, or nothing. A host that cannot
     * be read now is left to the steps that need it, which say why.
     */
    private anotherStacksHost(
        urn: string,
        fact: Fact,
        inputs: Props,
        hostName: string,
        connection: Connection,
    ): Promise<string | undefined> {
        // Every resource of a host is checked: the host is asked once, its transport made only then.
        const key = `${hostName} ${connection.user}@${connection.host}:${connection.port}`;
        const known = this.claimsRead.get(key);
        if (known) return known;
        // (A check has the inputs, not the state's recorded host key: a host not pinned is read as it presents
        // itself, for a listing of file names; every step that changes it checks the key.)
        const ctx = this.context(fact, urn, inputs, undefined, "read");
        const answer = runScript(ctx.transport, "read of the stacks' claims", READ_CLAIMS_SCRIPT, ctx.warn).then(
            (stdout) => {
                const other = otherStackClaim(stdout, claimOf(urn));
                return other ? sharedHostProblem(ctx.transport.label, other) : undefined;
            },
            () => undefined,
        );
        this.claimsRead.set(key, answer);
        return answer;
    }

    diff(call: Call<provproto.DiffRequest>, callback: Callback<provproto.DiffResponse>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const fact = this.fact(urn);
            const olds = withoutInternal(call.request.getOlds()!.toJavaScript() as Props);
            const news = withoutInternal(call.request.getNews()!.toJavaScript() as Props);
            const resp = new provproto.DiffResponse();
            const keys = [...schemaKeys(fact), "connection"];
            const changes = detailedDiff(olds, news, keys, fact.replaceOn);
            resp.setChanges(
                changes.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE,
            );
            resp.setReplacesList([...new Set(changes.filter((c) => c.replace).map((c) => c.path.split(/[.[]/)[0]!))]);
            resp.setDiffsList([...new Set(changes.map((c) => c.path.split(/[.[]/)[0]!))]);
            resp.setHasdetaileddiff(true);
            const detailed = resp.getDetaileddiffMap();
            for (const change of changes) {
                const d = new provproto.PropertyDiff();
                d.setKind(KINDS[change.kind][change.replace ? 1 : 0]! as provproto.PropertyDiff.Kind);
                d.setInputdiff(false);
                detailed.set(change.path, d);
            }
            resp.setDeletebeforereplace(false);
            return resp;
        });
    }

    create(call: Call<provproto.CreateRequest>, callback: Callback<provproto.CreateResponse>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const fact = this.fact(urn);
            const props = withoutInternal(call.request.getProperties()!.toJavaScript() as Props);
            const desired = this.desired(props);
            this.refuseForgotten(urn, fact.hostName(desired));
            const id = `${nameOf(urn)}-${randomBytes(4).toString("hex")}`;
            let extra: Props;
            const ctx = this.context(fact, urn, props, undefined, "apply");
            try {
                extra = await fact.create(ctx, desired);
            } catch (err) {
                // Whatever the failed step already did stays known to Pulumi, so that the next up
                // converges it and a destroy undoes it.
                throw errorWithState(serviceError(err).message, id, this.outputs(fact, props, ctx.recordedKey()));
            }
            const resp = new provproto.CreateResponse();
            resp.setId(id);
            resp.setProperties(toStruct(this.outputs(fact, props, { ...extra, ...ctx.recordedKey() })));
            return resp;
        });
    }

    read(call: Call<provproto.ReadRequest>, callback: Callback<provproto.ReadResponse>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const fact = this.fact(urn);
            const state = withoutInternal(call.request.getProperties()!.toJavaScript() as Props);
            const resp = new provproto.ReadResponse();
            const inputs = call.request.getInputs();
            // What to read is what the program last asked for (the inputs); the state may already show drift.
            const wanted = inputs ? withoutInternal(inputs.toJavaScript() as Props) : state;
            const desired = this.desired({ ...state, ...wanted });
            // No ID: the resource is gone, and the engine drops it from the state.
            if (this.skipsForgotten(urn, fact.hostName(desired), "read")) return resp;
            resp.setId(call.request.getId());
            const ctx = this.context(fact, urn, { ...wanted, connection: state.connection }, state[HOST_KEY_PROPERTY], "read");
            const live = await fact.read(ctx, desired);
            resp.setProperties(toStruct({ ...state, ...live, ...ctx.recordedKey() }));
            if (inputs) resp.setInputs(inputs);
            return resp;
        });
    }

    update(call: Call<provproto.UpdateRequest>, callback: Callback<provproto.UpdateResponse>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const fact = this.fact(urn);
            const olds = withoutInternal(call.request.getOlds()!.toJavaScript() as Props);
            const news = withoutInternal(call.request.getNews()!.toJavaScript() as Props);
            const desired = this.desired(news);
            this.refuseForgotten(urn, fact.hostName(desired));
            const ctx = this.context(fact, urn, news, olds[HOST_KEY_PROPERTY], "apply");
            const oldInputs = call.request.getOldInputs()?.toJavaScript() as Props | undefined;
            const declaredBefore = oldInputs ? this.desired(withoutInternal(oldInputs)) : undefined;
            const extra = await fact.update(ctx, this.desired(olds), desired, declaredBefore);
            const resp = new provproto.UpdateResponse();
            resp.setProperties(toStruct(this.outputs(fact, news, { ...computedOutputs(olds, fact), ...extra, ...ctx.recordedKey() })));
            return resp;
        });
    }

    delete(call: Call<provproto.DeleteRequest>, callback: Callback<emptyproto.Empty>): Promise<void> {
        return reply(callback, async () => {
            const urn = call.request.getUrn();
            const fact = this.fact(urn);
            const props = withoutInternal(call.request.getProperties()!.toJavaScript() as Props);
            const desired = this.desired(props);
            if (!this.skipsForgotten(urn, fact.hostName(desired), "delete"))
                await fact.delete(this.context(fact, urn, props, props[HOST_KEY_PROPERTY], "delete"), desired);
            return new emptyproto.Empty();
        });
    }
}

/** `props` with the value at each path (where there is one) wrapped as an engine secret. */
export function withSecrets(props: Props, paths: readonly (readonly string[])[] = []): Props {
    const wrap = (value: unknown, path: readonly string[]): unknown => {
        if (path.length === 0) return value === undefined ? value : secret(reveal(value));
        if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
        const [head, ...rest] = path as [string, ...string[]];
        if (!(head in value)) return value;
        return { ...(value as Props), [head]: wrap((value as Props)[head], rest) };
    };
    return paths.reduce((p, path) => wrap(p, path) as Props, props);
}

/** The properties of a fact's desired state. */
function schemaKeys(fact: Fact): string[] {
    return Object.keys((fact.schema as unknown as z.ZodObject<z.ZodRawShape>).shape ?? {});
}

/** Computed outputs of the old state, kept by an update that computes nothing new (e.g. the last table listing). */
function computedOutputs(olds: Props, fact: Fact): Props {
    const keys = new Set(schemaKeys(fact));
    return Object.fromEntries(Object.entries(olds).filter(([k]) => !keys.has(k) && k !== "connection"));
}
