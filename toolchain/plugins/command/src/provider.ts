// The resource provider: dispatches the engine's CRUD calls for
// command:local:Command and command:remote:Command with the official
// provider's semantics (see ../README.md and ../../../test/plugin).
import { randomBytes } from "node:crypto";
import { CheckResult, CreateResult, DiffResult, InvokeResult, Provider, UpdateResult } from "@pulumi/pulumi/provider";
import { EngineLog } from "../../../../pluginKit/engineLog";
import { reveal } from "../../../../pluginKit/rpcValues";
import { SshPool } from "../../../../pluginKit/ssh";
import { diffCommand } from "./diff";
import { checkInputs, CommandKind, LocalCommandInputs, RemoteCommandInputs } from "./inputs";
import { cancelLocalCommands, runLocal } from "./local";
import { CommandOutput, loggingSink } from "./output";
import { runRemote } from "./remote";

/** The `@pulumi/command` SDK version this plugin stands in for. */
export const PROVIDER_VERSION = "1.2.1";

const TYPES: Record<string, CommandKind> = {
    "command:local:Command": "local",
    "command:remote:Command": "remote",
};

type Props = Record<string, unknown>;

function typeOf(urn: string): string {
    // urn:pulumi:STACK::PROJECT::PARENT$...$TYPE::NAME
    return urn.split("::")[2]?.split("$").pop() ?? "";
}

function nameOf(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

function kindOf(urn: string): CommandKind {
    const kind = TYPES[typeOf(urn)];
    if (!kind) {
        throw new Error(
            `resource type ${typeOf(urn)} is not served by pulumi-lvs's offline command plugin ` +
                `(it serves ${Object.keys(TYPES).join(" and ")}); install the official pulumi-resource-command plugin`,
        );
    }
    return kind;
}

/** The previous run's output, passed as PULUMI_COMMAND_STDOUT/STDERR unless the resource opts out. */
function previousOutputEnv(inputs: { addPreviousOutputInEnv?: boolean }, state: Props): Record<string, string> {
    if (inputs.addPreviousOutputInEnv === false) return {};
    const env: Record<string, string> = {};
    if (typeof state.stdout === "string" && state.stdout !== "") env.PULUMI_COMMAND_STDOUT = state.stdout;
    if (typeof state.stderr === "string" && state.stderr !== "") env.PULUMI_COMMAND_STDERR = state.stderr;
    return env;
}

export class CommandProvider implements Provider {
    readonly version = PROVIDER_VERSION;

    constructor(
        private readonly ssh: SshPool,
        private readonly log: EngineLog,
    ) {}

    async check(urn: string, _olds: Props, news: Props): Promise<CheckResult> {
        return checkInputs(kindOf(urn), news);
    }

    async diff(_id: string, urn: string, olds: Props, news: Props): Promise<DiffResult> {
        return diffCommand(kindOf(urn), olds, news);
    }

    async create(urn: string, inputs: Props): Promise<CreateResult> {
        const id = `${nameOf(urn)}${randomBytes(4).toString("hex")}`;
        const command = reveal(inputs.create);
        if (typeof command !== "string") return { id, outs: { ...inputs, stdout: "", stderr: "" } };
        const out = await this.run(urn, inputs, command, {});
        return { id, outs: { ...inputs, stdout: out.stdout, stderr: out.stderr } };
    }

    async update(_id: string, urn: string, olds: Props, news: Props): Promise<UpdateResult> {
        const command = reveal(news.update) ?? reveal(news.create);
        if (typeof command !== "string") return { outs: { ...news, stdout: olds.stdout ?? "", stderr: olds.stderr ?? "" } };
        const out = await this.run(urn, news, command, previousOutputEnv(reveal(news) as Props, olds));
        return { outs: { ...news, stdout: out.stdout, stderr: out.stderr } };
    }

    async delete(_id: string, urn: string, props: Props): Promise<void> {
        const command = reveal(props.delete);
        if (typeof command !== "string") return;
        // Runs with the stored connection, environment and stdin: the new program may no longer have them.
        await this.run(urn, props, command, previousOutputEnv(reveal(props) as Props, props));
    }

    async invoke(token: string): Promise<InvokeResult> {
        throw new Error(`function ${token} is not served by pulumi-lvs's offline command plugin`);
    }

    /** The engine's Cancel: local commands are ended (a running remote command is not interrupted, as upstream). */
    async cancel(): Promise<void> {
        cancelLocalCommands();
    }

    private run(urn: string, props: Props, command: string, previousOutput: Record<string, string>): Promise<CommandOutput> {
        const kind = kindOf(urn);
        const plain = reveal(props) as unknown as RemoteCommandInputs & LocalCommandInputs;
        const sink = loggingSink(plain.logging, (line) => this.log(urn, line));
        if (kind === "remote") {
            const run = { command, environment: plain.environment ?? {}, previousOutput, stdin: plain.stdin };
            return runRemote(this.ssh, plain.connection, run, sink, (message) => this.log(urn, message, "warning"));
        }
        const env = { ...(plain.environment ?? {}), ...previousOutput };
        return runLocal({ command, env, stdin: plain.stdin, interpreter: plain.interpreter, dir: plain.dir }, sink);
    }
}
