// Entry point of pulumi-lvs's `pulumi-resource-command`: serves the
// `@pulumi/command` SDK's resources on machines where the official plugin
// cannot be installed. The engine passes its own address as the positional
// argument; status lines go back to it.
import { parseArgs } from "node:util";
import { main } from "@pulumi/pulumi/provider";
import { engineLog } from "../../../../pluginKit/engineLog";
import { SshPool } from "../../../../pluginKit/ssh";
import { CommandProvider } from "./provider";

const args = process.argv.slice(2);
const { positionals } = parseArgs({ args, strict: false, allowPositionals: true, options: { tracing: { type: "string" } } });
const log = engineLog(positionals[0]);
const ssh = new SshPool((message: string) => log("", message));
process.once("exit", () => ssh.close());

main(new CommandProvider(ssh, log), args).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
