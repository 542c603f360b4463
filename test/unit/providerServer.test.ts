// The lvs provider's gRPC service, called as the engine calls it (protobuf
// requests), with the host facts on a throwaway host: Check applies defaults
// and keeps the connection secret, Diff names each drifted path with its kind,
// Read reports the host's state, and state written by the command provider
// is taken over by an update.
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { afterEach, describe, expect, it } from "vitest";
import { addressesFact } from "../../resources/addresses/server";
import { fileFact } from "../../resources/file/server";
import { packageFact } from "../../resources/package/server";
import { serviceFact } from "../../resources/service/server";
import { sysctlsFact } from "../../resources/sysctls/server";
import { virtualServiceFact } from "../../resources/virtualService/server";
import { LvsProviderServer } from "../../provider/server";
import { ReachabilityProbe } from "../../provider/reachability";
import { unknownValue } from "../../pluginKit/rpcValues";
import { FakeHost } from "../support/fakeHost";
import { closedPorts, listener } from "../support/ports";
import { tutorialService } from "../support/facts";

const VS_URN = "urn:pulumi:dev::lvs::lvs:index:LvsCluster$lvs:index:Director$lvs:ipvs:VirtualService::lvs-director-tcp-80";
const PAGE_URN = "urn:pulumi:dev::lvs::lvs:index:LvsCluster$lvs:index:RealServer$lvs:host:File::lvs-rs1-test-page";
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
const connection = { host: "127.0.0.1", port: 2221, user: "root", password: "not used: the fake host is reached without SSH" };

const hosts: FakeHost[] = [];
afterEach(() => hosts.splice(0).forEach((h) => h.cleanup()));

function provider(
    reachability?: ReachabilityProbe,
    environment: NodeJS.ProcessEnv = {},
): { server: LvsProviderServer; host: FakeHost; logged: string[]; reached: string[] } {
    const host = new FakeHost();
    hosts.push(host);
    const logged: string[] = [];
    /** The host of each transport the provider made. */
    const reached: string[] = [];
    const server = new LvsProviderServer(
        [packageFact, serviceFact, sysctlsFact, addressesFact, fileFact, virtualServiceFact] as never,
        (_conn, hostName) => {
            reached.push(hostName);
            return host.transport(`${hostName} (root@127.0.0.1:2221)`);
        },
        (_urn, message, severity) => logged.push(`${severity ?? "info"}: ${message}`),
        () => undefined,
        reachability,
        environment,
    );
    return { server, host, logged, reached };
}

function struct(value: Record<string, unknown>): structproto.Struct {
    return structproto.Struct.fromJavaScript(value as Record<string, structproto.JavaScriptValue>);
}

/** Calls a server method as grpc-js would, resolving with the response or rejecting with the error. */
function call<Res>(
    method: (call: { request: unknown }, callback: (err: Error | null, value?: Res | null) => void) => unknown,
    request: unknown,
): Promise<Res> {
    return new Promise((resolve, reject) => {
        void method({ request }, (err, value) => (err ? reject(err) : resolve(value as Res)));
    });
}

async function check(server: LvsProviderServer, urn: string, news: Record<string, unknown>): Promise<provproto.CheckResponse> {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setOlds(struct({}));
    req.setNews(struct(news));
    return call(server.check.bind(server) as never, req);
}

async function diff(
    server: LvsProviderServer,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<provproto.DiffResponse> {
    const req = new provproto.DiffRequest();
    req.setUrn(urn);
    req.setId("id");
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    return call(server.diff.bind(server) as never, req);
}

function detailed(resp: provproto.DiffResponse): Record<string, string> {
    const names = Object.fromEntries(Object.entries(provproto.PropertyDiff.Kind).map(([k, v]) => [v, k]));
    const out: Record<string, string> = {};
    resp.getDetaileddiffMap().forEach((d, path) => (out[path] = names[d.getKind()]!));
    return out;
}

const { hostName, protocol, address, port, scheduler, realServers } = tutorialService();
const vsInputs = { connection, hostName, protocol, address, port, scheduler, realServers };

describe("Check", () => {
    it(
        "applies the defaults a virtual service implies and returns the connection secret, with the command provider's " + "defaults",
        async () => {
            const { server } = provider();
            const resp = await check(server, VS_URN, { ...vsInputs, connection: secret({ host: "web1" }) });
            expect(resp.getFailuresList()).toEqual([]);
            expect(resp.getInputs()!.toJavaScript()).toEqual({
                ...vsInputs,
                connection: secret({ host: "web1", port: 22, user: "root", dialErrorLimit: 10, perDialTimeout: 15 }),
                flags: [],
                drainTimeout: 30,
                present: true,
                saved: true,
                restoreAtBoot: true,
            });
        },
    );

    it("warns once per host whose SSH port nothing answers (a preview runs nothing on a host it would create on)", async () => {
        // Loopback only: a port something listens on, and one nothing does.
        const listening = await listener();
        const [closed] = await closedPorts(1);
        try {
            const { server, logged } = provider(new ReachabilityProbe());
            const at = (p: number) => secret({ host: "127.0.0.1", port: p, user: "lvs" });
            const resps = await Promise.all([
                check(server, VS_URN, { ...vsInputs, connection: at(closed) }),
                check(server, PAGE_URN, { hostName: "director", path: "/srv/page.html", content: "x", connection: at(closed) }),
                check(server, PAGE_URN, {
                    hostName: "rs1",
                    path: "/srv/page.html",
                    content: "x",
                    connection: at((listening.address() as { port: number }).port),
                }),
                // A host computed by another resource is not known at a preview: nothing to probe, nothing said.
                check(server, PAGE_URN, {
                    hostName: "rs2",
                    path: "/srv/page.html",
                    content: "x",
                    connection: secret({ host: unknownValue, port: closed, user: "lvs" }),
                }),
            ]);
            expect(resps.flatMap((r) => r.getFailuresList())).toEqual([]);
            expect(logged).toEqual([
                `warning: director (lvs@127.0.0.1:${closed}): nothing answers SSH (ECONNREFUSED): pulumi up cannot ` +
                    "change this host until it does; check the host's address and SSH port in the stack's settings, and that " +
                    "the host runs sshd",
            ]);
        } finally {
            listening.close();
        }
    });

    it("fails bad inputs by property, in the spec's words, before anything runs", async () => {
        const { server, host } = provider();
        const resp = await check(server, VS_URN, {
            ...vsInputs,
            scheduler: "fastest",
            realServers: { "192.168.2.100:80": { forwarding: "nat", weight: 70000 } },
        });
        expect(resp.getFailuresList().map((f) => [f.getProperty(), f.getReason()])).toEqual([
            [
                "scheduler",
                'scheduler: unknown scheduler "fastest": use one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, ' +
                    "fo, ovf, mh (see ipvsadm(8))",
            ],
            [
                "realServers.192.168.2.100:80.weight",
                "realServers.192.168.2.100:80.weight: must be from 0 to 65535: ipvsadm accepts no larger weight",
            ],
        ]);
        expect(host.calls()).toEqual([]);
    });

    it("checks flags and persistence by the same rules, in the same words, as a cluster's settings; rr by default", async () => {
        const { server } = provider();
        const { scheduler: _omitted, ...withoutScheduler } = vsInputs;
        const resp = await check(server, VS_URN, {
            ...withoutScheduler,
            flags: ["sh-port"],
            persistence: { timeout: 300, netmask: "255.0.255.0" },
        });
        expect(resp.getFailuresList().map((f) => f.getReason())).toEqual([
            'persistence.netmask: "255.0.255.0" is not a netmask such as 255.255.255.0',
            "flags: scheduler rr takes no flags (only sh and mh do)",
        ]);
        const fine = await check(server, VS_URN, withoutScheduler);
        expect(fine.getFailuresList()).toEqual([]);
        expect(fine.getInputs()!.toJavaScript()).toMatchObject({ scheduler: "rr" });
    });
});

describe("Diff", () => {
    it("names each drifted table entry and setting, live against desired", async () => {
        const { server } = provider();
        const desired = (await check(server, VS_URN, vsInputs)).getInputs()!.toJavaScript() as Record<string, unknown>;
        const live = {
            ...desired,
            scheduler: "sh",
            realServers: { "192.168.2.100:80": { forwarding: "nat", weight: 5 } },
            saved: false,
            ipvsTable: "listing",
        };
        const resp = await diff(server, VS_URN, live, desired);
        expect(resp.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_SOME);
        expect(resp.getReplacesList()).toEqual([]);
        expect(detailed(resp)).toEqual({
            scheduler: "UPDATE",
            'realServers["192.168.2.100:80"].weight': "UPDATE",
            'realServers["192.168.2.101:80"]': "ADD",
            saved: "UPDATE",
        });
    });

    it("finds nothing when the live state is the desired one", async () => {
        const { server } = provider();
        const desired = (await check(server, VS_URN, vsInputs)).getInputs()!.toJavaScript() as Record<string, unknown>;
        const resp = await diff(server, VS_URN, { ...desired, ipvsTable: "listing" }, desired);
        expect(resp.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_NONE);
        expect(detailed(resp)).toEqual({});
    });

    it("replaces for another VIP or port, and for another file", async () => {
        const { server } = provider();
        const desired = (await check(server, VS_URN, vsInputs)).getInputs()!.toJavaScript() as Record<string, unknown>;
        const resp = await diff(server, VS_URN, desired, { ...desired, port: 8080 });
        expect(resp.getReplacesList()).toEqual(["port"]);
        expect(detailed(resp)).toEqual({ port: "UPDATE_REPLACE" });
        const page = { connection: secret(connection), hostName: "rs1", path: "/var/www/html/index.html", content: "a" };
        expect(detailed(await diff(server, PAGE_URN, page, { ...page, path: "/srv/index.html" }))).toEqual({ path: "UPDATE_REPLACE" });
    });
});

describe("Read and Create", () => {
    it("reads the host back into the state, and a create that fails leaves its state known", async () => {
        const { server, host } = provider();
        const desired = (
            await check(server, PAGE_URN, { connection, hostName: "rs1", path: "/var/www/html/index.html", content: "<h1>rs1</h1>\n" })
        ).getInputs()!;

        const create = new provproto.CreateRequest();
        create.setUrn(PAGE_URN);
        create.setProperties(desired);
        const created = await call<provproto.CreateResponse>(server.create.bind(server) as never, create);
        expect(created.getId()).toMatch(/^lvs-rs1-test-page-[0-9a-f]{8}$/);
        expect(created.getProperties()!.toJavaScript()).toMatchObject({
            content: "<h1>rs1</h1>\n",
            connection: secret(expect.objectContaining({ host: "127.0.0.1" })),
        });

        host.writeFile("/var/www/html/index.html", "hacked\n");
        const read = new provproto.ReadRequest();
        read.setUrn(PAGE_URN);
        read.setId(created.getId());
        read.setProperties(created.getProperties());
        read.setInputs(desired);
        const readBack = await call<provproto.ReadResponse>(server.read.bind(server) as never, read);
        expect(readBack.getProperties()!.toJavaScript()).toMatchObject({ content: "hacked\n" });
        expect(readBack.getInputs()!.toJavaScript()).toMatchObject({ content: "<h1>rs1</h1>\n" });

        const bad = new provproto.CreateRequest();
        bad.setUrn(VS_URN);
        bad.setProperties((await check(server, VS_URN, { ...vsInputs, hostName: "director" })).getInputs()!);
        host.update(
            (s) =>
                (s.ipvs.services = [
                    { key: "tcp 192.168.145.100:80", protocol: "tcp", addr: "192.168.145.100:80", scheduler: "rr", dests: [] },
                ]),
        );
        host.writeFile("/var/lib/pulumi-lvs/director", "not a directory");
        const error = (await call(server.create.bind(server) as never, bad).catch((e: unknown) => e)) as {
            message: string;
            metadata: { get(k: string): unknown[] };
        };
        expect(error.message).toMatch(/^director \(root@127\.0\.0\.1:2221\): IPVS table change failed with exit status 1/);
        // The engine records the half-done resource from this detail, so that a later up or destroy finishes it.
        expect(error.metadata.get("grpc-status-details-bin")).toHaveLength(1);
    });
});

describe("lvs:forget", () => {
    /**
     * The engine's Configure, with the stack's settings of the lvs package in the plugin's environment as the engine
     * puts them there (a list as its JSON text); the request itself holds what the last up recorded, not these.
     */
    async function configured(settings: Record<string, string>): Promise<ReturnType<typeof provider>> {
        const started = provider(undefined, { PULUMI_CONFIG: JSON.stringify(settings) });
        await call(started.server.configure.bind(started.server) as never, new provproto.ConfigureRequest());
        return started;
    }

    it("drops a forgotten host's resources at a refresh and at a delete without contacting it, and creates nothing there", async () => {
        const { server, host, logged, reached } = await configured({ forget: '["rs1","rs9"]' });
        const page = (
            await check(server, PAGE_URN, { connection, hostName: "rs1", path: "/var/www/html/index.html", content: "x\n" })
        ).getInputs()!;

        const read = new provproto.ReadRequest();
        read.setUrn(PAGE_URN);
        read.setId("lvs-rs1-test-page-0123abcd");
        read.setProperties(page);
        read.setInputs(page);
        // No ID: the engine takes the resource out of the state.
        expect((await call<provproto.ReadResponse>(server.read.bind(server) as never, read)).getId()).toBe("");

        const remove = new provproto.DeleteRequest();
        remove.setUrn(PAGE_URN);
        remove.setId("lvs-rs1-test-page-0123abcd");
        remove.setProperties(page);
        await call(server.delete.bind(server) as never, remove);

        const create = new provproto.CreateRequest();
        create.setUrn(PAGE_URN);
        create.setProperties(page);
        await expect(call(server.create.bind(server) as never, create)).rejects.toThrow(
            "lvs-rs1-test-page: rs1 is listed in lvs:forget, so pulumi-lvs does not contact it: take it out of lvs:forget to " +
                "manage it again, or remove its resources from the program",
        );
        expect(reached).toEqual([]);
        expect(host.calls()).toEqual([]);
        expect(logged).toEqual([
            "warning: rs1 is listed in lvs:forget: not contacted; lvs-rs1-test-page leaves the stack's state, and whatever it " +
                "put on rs1 stays there (see the README: a host that is gone)",
            "warning: rs1 is listed in lvs:forget: not contacted; lvs-rs1-test-page is deleted from the stack's state only, and " +
                "whatever it put on rs1 stays there (see the README: a host that is gone)",
        ]);

        // The other hosts are read as ever.
        const director = (await check(server, VS_URN, { ...vsInputs, hostName: "director" })).getInputs()!;
        const readDirector = new provproto.ReadRequest();
        readDirector.setUrn(VS_URN);
        readDirector.setId("lvs-director-tcp-80-0123abcd");
        readDirector.setProperties(director);
        readDirector.setInputs(director);
        expect((await call<provproto.ReadResponse>(server.read.bind(server) as never, readDirector)).getId()).toBe(
            "lvs-director-tcp-80-0123abcd",
        );
        expect(reached).toEqual(["director"]);
    });

    it("refuses a setting that is not a list of host names, in the words of the program's check", async () => {
        await expect(configured({ forget: "rs2" })).rejects.toThrow("lvs:forget: must be a list of host names, such as [rs2]");
        await expect(configured({ forget: '["rs2", "RS 2"]' })).rejects.toThrow('lvs:forget[1]: "RS 2" is not a valid host name');
        await configured({ virtualService: '{"port":80}' });
    });
});
