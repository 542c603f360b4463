// Host keys, end to end through the lvs provider against a real OpenSSH
// server on loopback: trust on first use recorded in the state, a recorded or
// pinned key required, and a host presenting another key refused at once, in
// one line naming the host and both fingerprints, before anything runs there.
// (The fact used only reads: whether openssh-server is installed.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { execFileSync } from "node:child_process";
import { Connection, SshPool } from "../../pluginKit/ssh";
import { packageFact } from "../../resources/package/server";
import { checkedConnection } from "../../provider/connection";
import { SshTransport } from "../../provider/host";
import { LvsProviderServer } from "../../provider/server";
import { Sshd, startSshd } from "../support/sshd";

const URN = "urn:pulumi:dev::lvs::lvs:index:LvsCluster$lvs:index:Director$lvs:host:Package::lvs-director-ipvsadm";
const OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHR7DMoTkjfcUMhoTkDjpmHwcXXqjNzvQmOpyNDExB6N";

let sshd: Sshd;
let pool: SshPool;
const statuses: string[] = [];

beforeAll(async () => {
    sshd = await startSshd();
    pool = new SshPool((message) => statuses.push(message), false);
});
afterAll(async () => {
    pool.close();
    await sshd?.stop();
});

/** OpenSSH's own fingerprint of a key in authorized_keys form. */
function sshKeygenFingerprint(key: string): string {
    return execFileSync("ssh-keygen", ["-l", "-f", "-"], { input: key, encoding: "utf8" }).split(" ")[1]!;
}

function server(): LvsProviderServer {
    return new LvsProviderServer(
        [packageFact] as never,
        (connection, hostName, options) =>
            new SshTransport(pool, checkedConnection(connection) as Connection, hostName, options?.hostKeyFromState),
        () => undefined,
        () => undefined,
    );
}

/** A refresh of the resource whose state is `state` (its connection given `hostKey` when set). */
async function read(state: Record<string, unknown>, hostKey?: string): Promise<Record<string, unknown>> {
    const connection = {
        host: sshd.host,
        port: sshd.port,
        user: sshd.user,
        privateKey: sshd.privateKey,
        dialErrorLimit: 3,
        perDialTimeout: 5,
        ...(hostKey ? { hostKey } : {}),
    };
    const props = { connection, hostName: "director", package: "openssh-server", ...state };
    const request = new provproto.ReadRequest();
    request.setUrn(URN);
    request.setId("lvs-director-ipvsadm-1");
    request.setProperties(structproto.Struct.fromJavaScript(props as never));
    request.setInputs(structproto.Struct.fromJavaScript(props as never));
    const provider = server();
    const response = await new Promise<provproto.ReadResponse>(
        (resolve, reject) => void provider.read({ request } as never, (err, value) => (err ? reject(err) : resolve(value!))),
    );
    return response.getProperties()!.toJavaScript() as Record<string, unknown>;
}

const logins = () => (sshd.log().match(/Accepted publickey/g) ?? []).length;
const recorded = () => `[${sshd.host}]:${sshd.port} ${sshd.hostKey.split(" ").slice(0, 2).join(" ")}`;

describe("host keys", () => {
    it("a first connection records the key the host presented in the state", async () => {
        expect((await read({})).sshHostKey).toBe(recorded());
    });

    it("a host presenting another key than the one recorded is refused at once: one line, both fingerprints, no login", async () => {
        const before = logins();
        statuses.length = 0;
        const error = await read({ sshHostKey: `[${sshd.host}]:${sshd.port} ${OTHER_KEY}` }).catch((e: Error) => e);
        expect(error).toBeInstanceOf(Error);
        const message = (error as Error).message;
        expect(message).not.toContain("\n");
        expect(message).toContain(
            `director (${sshd.user}@${sshd.host}:${sshd.port}): refused: the host's SSH key is not the one this stack recorded`,
        );
        expect(message).toContain(`presented the ssh-ed25519 key ${sshKeygenFingerprint(sshd.hostKey)}`);
        expect(message).toContain(`not the expected ${sshKeygenFingerprint(OTHER_KEY)}`);
        expect(message).toContain("nothing was run there");
        expect(logins()).toBe(before);
        expect(statuses.filter((s) => s.startsWith("Dial"))).toEqual([]);
    });

    it("a key pinned in the connection is required instead of the recorded one, and recorded", async () => {
        const state = await read({ sshHostKey: `[${sshd.host}]:${sshd.port} ${OTHER_KEY}` }, sshd.hostKey);
        expect(state.sshHostKey).toBe(recorded());
        const error = await read({ sshHostKey: recorded() }, OTHER_KEY).catch((e: Error) => e);
        expect((error as Error).message).toContain("is not the one the settings give");
    });

    it("a key recorded for another address does not apply (the connection moved): the new host's key is recorded", async () => {
        expect((await read({ sshHostKey: `[${sshd.host}]:1 ${OTHER_KEY}` })).sshHostKey).toBe(recorded());
    });
});
