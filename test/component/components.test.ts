// What the components declare, under Pulumi mocks (no engine, no hosts).
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { parseClusterConfig } from "../../src/config";
import { keyFileEnv, tutorialConfig } from "../support/specs";

interface Declared {
    type: string;
    name: string;
    inputs: Record<string, any>;
}
const declared: Declared[] = [];

beforeAll(() => {
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                declared.push({ type: args.type, name: args.name, inputs: args.inputs });
                const stdout = args.type === "command:remote:Command" ? `stdout of ${args.name}` : undefined;
                return { id: `${args.name}-id`, state: { ...args.inputs, stdout, stderr: "" } };
            },
            call: () => ({}),
        },
        "lvs",
        "test",
        false,
    );
});

function value<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

function commands(prefix = ""): Map<string, Record<string, any>> {
    return new Map(declared.filter((d) => d.type === "command:remote:Command" && d.name.startsWith(prefix)).map((d) => [d.name, d.inputs]));
}

describe("LvsCluster", () => {
    let cluster: import("../../components").LvsCluster;
    beforeAll(async () => {
        const { LvsCluster } = await import("../../components");
        const { spec } = parseClusterConfig(tutorialConfig(), keyFileEnv);
        cluster = new LvsCluster("lvs", { spec, privateKey: "PRIVATE KEY" });
        await value(cluster.ipvsTable);
    });

    it("declares a director and one real server per entry, each with its host steps", () => {
        const components = declared.filter((d) => d.type.startsWith("lvs:index:")).map((d) => `${d.type} ${d.name}`);
        expect(components).toEqual(expect.arrayContaining([
            "lvs:index:LvsCluster lvs", "lvs:index:RealServer rs1", "lvs:index:RealServer rs2", "lvs:index:Director director",
        ]));
        expect([...commands().keys()].sort()).toEqual([
            "director-addresses", "director-ip-forward", "director-ipvsadm", "director-virtual-service",
            "rs1-addresses", "rs1-httpd", "rs1-test-page", "rs2-addresses", "rs2-httpd", "rs2-test-page",
        ]);
    });

    it("connects to each host with its SSH endpoint and the shared key, never sending the previous output", () => {
        const all = commands();
        // The whole connection, key included, is a secret.
        expect(all.get("director-ipvsadm")!.connection).toEqual({
            [specialSigKey]: specialSecretSig,
            value: { host: "127.0.0.1", port: 2221, user: "root", privateKey: "PRIVATE KEY", dialErrorLimit: 10, perDialTimeout: 15 },
        });
        expect(all.get("rs2-httpd")!.connection.value).toMatchObject({ host: "127.0.0.1", port: 2223 });
        for (const inputs of all.values()) expect(inputs.addPreviousOutputInEnv).toBe(false);
    });

    it("applies the tutorial's table: the service with rr and both real servers with -m", () => {
        const table = commands().get("director-virtual-service")!;
        expect(table.create).toContain('ipvsadm -A -t "$svc" -s rr');
        expect(table.create).toContain('ipvsadm -a -t "$svc" -r 192.168.2.100:80 -m -w 1');
        expect(table.create).toContain('ipvsadm -a -t "$svc" -r 192.168.2.101:80 -m -w 1');
        expect(table.delete).toContain('ipvsadm -D -t "$svc"');
    });

    it("replaces the table only for another VIP or port; the scheduler is not a trigger, so a change updates in place", () => {
        expect(commands().get("director-virtual-service")!.triggers).toEqual(["192.168.145.100:80"]);
        expect(commands().get("director-addresses")!.triggers).toEqual(["192.168.145.100/24", "eth1", "192.168.2.1/24", "eth2"]);
        expect(commands().get("rs1-addresses")!.triggers).toEqual(["192.168.2.100/24", "eth1", "192.168.2.1"]);
        for (const step of ["director-ipvsadm", "director-ip-forward", "rs1-httpd", "rs1-test-page"]) {
            expect(commands().get(step)!.triggers).toBeUndefined();
        }
    });

    it("gives each real server the DIP as gateway and its own test page on stdin", () => {
        expect(commands().get("rs1-addresses")!.create).toContain("ExecStart=/sbin/ip route replace default via 192.168.2.1 dev eth1");
        expect(commands().get("rs1-test-page")!.stdin).toBe("<h1>rs1 (192.168.2.100)</h1>\n");
        expect(commands().get("rs2-test-page")!.stdin).toBe("<h1>rs2 (192.168.2.101)</h1>\n");
    });

    it("outputs the VIP URL and the table as the director printed it", async () => {
        expect(await value(cluster.vipUrl)).toBe("http://192.168.145.100:80/");
        expect(await value(cluster.ipvsTable)).toBe("stdout of director-virtual-service");
    });
});

describe("Director and RealServer on their own", () => {
    it("run every step through sudo when the SSH user is not root", async () => {
        const { RealServer } = await import("../../components");
        const rs = new RealServer("web9", {
            connection: { host: "web9.example.internal", user: "deploy", privateKey: "K" },
            address: { interface: "ens18", address: "10.20.0.19", prefixLength: 24 },
            gateway: "10.20.0.1",
        });
        await value(rs.ready.stdout);
        const steps = commands("web9-");
        expect(steps.size).toBe(3);
        for (const inputs of steps.values()) {
            expect(inputs.create).toMatch(/^sudo -n sh -c 'set -eu/);
            expect(inputs.delete).toMatch(/^sudo -n sh -c 'set -eu/);
            expect(inputs.connection.value).toMatchObject({ user: "deploy", port: 22 });
        }
    });

    it("refuse a real server whose gateway or address is not an address", async () => {
        const { RealServer } = await import("../../components");
        expect(() => new RealServer("web8", {
            connection: { host: "h", privateKey: "K" },
            address: { interface: "ens18", address: "10.20.0.300", prefixLength: 24 },
            gateway: "10.20.0.1; reboot",
        })).toThrow('RealServer web8: invalid arguments: address.address "10.20.0.300" is not an IPv4 address; gateway "10.20.0.1; reboot" is not an IPv4 address');
    });

    it("refuse arguments that would reach a shell unchecked", async () => {
        const { Director } = await import("../../components");
        const vip = { interface: "eth1", address: "192.168.145.100", prefixLength: 24 };
        expect(() => new Director("bad", {
            connection: { host: "h", privateKey: "K" },
            vip: { ...vip, interface: "eth1$(reboot)" },
            dip: { interface: "eth2", address: "192.168.2.1", prefixLength: 24 },
            virtualService: { port: 80, scheduler: "rr; reboot" as "rr" },
            realServers: [{ address: { interface: "eth1", address: "192.168.2.100", prefixLength: 24 }, weight: 70000 }],
        })).toThrow(
            'Director bad: invalid arguments: vip.interface "eth1$(reboot)" is not an interface name; ' +
            'virtualService.scheduler "rr; reboot" is not one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh; ' +
            "realServers[0].weight 70000 is not from 0 to 65535",
        );
    });
});
