// `npm run status -- STACK`: the director's live IPVS table for people, with
// each real server's connections and counters and whether it matches the
// stack. Reads the stack's settings (with the Pulumi CLI, which decrypts the
// key), reaches the director as the provider does, and changes nothing.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { parseClusterConfig, SETTING_KEYS } from "../src/config";
import { clusterTables } from "../src/desiredTables";
import { parseCounters, parseSavedRules } from "../src/ipvs";
import { localFiles } from "../src/settingsFiles";
import { renderStatus } from "../src/status";
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
        const { ssh } = spec.director;
        const transport = new SshTransport(pool, { ...ssh, privateKey, dialErrorLimit: 3, perDialTimeout: 15 }, spec.director.name);
        const run = (script: string) => runScript(transport, "status", script, () => undefined);
        const [saved, listing, stats] = await Promise.all([
            run("ipvsadm-save -n"),
            run("ipvsadm -L -n"),
            run("ipvsadm -L -n --stats --exact"),
        ]);
        const names = new Map(spec.realServers.map((rs) => [rs.address.address, rs.name]));
        process.stdout.write(
            renderStatus(
                `${spec.director.name} (${ssh.host}:${ssh.port})`,
                clusterTables(spec),
                parseSavedRules(saved),
                parseCounters(listing, stats),
                names,
            ),
        );
    } finally {
        pool.close();
    }
}

main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof HostError ? err.message : (err as Error).message}\n`);
    process.exit(1);
});
