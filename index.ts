// pulumi-lvs: reads the stack's `lvs:*` settings (stacks/Pulumi.<stack>.yaml),
// builds the LVS cluster they describe and exports what users look up.
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { LvsCluster } from "./components";
import { ConfigError, parseClusterConfig } from "./src/config";
import { renderRules } from "./src/ipvs";

const config = new pulumi.Config("lvs");
const secretKey = config.getSecret("sshPrivateKey");

function parse() {
    try {
        return parseClusterConfig(
            {
                ssh: config.getObject("ssh"),
                director: config.getObject("director"),
                virtualService: config.getObject("virtualService"),
                realServers: config.getObject("realServers"),
            },
            { secretKeySet: secretKey !== undefined, projectDir: process.cwd(), fileExists: (f) => fs.existsSync(f) },
        );
    } catch (err) {
        // A RunError is shown without a stack trace: the message is the whole story.
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}

const { spec, sshKey } = parse();
const privateKey = sshKey.kind === "secret" ? secretKey! : pulumi.secret(fs.readFileSync(sshKey.path, "utf8"));

const cluster = new LvsCluster("lvs", { spec, privateKey });

/** Where clients reach the service. */
export const vipUrl = cluster.vipUrl;
/** The virtual service as ipvsadm listed it right after the last change. */
export const ipvsTable = cluster.ipvsTable;
/** The scheduler in use (ipvsadm -s). */
export const scheduler = spec.virtualService.scheduler;
/** The rules the director holds, in `ipvsadm-save -n` form (also in /etc/ipvsadm.rules on the director). */
export const ipvsRules = renderRules(spec);
/** Each real server by name: its address and weight. */
export const realServers = Object.fromEntries(spec.realServers.map((rs) => [rs.name, { address: rs.address.address, weight: rs.weight }]));
