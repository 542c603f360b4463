// What ContainerCluster declares under Pulumi mocks (no engine, no Docker):
// the Docker networks, image, containers and their settings, and the
// director's virtual service run through the engine's exec; and that bad
// arguments fail before anything is declared.
import { describe, expect, it } from "vitest";
import type { ContainerClusterArgs } from "../../components";
import { recordDeclarations, value } from "../support/mocks";

// (The engine's image ID, as the provider reports it.)
const declared = recordDeclarations((type) => (type === "docker:index/remoteImage:RemoteImage" ? { imageId: "sha256:0123" } : {}));

function args(): ContainerClusterArgs {
    return {
        director: { vip: { address: "192.168.145.100", prefixLength: 24 }, dip: { address: "192.168.2.1", prefixLength: 24 } },
        realServers: [
            { name: "rs1", address: { address: "192.168.2.100", prefixLength: 24 } },
            { name: "rs2", address: { address: "192.168.2.101", prefixLength: 24 }, page: "two\n" },
        ],
        image: "pulumi-lvs/lab-host:1",
        client: { address: "192.168.145.10", prefixLength: 24 },
        dockerHost: "unix:///run/test-docker.sock",
    };
}

async function cluster(change: (a: ContainerClusterArgs) => void = () => undefined) {
    const { ContainerCluster } = await import("../../components");
    const a = args();
    change(a);
    const c = new ContainerCluster("lvs", a);
    await value(c.vipUrl);
    await new Promise((r) => setTimeout(r, 50));
    return c;
}

const byName = () => new Map(declared.map((d) => [d.name, d]));

describe("ContainerCluster", () => {
    it("declares two networks without masquerading, the image, four containers and the virtual service", async () => {
        await cluster();
        expect(declared.map((d) => `${d.type} ${d.name}`).sort()).toEqual([
            "docker:index/container:Container lvs-client",
            "docker:index/container:Container lvs-director",
            "docker:index/container:Container lvs-rs1",
            "docker:index/container:Container lvs-rs2",
            "docker:index/network:Network lvs-rs-network",
            "docker:index/network:Network lvs-vip-network",
            "docker:index/remoteImage:RemoteImage lvs-image",
            "lvs:index:ContainerCluster lvs",
            "lvs:index:Director lvs-director",
            "lvs:ipvs:VirtualService lvs-director-tcp-80",
            "pulumi:providers:docker lvs-docker",
        ]);
        const d = byName();
        expect(d.get("lvs-docker")!.inputs.host).toBe("unix:///run/test-docker.sock");
        expect(d.get("lvs-vip-network")!.inputs).toMatchObject({
            name: "test-lvs-vip",
            ipamConfigs: [{ subnet: "192.168.145.0/24", gateway: "192.168.145.254" }],
            options: { "com.docker.network.bridge.enable_ip_masquerade": "false" },
        });
        expect(d.get("lvs-rs-network")!.inputs.ipamConfigs).toEqual([{ subnet: "192.168.2.0/24", gateway: "192.168.2.254" }]);
        expect(d.get("lvs-image")!.inputs).toMatchObject({ name: "pulumi-lvs/lab-host:1", keepLocally: true });
    });

    it("gives the director the VIP and DIP, NET_ADMIN, ip_forward, and a start command that restores its saved rules", async () => {
        await cluster();
        const director = byName().get("lvs-director")!.inputs;
        expect(director.networksAdvanced).toEqual([
            { name: "test-lvs-vip", ipv4Address: "192.168.145.100" },
            { name: "test-lvs-rs", ipv4Address: "192.168.2.1" },
        ]);
        expect(director.capabilities).toEqual({ adds: ["NET_ADMIN"] });
        expect(director.sysctls).toMatchObject({ "net.ipv4.ip_forward": "1", "net.ipv4.vs.expire_nodest_conn": "1" });
        expect(director.restart).toBe("unless-stopped");
        expect(director.command.join(" ")).toMatch(/\/etc\/init\.d\/ipvsadm start .*; exec sleep infinity$/);
    });

    it("has each real server route through the DIP and serve its page, uploaded", async () => {
        await cluster();
        const d = byName();
        expect(d.get("lvs-rs1")!.inputs.command).toEqual([
            "sh",
            "-c",
            "ip route replace default via 192.168.2.1 && exec lighttpd -D -f /etc/lighttpd/lighttpd.conf",
        ]);
        expect(d.get("lvs-rs1")!.inputs.uploads).toEqual([{ file: "/var/www/html/index.html", content: "<h1>rs1 (192.168.2.100)</h1>\n" }]);
        expect(d.get("lvs-rs2")!.inputs.uploads[0].content).toBe("two\n");
        expect(d.get("lvs-rs2")!.inputs.networksAdvanced).toEqual([{ name: "test-lvs-rs", ipv4Address: "192.168.2.101" }]);
    });

    it("runs the director's table through the engine's exec in the director container, with only the table managed", async () => {
        await cluster();
        const vs = byName().get("lvs-director-tcp-80")!.inputs;
        expect(vs.connection.value).toEqual({ docker: { host: "unix:///run/test-docker.sock", container: "lvs-director-id" } });
        expect(vs).toMatchObject({
            address: "192.168.145.100",
            port: 80,
            scheduler: "rr",
            realServers: { "192.168.2.100:80": { forwarding: "nat", weight: 1 }, "192.168.2.101:80": { forwarding: "nat", weight: 1 } },
        });
        expect(declared.filter((d) => d.type.startsWith("lvs:host:"))).toEqual([]);
    });

    it.each([
        [
            "VS/DR",
            (a: ContainerClusterArgs) => (a.virtualServices = [{ forwarding: "dr" }]),
            /virtualServices\[0\]\.forwarding: containers take VS\/NAT only/,
        ],
        [
            "a firewall-mark service",
            (a: ContainerClusterArgs) => (a.virtualServices = [{ fwmark: 1, ports: [80] }]),
            /fwmark: firewall-mark services need/,
        ],
        [
            "a client off the VIP's network",
            (a: ContainerClusterArgs) => (a.client = { address: "10.0.0.5", prefixLength: 24 }),
            /client: 10\.0\.0\.5\/24 is not on the VIP's network/,
        ],
        [
            "a client on a taken address",
            (a: ContainerClusterArgs) => (a.client = { address: "192.168.145.100", prefixLength: 24 }),
            /client: 192\.168\.145\.100 is taken/,
        ],
        [
            "a DIP on the VIP's network",
            (a: ContainerClusterArgs) => (a.director.dip = { address: "192.168.145.1", prefixLength: 24 }),
            /director\.dip: .* is on the VIP's network/,
        ],
    ])("rejects %s before declaring anything", async (_name, change, message) => {
        await expect(cluster(change)).rejects.toThrow(message);
        expect(declared.filter((d) => d.type !== "lvs:index:ContainerCluster")).toEqual([]);
    });
});
