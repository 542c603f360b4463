// `npm run status -- STACK`: the director's live IPVS table for people, with
// each real server's connections and counters and whether it matches the
// stack (each director's, of a pair, with which one holds the VIP). Reads the stack's settings (with the Pulumi CLI, which decrypts the
// key), reaches the director as the provider does, and changes nothing.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { parseClusterConfig, SETTING_KEYS } from "../src/config";
import { clusterTables } from "../src/desiredTables";
import { parseCounters, parseSavedRules } from "../src/ipvs";
import { localFiles } from "../src/settingsFiles";
import { renderStatus } from "../src/status";
import { cidr } from "../src/spec";
import { holdsAddressScript } from "../resources/keepalived/scripts";
import { HostError, SshTransport, runScript } from "../provider/host";
import { SshPool } from "../pluginKit/ssh";

async function main(): Promise<void> {
    const stack = process.argv[2];
    if (!stack) throw new Error("usage: npm run status -- STACK (e.g. dev)");
    const config = JSON.parse(
        execFileSync("pulumi", ["config", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8" }),
    ) as Record<string, { value?: string; objectValue?: unknown }>;
    // Structured settings come parsed; a number comes as its text, which the program's getObject parses too.
    const get = (key: string) => {
        const entry = config[`lvs:${key}`];
        if (entry?.objectValue !== undefined) return entry.objectValue;
        try {
            return entry?.value === undefined ? undefined : (JSON.parse(entry.value) as unknown);
        } catch {
            return entry?.value;
        }
    };
    const secretKey = config["lvs:sshPrivateKey"]?.value;
    const { spec, sshKey } = parseClusterConfig(Object.fromEntries(SETTING_KEYS.map((key) => [key, get(key)])), {
        secretKeySet: secretKey !== undefined,
        ...localFiles(process.cwd()),
    });
    const privateKey = sshKey.kind === "secret" ? secretKey! : fs.readFileSync(sshKey.path, "utf8");
    const pool = new SshPool(() => undefined, false);
    try {
        // A pair's directors each hold the table; which one holds the VIP (VRRP's master) is said above its table.
        const directors = [spec.director, ...(spec.backup ? [spec.backup] : [])];
        const names = new Map(spec.realServers.map((rs) => [rs.address.address, rs.name]));
        const reports = await Promise.all(
            directors.map(async ({ name, ssh }) => {
                const transport = new SshTransport(pool, { ...ssh, privateKey, dialErrorLimit: 3, perDialTimeout: 15 }, name);
                const run = (script: string) => runScript(transport, "status", script, () => undefined);
                const vip = cidr(spec.director.vip);
                const [saved, listing, stats, holds] = await Promise.all([
                    run("ipvsadm-save -n"),
                    run("ipvsadm -L -n"),
                    run("ipvsadm -L -n --stats --exact"),
                    // (The provider's own question, whether a director of a pair holds the VIP.)
                    spec.backup ? run(holdsAddressScript(name, vip)) : Promise.resolve(""),
                ]);
                const role = spec.backup
                    ? `${name}: VRRP ${/^holds yes$/m.test(holds) ? `MASTER: holds the VIP ${vip}` : "BACKUP: stands by"}\n`
                    : "";
                return (
                    role +
                    renderStatus(
                        `${name} (${ssh.host}:${ssh.port})`,
                        clusterTables(spec),
                        parseSavedRules(saved),
                        parseCounters(listing, stats),
                        names,
                    )
                );
            }),
        );
        process.stdout.write(reports.join("\n"));
    } finally {
        pool.close();
    }
}

main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof HostError ? err.message : (err as Error).message}\n`);
    process.exit(1);
});
