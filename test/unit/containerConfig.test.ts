// The settings of a cluster on containers (`lvs:containers`): the same
// director, services and real servers as on hosts without SSH or interface
// names, every problem named after its setting with the fix, and the Docker
// networks placed around the addresses.
import { describe, expect, it } from "vitest";
import { ConfigError, parseContainerClusterConfig, RawClusterConfig } from "../../src/config";
import { dockerNetwork } from "../../src/containerSpec";
import { keyFileEnv } from "../support/specs";

type Settings = RawClusterConfig & {
    containers: Record<string, unknown>;
    director: Record<string, unknown>;
    realServers: Record<string, unknown>[];
    virtualService?: Record<string, unknown>;
};

function containersConfig(): Settings {
    return {
        containers: { image: "pulumi-lvs/lab-host:1", client: "192.168.145.10/24", dockerHost: ".lab-docker/run/docker.sock" },
        director: { vip: "192.168.145.100/24", dip: "192.168.2.1/24" },
        virtualService: { port: 80, scheduler: "rr" },
        realServers: [
            { name: "rs1", address: "192.168.2.100/24" },
            { name: "rs2", address: "192.168.2.101/24", weight: 3 },
        ],
    };
}

function problems(mutate: (c: Settings) => void): string[] {
    const config = containersConfig();
    mutate(config);
    try {
        parseContainerClusterConfig(config, keyFileEnv);
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
    return [];
}

describe("lvs:containers", () => {
    it("reads the tutorial's cluster, with the socket's path made absolute against the project", () => {
        const { spec, dockerHost } = parseContainerClusterConfig(containersConfig(), keyFileEnv);
        expect(dockerHost).toBe("unix:///project/.lab-docker/run/docker.sock");
        expect(spec.director).toEqual({
            name: "director",
            vip: { address: "192.168.145.100", prefixLength: 24 },
            dip: { address: "192.168.2.1", prefixLength: 24 },
        });
        expect(spec.containers).toEqual({ image: "pulumi-lvs/lab-host:1", client: { address: "192.168.145.10", prefixLength: 24 } });
        expect(spec.virtualServices[0]).toMatchObject({
            protocol: "tcp",
            port: 80,
            scheduler: "rr",
            forwarding: "nat",
            realServers: [
                { name: "rs1", weight: 1, port: 80 },
                { name: "rs2", weight: 3, port: 80 },
            ],
        });
        expect(spec.realServers).toEqual([
            { name: "rs1", address: { address: "192.168.2.100", prefixLength: 24 } },
            { name: "rs2", address: { address: "192.168.2.101", prefixLength: 24 } },
        ]);
    });

    it("takes an engine address as given", () => {
        const config = containersConfig();
        config.containers.dockerHost = "tcp://127.0.0.1:2375";
        expect(parseContainerClusterConfig(config, keyFileEnv).dockerHost).toBe("tcp://127.0.0.1:2375");
        delete config.containers.dockerHost;
        expect(parseContainerClusterConfig(config, keyFileEnv).dockerHost).toBeUndefined();
    });

    it.each<[string, (c: Settings) => void, string]>([
        [
            "SSH settings",
            (c) => (c.ssh = { user: "root" }),
            "lvs:ssh: not used with lvs:containers (Docker reaches the containers): remove it",
        ],
        [
            "an IPv6 service",
            (c) => (c.virtualService!.family = "ipv6"),
            "lvs:virtualService.family: containers take IPv4 services only (the cluster's Docker networks are IPv4): use ipv4, " +
                "or run the cluster on hosts",
        ],
        [
            "a director interface",
            (c) => (c.director.vipInterface = "eth1"),
            "lvs:director.vipInterface: not used with lvs:containers (Docker gives the container its interfaces): remove it",
        ],
        [
            "a real server's SSH endpoint",
            (c) => (c.realServers[1]!.ssh = { host: "127.0.0.1" }),
            "lvs:realServers[1].ssh: not used with lvs:containers (the container's network sets it): remove it",
        ],
        [
            "a page file",
            (c) => (c.realServers[1]!.pageFile = "pages/rs2.html"),
            "lvs:realServers[1].pageFile: not taken with lvs:containers: give the page inline (page)",
        ],
        [
            "an inline page larger than a setting may be",
            (c) => (c.realServers[0]!.page = "x".repeat(70_000)),
            "lvs:realServers[0].page: 70000 bytes, over the 65536 a page given inline may have (the engine hands settings to " +
                "the program in its environment, which refuses a value over 128 KiB): give a shorter page (a page file is taken " +
                "on SSH hosts only)",
        ],
        ["no image", (c) => delete c.containers.image, "lvs:containers.image: missing: set it in stacks/Pulumi.<stack>.yaml"],
        [
            "an engine address of another kind",
            (c) => (c.containers.dockerHost = "ssh://docker@host"),
            "lvs:containers.dockerHost: must be a unix:// or tcp:// Docker engine address, or a socket's path",
        ],
        [
            "VS/DR",
            (c) => (c.virtualService!.forwarding = "dr"),
            "lvs:virtualService.forwarding: containers take VS/NAT only (VS/DR and VS/TUN need ARP and tunnel settings on each " +
                "real server that pulumi-lvs sets on hosts): use nat, or run the cluster on hosts",
        ],
        [
            "a health check",
            (c) => (c.virtualService!.healthCheck = { type: "TCP_CHECK" }),
            "lvs:virtualService.healthCheck: health checks run in keepalived, which pulumi-lvs keeps on hosts with systemd " +
                "only: leave healthCheck out, or run the cluster on hosts",
        ],
        [
            "a client off the VIP's network",
            (c) => (c.containers.client = "192.168.2.50/24"),
            "lvs:containers.client: 192.168.2.50/24 is not on the VIP's network 192.168.145.0/24: the client reaches the VIP on its own network",
        ],
        [
            "a misspelt key",
            (c) => (c.containers.imag = "x"),
            'lvs:containers: unknown setting "imag": check the spelling against README.md',
        ],
    ])("rejects %s, naming the setting and the fix", (_name, mutate, message) => {
        expect(problems(mutate)).toContain(message);
    });

    it("runs the host rules too: a real server off the DIP's network is named", () => {
        expect(problems((c) => (c.realServers[0]!.address = "10.9.9.9/24")).join("\n")).toMatch(/^lvs:realServers\[0\]\.address: /m);
    });
});

describe("dockerNetwork", () => {
    it("places the gateway at the top of the subnet, below the broadcast address, on a free address", () => {
        expect(dockerNetwork([{ address: "192.168.2.1", prefixLength: 24 }])).toEqual({
            subnet: "192.168.2.0/24",
            gateway: "192.168.2.254",
        });
        expect(
            dockerNetwork([
                { address: "10.0.0.254", prefixLength: 24 },
                { address: "10.0.0.253", prefixLength: 24 },
            ]),
        ).toEqual({ subnet: "10.0.0.0/24", gateway: "10.0.0.252" });
        expect(dockerNetwork([{ address: "172.16.5.9", prefixLength: 30 }])).toEqual({ subnet: "172.16.5.8/30", gateway: "172.16.5.10" });
    });
});
