// The tutorial's cluster as raw stack settings, for tests to vary.
import { RawClusterConfig } from "../../src/config";

export function tutorialConfig(): { ssh: Record<string, unknown>; director: Record<string, unknown>; virtualService: Record<string, unknown>; realServers: Record<string, unknown>[] } & RawClusterConfig {
    return {
        ssh: { user: "root", privateKeyFile: "/keys/id" },
        director: { ssh: { host: "127.0.0.1", port: 2221 }, vip: "192.168.145.100/24", vipInterface: "eth1", dip: "192.168.2.1/24", dipInterface: "eth2" },
        virtualService: { port: 80, scheduler: "rr" },
        realServers: [
            { name: "rs1", ssh: { host: "127.0.0.1", port: 2222 }, address: "192.168.2.100/24", interface: "eth1" },
            { name: "rs2", ssh: { host: "127.0.0.1", port: 2223 }, address: "192.168.2.101/24", interface: "eth1" },
        ],
    };
}

export const keyFileEnv = { secretKeySet: false, projectDir: "/project", fileExists: (f: string) => f === "/keys/id" };
