import { describe, expect, it } from "vitest";
import { parseClusterConfig } from "../../src/config";
import { renderRules } from "../../src/ipvs";
import { keyFileEnv, tutorialConfig } from "../support/specs";

function rulesFor(mutate: (c: ReturnType<typeof tutorialConfig>) => void = () => undefined): string[] {
    const config = tutorialConfig();
    mutate(config);
    return renderRules(parseClusterConfig(config, keyFileEnv).spec);
}

describe("renderRules (ipvsadm-save -n form)", () => {
    it.each<[string, (c: ReturnType<typeof tutorialConfig>) => void, string[]]>([
        ["the tutorial: round robin, NAT", () => undefined, [
            "-A -t 192.168.145.100:80 -s rr",
            "-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1",
            "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1",
        ]],
        ["then dh", (c) => (c.virtualService.scheduler = "dh"), [
            "-A -t 192.168.145.100:80 -s dh",
            "-a -t 192.168.145.100:80 -r 192.168.2.100:80 -m -w 1",
            "-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1",
        ]],
        ["weights, persistence and another VIP port", (c) => {
            c.virtualService = { port: 8080, scheduler: "wlc", persistence: 300 };
            c.realServers[0]!.weight = 3;
            c.realServers[1]!.weight = 0;
        }, [
            "-A -t 192.168.145.100:8080 -s wlc -p 300",
            "-a -t 192.168.145.100:8080 -r 192.168.2.100:80 -m -w 3",
            "-a -t 192.168.145.100:8080 -r 192.168.2.101:80 -m -w 0",
        ]],
    ])("%s", (_name, mutate, expected) => {
        expect(rulesFor(mutate)).toEqual(expected);
    });
});
