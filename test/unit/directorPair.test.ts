// A director pair from the settings to keepalived.conf: the settings' spec and
// its defaults, each bad input's exact words, the VRRP block both directors
// get (each its own side), the password kept out of everything but the file on
// the director, and the provider keeping it a Pulumi secret.
import { describe, expect, it } from "vitest";
import { parseClusterConfig } from "../../src/config";
import { clusterTables } from "../../src/desiredTables";
import { keepalivedConf, maskPassword, PASSWORD_PLACEHOLDER, type VrrpInstance } from "../../src/keepalived/render";
import { configOf, directorFileOf, keepalivedServicesOf, keepalivedStateSchema, keepalivedTables } from "../../resources/keepalived/state";
import { withSecrets } from "../../provider/server";
import { containsSecret, reveal } from "../../pluginKit/rpcValues";
import { keyFileEnv, problemsOf, tutorialConfig } from "../support/specs";

type Config = ReturnType<typeof tutorialConfig>;

/** The tutorial's settings with a second director, as the README's example. */
function pairConfig(): Config {
    const c = tutorialConfig();
    Object.assign(c.director, { address: "192.168.145.2/24", insideAddress: "192.168.2.2/24" });
    c.backup = { name: "director2", ssh: { host: "127.0.0.1", port: 2225 }, address: "192.168.145.3/24", insideAddress: "192.168.2.3/24" };
    return c;
}

const DIRECTOR_SIDE: VrrpInstance = {
    virtualRouterId: 51,
    priority: 150,
    advertInterval: 1,
    interface: "eth1",
    sourceAddress: "192.168.145.2",
    peers: ["192.168.145.3"],
    addresses: [
        { address: "192.168.145.100/24", interface: "eth1" },
        { address: "192.168.2.1/24", interface: "eth2" },
    ],
    trackInterfaces: ["eth2"],
    syncInterface: "eth2",
    authenticated: true,
};

describe("a director pair's settings", () => {
    it("turn into the backup and the pair's VRRP, with the documented defaults; a single director has no VRRP", () => {
        const { spec } = parseClusterConfig(pairConfig(), keyFileEnv);
        expect(spec.director.address).toEqual({ interface: "eth1", address: "192.168.145.2", prefixLength: 24 });
        expect(spec.director.insideAddress).toEqual({ interface: "eth2", address: "192.168.2.2", prefixLength: 24 });
        expect(spec.backup).toEqual({
            name: "director2",
            ssh: { host: "127.0.0.1", port: 2225, user: "root" },
            address: { interface: "eth1", address: "192.168.145.3", prefixLength: 24 },
            insideAddress: { interface: "eth2", address: "192.168.2.3", prefixLength: 24 },
        });
        expect(spec.vrrp).toEqual({ virtualRouterId: 51, advertInterval: 1, connectionSync: true });
        expect(parseClusterConfig(tutorialConfig(), keyFileEnv).spec.vrrp).toBeUndefined();
    });

    it("name the backup's interfaces where they differ from the director's", () => {
        const c = pairConfig();
        Object.assign(c.backup as object, { vipInterface: "ens4", dipInterface: "ens5" });
        const { spec } = parseClusterConfig(c, keyFileEnv);
        expect(spec.backup!.address.interface).toBe("ens4");
        expect(spec.backup!.insideAddress!.interface).toBe("ens5");
    });

    it.each<[string, (c: Config) => void, string[]]>([
        [
            "a pair without the director's own addresses",
            (c) => {
                delete (c.director as Record<string, unknown>).address;
                delete (c.director as Record<string, unknown>).insideAddress;
            },
            [
                "lvs:director.address: missing: each director of a pair needs an address of its own on the VIP's network " +
                    "192.168.145.0/24, which stays with it (VRRP adverts go between the directors there): give it an unused " +
                    "address there, with its prefix",
                "lvs:director.insideAddress: missing: each director of a pair needs an address of its own on the real " +
                    "servers' network 192.168.2.0/24, which stays with it (health checks reach the real servers from it): " +
                    "give it an unused address there, with its prefix",
            ],
        ],
        [
            "a backup address off the VIP's network",
            (c) => ((c.backup as Record<string, unknown>).address = "10.0.0.3/24"),
            [
                "lvs:backup.address: 10.0.0.3/24 is not on the VIP's network 192.168.145.0/24: VRRP adverts go between the " +
                    "directors there; give an address of it, with its prefix length",
            ],
        ],
        [
            "the VIP as a director's own address",
            (c) => ((c.backup as Record<string, unknown>).address = "192.168.145.100/24"),
            [
                "lvs:backup.address: 192.168.145.100 is the pair's VIP, which moves between the directors: give each " +
                    "director an address of its own",
            ],
        ],
        [
            "the DIP as a director's own inside address",
            (c) => ((c.director as Record<string, unknown>).insideAddress = "192.168.2.1/24"),
            [
                "lvs:director.insideAddress: 192.168.2.1 is the pair's DIP, which moves between the directors: give each " +
                    "director an address of its own",
            ],
        ],
        [
            "both directors on one own address",
            (c) => ((c.backup as Record<string, unknown>).address = "192.168.145.2/24"),
            ["lvs:backup.address: 192.168.145.2 is the director's own address too: give each its own"],
        ],
        [
            "the backup on the director's SSH endpoint",
            (c) => ((c.backup as Record<string, unknown>).ssh = { host: "127.0.0.1", port: 2221 }),
            ["lvs:backup.ssh: duplicate SSH endpoint 127.0.0.1:2221, already used by lvs:director.ssh: each host appears once"],
        ],
        [
            "the backup named as a real server",
            (c) => ((c.backup as Record<string, unknown>).name = "rs1"),
            ["lvs:realServers[0].name: duplicate name rs1, already used by lvs:backup.name: each host appears once"],
        ],
        [
            "a virtual router ID out of range",
            (c) => (c.vrrp = { virtualRouterId: 256 }),
            ["lvs:vrrp.virtualRouterId: must be from 1 to 255"],
        ],
        [
            "a misspelt VRRP setting",
            (c) => (c.vrrp = { advertInt: 1 }),
            ['lvs:vrrp: unknown setting "advertInt": check the spelling against README.md'],
        ],
        [
            "VRRP settings without a backup",
            (c) => {
                delete c.backup;
                c.vrrp = { advertInterval: 2 };
            },
            [
                "lvs:vrrp: set without lvs:backup: only a director pair uses it: add the second director (lvs:backup), or remove it",
                "lvs:director.address: only a director pair uses the director's own addresses (VRRP, health checks and " +
                    "connection synchronisation from either director): add the second director (backup), or leave it out",
                "lvs:director.insideAddress: only a director pair uses the director's own addresses (VRRP, health checks and " +
                    "connection synchronisation from either director): add the second director (backup), or leave it out",
            ],
        ],
    ])("refuse %s, naming the setting and the fix", (_name, mutate, messages) => {
        expect(problemsOf(pairConfig(), mutate, keyFileEnv)).toEqual(messages);
    });

    it("refuse a backup director listed in lvs:forget", () => {
        expect(problemsOf(pairConfig(), (c) => (c.forget = ["director2"]), keyFileEnv)).toEqual([
            "lvs:forget: director2 is still the stack's backup director (lvs:backup): a forgotten host is not contacted, so " +
                "the stack cannot manage it: take lvs:backup out (README: a pair of directors, back to one), or take it out of " +
                "lvs:forget",
        ]);
    });

    it("refuse a VRRP password set without a backup", () => {
        expect(problemsOf(tutorialConfig(), () => undefined, { ...keyFileEnv, settingKeys: ["director", "vrrpPassword"] })).toEqual([
            "lvs:vrrpPassword: set without lvs:backup: only a director pair uses it: add the second director (lvs:backup), or remove it",
        ]);
    });
});

describe("a director pair's keepalived.conf", () => {
    // The resource's form of the same side: the password itself instead of whether there is one.
    const { authenticated: _authenticated, ...stateSide } = DIRECTOR_SIDE;
    const tables = clusterTables(parseClusterConfig(pairConfig(), keyFileEnv).spec);

    it("gives each director a BACKUP, nopreempt, unicast vrrp_instance holding the VIP and DIP, and connection sync", () => {
        expect(keepalivedConf("director", tables, DIRECTOR_SIDE, "Pa1r-Lv5")).toMatchSnapshot();
    });

    it("leaves out authentication without a password and lvs_sync_daemon without connection sync", () => {
        const text = keepalivedConf("director", tables, { ...DIRECTOR_SIDE, authenticated: false, syncInterface: undefined });
        expect(text).not.toContain("authentication");
        expect(text).not.toContain("lvs_sync_daemon");
        expect(text).toContain("vrrp_instance VI_51 {");
    });

    it("has the password only in the file for the director: the state's rendering and a read-back file show a placeholder", () => {
        const state = keepalivedStateSchema.parse({
            hostName: "director",
            virtualServices: keepalivedServicesOf(tables),
            vrrp: { ...stateSide, password: "Pa1r-Lv5" },
        });
        const placed = directorFileOf(state, keepalivedTables(state.virtualServices));
        expect(placed).toContain("        auth_pass Pa1r-Lv5\n");
        expect(configOf(state)).not.toContain("Pa1r-Lv5");
        expect(configOf(state)).toContain(`auth_pass ${PASSWORD_PLACEHOLDER}`);
        // Read back: the same file reads as the state's rendering; another password is drift, still unnamed.
        expect(maskPassword(placed, "Pa1r-Lv5")).toBe(configOf(state));
        const other = maskPassword(placed.replace("Pa1r-Lv5", "guessed"), "Pa1r-Lv5");
        expect(other).not.toBe(configOf(state));
        expect(other).not.toContain("guessed");
    });

    it("is refused a password keepalived would cut short", () => {
        const parsed = keepalivedStateSchema.safeParse({
            hostName: "director",
            virtualServices: keepalivedServicesOf(tables),
            vrrp: { ...stateSide, password: "much-too-long" },
        });
        expect(parsed.success).toBe(false);
        expect(parsed.error!.issues[0]!.message).toBe("must be 1 to 8 characters (keepalived's auth_type PASS uses no more; it has 13)");
    });
});

describe("the provider's secrets", () => {
    it("wraps the VRRP password as an engine secret wherever it is, and leaves the rest of the VRRP plain", () => {
        const props = withSecrets({ vrrp: { priority: 150, password: "Pa1r-Lv5" }, hostName: "director" }, [["vrrp", "password"]]);
        expect(containsSecret((props.vrrp as Record<string, unknown>).password)).toBe(true);
        expect(containsSecret((props.vrrp as Record<string, unknown>).priority)).toBe(false);
        expect(reveal(props)).toEqual({ vrrp: { priority: 150, password: "Pa1r-Lv5" }, hostName: "director" });
        // No password: nothing to wrap, nothing added.
        expect(withSecrets({ vrrp: { priority: 150 } }, [["vrrp", "password"]])).toEqual({ vrrp: { priority: 150 } });
    });
});
