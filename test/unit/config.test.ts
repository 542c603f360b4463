import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, parseClusterConfig, ParseEnvironment } from "../../src/config";
import { drConfig, keyFileEnv, problemsOf as problemsOfConfig, TEST_PAGE_DIGEST, tutorialConfig } from "../support/specs";

function problemsOf(mutate: (c: ReturnType<typeof tutorialConfig>) => void, env: ParseEnvironment = keyFileEnv): string[] {
    return problemsOfConfig(tutorialConfig(), mutate, env);
}

describe("parseClusterConfig", () => {
    it("turns the tutorial's settings into the spec, with defaults applied", () => {
        const { spec, sshKey } = parseClusterConfig(tutorialConfig(), keyFileEnv);
        expect(sshKey).toEqual({ kind: "file", path: "/keys/id" });
        expect(spec).toEqual({
            director: {
                name: "director",
                ssh: { host: "127.0.0.1", port: 2221, user: "root" },
                vip: { interface: "eth1", address: "192.168.145.100", prefixLength: 24 },
                dip: { interface: "eth2", address: "192.168.2.1", prefixLength: 24 },
            },
            virtualServices: [
                {
                    protocol: "tcp",
                    family: "ipv4",
                    port: 80,
                    scheduler: "rr",
                    flags: [],
                    forwarding: "nat",
                    realServers: [
                        { name: "rs1", weight: 1, port: 80 },
                        { name: "rs2", weight: 1, port: 80 },
                    ],
                },
            ],
            realServers: [
                {
                    name: "rs1",
                    ssh: { host: "127.0.0.1", port: 2222, user: "root" },
                    address: { interface: "eth1", address: "192.168.2.100", prefixLength: 24 },
                },
                {
                    name: "rs2",
                    ssh: { host: "127.0.0.1", port: 2223, user: "root" },
                    address: { interface: "eth1", address: "192.168.2.101", prefixLength: 24 },
                },
            ],
            drainTimeout: 30,
        });
    });

    it("takes a page from a file as its absolute path and digest, and an inline page up to 64 KiB", () => {
        const config = tutorialConfig();
        config.realServers[1]!.pageFile = "pages/rs2.html";
        config.realServers[0]!.page = "x".repeat(65_536);
        const { spec } = parseClusterConfig(config, keyFileEnv);
        expect(spec.realServers[1]!.pageFile).toEqual({ path: "/project/pages/rs2.html", sha256: TEST_PAGE_DIGEST });
        expect(spec.realServers[1]!.page).toBeUndefined();
        expect(spec.realServers[0]!.page).toHaveLength(65_536);
    });

    it("takes hosts to forget that the stack no longer has (the lvs provider reads them)", () => {
        const config = tutorialConfig();
        config.realServers.pop();
        config.forget = ["rs2", "rs3"];
        const { spec } = parseClusterConfig(config, keyFileEnv);
        expect(spec.realServers.map((rs) => rs.name)).toEqual(["rs1"]);
    });

    it("takes persistence with its netmask, scheduler flags and a drain timeout", () => {
        const config = tutorialConfig();
        config.virtualService = { port: 443, scheduler: "sh", flags: ["sh-port"], persistence: 300, persistenceNetmask: "255.255.255.0" };
        config.drainTimeout = 5;
        const { spec } = parseClusterConfig(config, keyFileEnv);
        expect(spec.virtualServices[0]).toMatchObject({
            port: 443,
            scheduler: "sh",
            flags: ["sh-port"],
            persistence: { timeout: 300, netmask: "255.255.255.0" },
        });
        expect(spec.drainTimeout).toBe(5);
    });

    it("takes the key from the secret when it is set, and resolves a relative key file against the project", () => {
        const config = tutorialConfig();
        delete config.ssh.privateKeyFile;
        expect(parseClusterConfig(config, { ...keyFileEnv, secretKeySet: true }).sshKey).toEqual({ kind: "secret" });
        config.ssh.privateKeyFile = "keys/id";
        expect(
            parseClusterConfig(config, { ...keyFileEnv, inspectKeyFile: (f) => (f === "/project/keys/id" ? "ok" : "missing") }).sshKey,
        ).toEqual({
            kind: "file",
            path: "/project/keys/id",
        });
    });

    it("passes a test page set in the settings through; without one the RealServer's default applies", () => {
        const config = tutorialConfig();
        config.realServers[0]!.page = "web one\n";
        const { realServers } = parseClusterConfig(config, keyFileEnv).spec;
        expect(realServers[0]!.page).toBe("web one\n");
        expect("page" in realServers[1]!).toBe(false);
    });

    it("lets a host override the SSH user", () => {
        const config = tutorialConfig();
        config.realServers[0]!.ssh = { host: "web1", user: "deploy" };
        expect(parseClusterConfig(config, keyFileEnv).spec.realServers[0]!.ssh).toEqual({ host: "web1", port: 22, user: "deploy" });
    });

    it.each<[string, (c: ReturnType<typeof tutorialConfig>) => void, string]>([
        [
            "an invalid VIP",
            (c) => (c.director.vip = "192.168.145.300/24"),
            'lvs:director.vip: "192.168.145.300/24" is not an IPv4 address with a prefix length, like 192.168.2.100/24',
        ],
        [
            "a VIP without prefix",
            (c) => (c.director.vip = "192.168.145.100"),
            'lvs:director.vip: "192.168.145.100" is not an IPv4 address with a prefix length, like 192.168.2.100/24',
        ],
        [
            "a network address as DIP",
            (c) => (c.director.dip = "192.168.2.0/24"),
            'lvs:director.dip: "192.168.2.0/24" is the network address of its network: pick a host address in it',
        ],
        [
            "a real server outside the director's network (NAT)",
            (c) => (c.realServers[1]!.address = "192.168.3.101/24"),
            "lvs:realServers[1].address: 192.168.3.101/24 is outside the director's inside network 192.168.2.0/24 " +
                "(lvs:director.dip): in NAT mode real servers reply through the director, so put the real server on " +
                "192.168.2.0/24 or change lvs:director.dip",
        ],
        [
            "a real server on the DIP",
            (c) => (c.realServers[0]!.address = "192.168.2.1/24"),
            "lvs:realServers[0].address: 192.168.2.1 is the director's DIP (lvs:director.dip): give the real server its own address",
        ],
        [
            "VIP and DIP on one network",
            (c) => (c.director.dip = "192.168.145.1/24"),
            "lvs:director.dip: 192.168.145.1/24 is on the VIP's network 192.168.145.0/24: VS/NAT needs the real " +
                "servers on a separate inside network; give the DIP an address of that network",
        ],
        [
            "an unknown scheduler",
            (c) => (c.virtualService.scheduler = "fastest"),
            'lvs:virtualService.scheduler: unknown scheduler "fastest": use one of rr, wrr, lc, wlc, lblc, lblcr, dh, ' +
                "sh, sed, nq, fo, ovf, mh (see ipvsadm(8))",
        ],
        [
            "a weight over the range",
            (c) => (c.realServers[0]!.weight = 70000),
            "lvs:realServers[0].weight: must be from 0 to 65535: ipvsadm accepts no larger weight",
        ],
        [
            "a negative weight",
            (c) => (c.realServers[1]!.weight = -1),
            "lvs:realServers[1].weight: must be from 0 to 65535 (0 takes the server out of rotation)",
        ],
        [
            "a fractional weight",
            (c) => (c.realServers[1]!.weight = 1.5),
            "lvs:realServers[1].weight: must be a whole number from 0 to 65535",
        ],
        [
            "duplicate real server addresses",
            (c) => (c.realServers[1]!.address = "192.168.2.100/24"),
            "lvs:realServers[1].address: duplicate real server address 192.168.2.100, already used by " +
                "lvs:realServers[0].address: each host appears once",
        ],
        [
            "duplicate names",
            (c) => (c.realServers[1]!.name = "rs1"),
            "lvs:realServers[1].name: duplicate name rs1, already used by lvs:realServers[0].name: each host appears once",
        ],
        [
            "a real server reached like the director",
            (c) => (c.realServers[0]!.ssh = { host: "127.0.0.1", port: 2221 }),
            "lvs:realServers[0].ssh: duplicate SSH endpoint 127.0.0.1:2221, already used by lvs:director.ssh: each host appears once",
        ],
        [
            "a missing SSH key file",
            (c) => (c.ssh.privateKeyFile = "/nowhere/id"),
            "lvs:ssh.privateKeyFile: SSH key /nowhere/id not found: for the lab stacks run `npm run lab -- up` (or " +
                "only `npm run lab -- key` to preview), otherwise point it at your key",
        ],
        [
            "no SSH key at all",
            (c) => delete c.ssh.privateKeyFile,
            "lvs:sshPrivateKey: missing SSH key: `pulumi config set --secret lvs:sshPrivateKey < ~/.ssh/id_ed25519`, " +
                "or set lvs:ssh.privateKeyFile",
        ],
        [
            "a shell metacharacter in an interface",
            (c) => (c.director.vipInterface = "eth1;reboot"),
            'lvs:director.vipInterface: "eth1;reboot" is not a network interface name: use the name `ip link` shows, such as eth1',
        ],
        [
            "a name that is not a word",
            (c) => (c.realServers[0]!.name = "Web $(id)"),
            'lvs:realServers[0].name: "Web $(id)" is not a valid real server name: use lowercase letters, digits and ' +
                "'-', starting with a letter (at most 31)",
        ],
        [
            "a misspelt setting",
            (c) => (c.virtualService.schedular = "rr"),
            'lvs:virtualService: unknown setting "schedular": check the spelling against README.md',
        ],
        [
            "a missing setting",
            (c) => delete c.director.dipInterface,
            "lvs:director.dipInterface: missing: set it in stacks/Pulumi.<stack>.yaml",
        ],
        [
            "no real servers",
            (c) => (c.realServers = []),
            "lvs:realServers: lists no real server: add at least one (name, ssh, address, interface)",
        ],
        [
            "a weight that is not a number",
            (c) => (c.realServers[0]!.weight = "heavy"),
            "lvs:realServers[0].weight: must be a number from 0 to 65535",
        ],
        [
            "a port out of range",
            (c) => (c.virtualService.port = 0),
            "lvs:virtualService.port: the virtual service port must be from 1 to 65535",
        ],
        [
            "a key file that is a directory",
            (c) => (c.ssh.privateKeyFile = "/keys"),
            "lvs:ssh.privateKeyFile: /keys is a directory: point it at the private key file inside, such as /keys/id_ed25519",
        ],
        [
            "a key file that is not a private key",
            (c) => (c.ssh.privateKeyFile = "/keys/id.pub"),
            "lvs:ssh.privateKeyFile: /keys/id.pub is a public key: give the private key (the file without .pub)",
        ],
        [
            "a flag the scheduler does not have",
            (c) => (c.virtualService.flags = ["sh-port"]),
            "lvs:virtualService.flags: scheduler rr takes no flags (only sh and mh do)",
        ],
        [
            "a persistence netmask that is not one",
            (c) => {
                c.virtualService.persistence = 60;
                c.virtualService.persistenceNetmask = "255.0.255.0";
            },
            'lvs:virtualService.persistenceNetmask: "255.0.255.0" is not a netmask such as 255.255.255.0',
        ],
        [
            "a negative drain timeout",
            (c) => (c.drainTimeout = -1),
            "lvs:drainTimeout: must be from 0 to 3600 seconds (0: remove without waiting)",
        ],
        [
            "a forwarding method that does not exist",
            (c) => (c.virtualService.forwarding = "direct"),
            'lvs:virtualService.forwarding: unknown forwarding method "direct": use nat (VS/NAT, -m), dr (VS/DR, direct routing, -g) ' +
                "or tun (VS/TUN, IP-in-IP, -i)",
        ],
        [
            "an SSH host with spaces",
            (c) => (c.director.ssh = { host: "a b" }),
            'lvs:director.ssh.host: "a b" is not a host name or IPv4 address',
        ],
        ["hosts to forget that are not a list", (c) => (c.forget = "rs2"), "lvs:forget: must be a list of host names, such as [rs2]"],
        [
            "a page file that is not there",
            (c) => (c.realServers[1]!.pageFile = "pages/rs9.html"),
            "lvs:realServers[1].pageFile: /project/pages/rs9.html not found: check the path (relative to the project)",
        ],
        [
            "a page file that is a directory",
            (c) => (c.realServers[1]!.pageFile = "pages"),
            "lvs:realServers[1].pageFile: /project/pages is a directory: give the file with the page",
        ],
        [
            "a page given inline and as a file",
            (c) => {
                c.realServers[1]!.page = "<h1>rs2</h1>";
                c.realServers[1]!.pageFile = "pages/rs2.html";
            },
            "lvs:realServers[1].pageFile: rs2 has a page given inline too: keep one of page and pageFile",
        ],
        [
            "an inline page larger than a setting may be",
            (c) => (c.realServers[0]!.page = "x".repeat(65_537)),
            "lvs:realServers[0].page: 65537 bytes, over the 65536 a page given inline may have (the engine hands settings to " +
                "the program in its environment, which refuses a value over 128 KiB): put the page in a file and give its path " +
                "as pageFile (relative to the project)",
        ],
        [
            "a host to forget that is not a host name",
            (c) => (c.forget = ["rs9", "RS 2"]),
            "lvs:forget[1]: \"RS 2\" is not a valid host name: use lowercase letters, digits and '-', starting with a letter (at most 31)",
        ],
        [
            "a host to forget that the stack still lists as a real server",
            (c) => (c.forget = ["rs2"]),
            "lvs:forget: rs2 is still in lvs:realServers[1]: a forgotten host is not contacted, so the stack cannot manage it: " +
                "take it out of lvs:realServers (the director then drops it from its table), or out of lvs:forget",
        ],
        [
            "the director as a host to forget",
            (c) => (c.forget = ["director"]),
            "lvs:forget: director is the stack's director (lvs:director): a forgotten host is not contacted, and a cluster " +
                "needs its director: give the cluster another director, or take the stack down with `pulumi destroy` (which " +
                "leaves the forgotten host out)",
        ],
    ])("rejects %s, naming the setting and the fix", (_name, mutate, message) => {
        expect(problemsOf(mutate)).toEqual([message]);
    });

    it("reports every problem at once, in one error that says nothing was changed", () => {
        const config = tutorialConfig();
        config.virtualService.scheduler = "x";
        config.realServers[0]!.weight = -5;
        const problems = /^Invalid stack configuration \(2 problems\); nothing was changed:\n/.source;
        const each = /( {2}- lvs:virtualService\.scheduler: .*\n)( {2}- lvs:realServers\[0\]\.weight: )/.source;
        expect(() => parseClusterConfig(config, keyFileEnv)).toThrow(new RegExp(problems + each));
    });

    it("refuses both a secret key and a key file", () => {
        expect(problemsOf(() => undefined, { ...keyFileEnv, secretKeySet: true })).toEqual([
            "lvs:ssh.privateKeyFile: the secret lvs:sshPrivateKey is set too: keep only one of them",
        ]);
    });
});

describe("parseClusterConfig on any input (property-based)", () => {
    // Values as YAML or a program can hand them over: wrong types, huge and odd numbers, odd Unicode, missing and extra keys.
    const odd = fc.oneof(
        fc.anything({
            withBigInt: false,
            withBoxedValues: false,
            withMap: false,
            withSet: false,
            withTypedArray: false,
            withDate: false,
            withSparseArray: true,
            withNullPrototype: true,
        }),
        fc.constantFrom(
            Number.NaN,
            Number.POSITIVE_INFINITY,
            -0,
            1e308,
            2 ** 53 + 1,
            "\u0000",
            "ｅｔｈ１",
            "192.168.2.1/24\n",
            "rs1\u202e",
            "",
        ),
        fc.string({ unit: "grapheme" }),
    );
    const mutated = (base: Record<string, unknown>) =>
        fc
            .tuple(
                fc.dictionary(fc.constantFrom(...Object.keys(base), "extra", "__proto__", "constructor"), odd),
                fc.subarray(Object.keys(base)),
            )
            .map(([changes, removed]) => {
                const out: Record<string, unknown> = { ...base, ...changes };
                for (const key of removed) delete out[key];
                return out;
            });
    const base = tutorialConfig();
    const list = drConfig();

    it("gives a spec or a ConfigError listing its problems, never another exception", () => {
        fc.assert(
            fc.property(
                fc.record(
                    {
                        ssh: fc.oneof(mutated(base.ssh), odd),
                        director: fc.oneof(mutated(base.director), odd),
                        virtualService: fc.oneof(mutated(base.virtualService), odd),
                        virtualServices: fc.oneof(fc.array(fc.oneof(...list.virtualServices.map(mutated), odd), { maxLength: 3 }), odd),
                        realServers: fc.oneof(fc.array(fc.oneof(mutated(base.realServers[0]!), odd), { maxLength: 4 }), odd),
                        drainTimeout: odd,
                    },
                    { requiredKeys: [] },
                ),
                (raw) => {
                    try {
                        const { spec } = parseClusterConfig(raw, keyFileEnv);
                        expect(spec.realServers.length).toBeGreaterThan(0);
                    } catch (err) {
                        expect(err).toBeInstanceOf(ConfigError);
                        const problems = (err as ConfigError).problems;
                        expect(problems.length).toBeGreaterThan(0);
                        for (const p of problems) expect(p).toMatch(/^lvs:[A-Za-z]/);
                    }
                },
            ),
            { numRuns: 500 },
        );
    });
});
