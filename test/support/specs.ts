// The tutorial's cluster as raw stack settings and as a spec, for tests to vary.
import { ConfigError, KeyFileState, ParseEnvironment, parseClusterConfig, RawClusterConfig } from "../../src/config";
import { ClusterSpec } from "../../src/spec";

type Settings = {
    ssh: Record<string, unknown>;
    director: Record<string, unknown>;
    virtualService: Record<string, unknown>;
    realServers: Record<string, unknown>[];
};

export function tutorialConfig(): Settings & RawClusterConfig {
    return {
        ssh: { user: "root", privateKeyFile: "/keys/id" },
        director: {
            ssh: { host: "127.0.0.1", port: 2221 },
            vip: "192.168.145.100/24",
            vipInterface: "eth1",
            dip: "192.168.2.1/24",
            dipInterface: "eth2",
        },
        virtualService: { port: 80, scheduler: "rr" },
        realServers: [
            { name: "rs1", ssh: { host: "127.0.0.1", port: 2222 }, address: "192.168.2.100/24", interface: "eth1" },
            { name: "rs2", ssh: { host: "127.0.0.1", port: 2223 }, address: "192.168.2.101/24", interface: "eth1" },
        ],
    };
}

/** Key files as a test's file system has them: /keys/id is a key, /keys is a directory, /keys/id.pub a public key. */
export function inspectTestKeyFile(file: string): KeyFileState {
    if (file === "/keys/id") return "ok";
    if (file === "/keys") return "directory";
    if (file === "/keys/id.pub") return { problem: "is a public key: give the private key (the file without .pub)" };
    return "missing";
}

/** The digest the test's page file /project/pages/rs2.html has. */
export const TEST_PAGE_DIGEST = "ab".repeat(32);

/** Page files as a test's file system has them: /project/pages/rs2.html is one (200 kB), /project/pages a directory. */
export function inspectTestPageFile(file: string): { sha256: string; bytes: number } | { problem: string } {
    if (file === "/project/pages/rs2.html") return { sha256: TEST_PAGE_DIGEST, bytes: 200_000 };
    if (file === "/project/pages") return { problem: "is a directory: give the file with the page" };
    return { problem: "not found: check the path (relative to the project)" };
}

export const keyFileEnv: ParseEnvironment = {
    secretKeySet: false,
    projectDir: "/project",
    inspectKeyFile: inspectTestKeyFile,
    inspectPageFile: inspectTestPageFile,
};

/** The tutorial's spec: director, rs1 and rs2, round robin, VS/NAT. */
export function tutorialSpec(): ClusterSpec {
    return parseClusterConfig(tutorialConfig(), keyFileEnv).spec;
}

/** The lab's VS/DR settings in the list form: the services of issue 15's tests on one VIP, replies through the router. */
export function drConfig(): RawClusterConfig & {
    director: Record<string, unknown>;
    virtualServices: Record<string, unknown>[];
    realServers: Record<string, unknown>[];
    ssh: Record<string, unknown>;
} {
    const { ssh, director, realServers } = tutorialConfig();
    return {
        ssh,
        director,
        virtualServices: [
            {
                port: 80,
                scheduler: "wrr",
                forwarding: "dr",
                realServers: [
                    { name: "rs1", weight: 3 },
                    { name: "rs2", weight: 1 },
                ],
            },
            { protocol: "udp", port: 53, forwarding: "dr" },
            { fwmark: 1, ports: [8080, 8081], forwarding: "dr" },
            { port: 81, forwarding: "dr", persistence: 30, persistenceNetmask: "255.255.255.0" },
            { port: 82, scheduler: "sh", forwarding: "dr" },
        ],
        realServers: realServers.map((rs) => ({ ...rs, gateway: "192.168.2.254" })),
    };
}

/** The problems `parseClusterConfig` reports for `config` once `mutate` changed it (it must report some). */
export function problemsOf<C extends RawClusterConfig>(config: C, mutate: (c: C) => void, env: ParseEnvironment = keyFileEnv): string[] {
    mutate(config);
    try {
        parseClusterConfig(config, env);
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
    throw new Error("expected a ConfigError");
}
