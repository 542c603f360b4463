// docker:index/container:Container, as the official provider does it (see
// ../README.md): create on `bridge`, move to the given networks with their
// fixed addresses, copy the uploads, start; a restart-policy change is an
// in-place ContainerUpdate; nearly every other change replaces the container,
// deleting the old one first.
import type Dockerode from "dockerode";
import { z } from "zod";
import { daemonMessage } from "../../../../pluginKit/dockerClient";
import { ignoringNotFound, labelMap, labelsSchema, PartialCreateError, Props, ResourceKind, statusOf } from "./kind";
import { findImage } from "./remoteImage";
import { Upload, uploadProblem, uploadTar } from "./uploads";

const networkAttachment = z
    .object({
        name: z.string().min(1),
        aliases: z.array(z.string()).optional(),
        ipv4Address: z.string().optional(),
        ipv6Address: z.string().optional(),
    })
    .strict();

const upload = z
    .object({
        file: z.string().min(1),
        content: z.string().optional(),
        contentBase64: z.base64().optional(),
        executable: z.boolean().default(false),
        permissions: z
            .string()
            .regex(/^0[0-7]{3}$/, "must be an octal mode such as 0644")
            .optional(),
    })
    .strict();

const schema = z
    .object({
        name: z.string().min(1),
        image: z.string().min(1),
        command: z.array(z.string().min(1, "values for command may not be empty")).optional(),
        entrypoints: z.array(z.string()).optional(),
        envs: z.array(z.string().regex(/^[^=]+=/, "must be KEY=VALUE")).optional(),
        hostname: z.string().optional(),
        user: z.string().optional(),
        workingDir: z.string().optional(),
        networksAdvanced: z.array(networkAttachment).optional(),
        networkMode: z.string().default("bridge"),
        capabilities: z
            .object({ adds: z.array(z.string()).optional(), drops: z.array(z.string()).optional() })
            .strict()
            .optional(),
        privileged: z.boolean().optional(),
        sysctls: z.record(z.string(), z.string()).optional(),
        restart: z
            .string()
            .regex(/^(no|on-failure|always|unless-stopped)$/, "doesn't match the pattern '^(no|on-failure|always|unless-stopped)$'")
            .default("no"),
        maxRetryCount: z.number().int().optional(),
        /** MB; 0: none (upstream's default). */
        memoryReservation: z.number().int().min(0).default(0),
        mustRun: z.boolean().default(true),
        start: z.boolean().default(true),
        attach: z.boolean().default(false),
        logs: z.boolean().default(false),
        rm: z.boolean().default(false),
        wait: z.boolean().default(false),
        waitTimeout: z.number().int().default(60),
        uploads: z.array(upload).optional(),
        labels: labelsSchema.optional(),
        destroyGraceSeconds: z.number().int().optional(),
        removeVolumes: z.boolean().default(true),
        init: z.boolean().optional(),
        readOnly: z.boolean().default(false),
        tty: z.boolean().default(false),
        stdinOpen: z.boolean().default(false),
        containerReadRefreshTimeoutMilliseconds: z.number().int().default(15000),
    })
    .strict()
    .superRefine((inputs, ctx) => {
        for (const [index, u] of (inputs.uploads ?? []).entries()) {
            const problem = uploadProblem(u as Upload);
            if (problem) ctx.addIssue({ code: "custom", path: ["uploads", index], message: problem });
        }
        if (inputs.wait) ctx.addIssue({ code: "custom", path: ["wait"], message: "waiting for a healthcheck is not served here" });
        if (inputs.attach) ctx.addIssue({ code: "custom", path: ["attach"], message: "attach is not served here" });
    });

type Inputs = z.infer<typeof schema>;

/** Upstream's memory inputs are in MB; the Engine API's in bytes. */
const MB = 1024 * 1024;
type ContainerInspect = Awaited<ReturnType<Dockerode.Container["inspect"]>>;

/** What a read reports: the inputs the daemon knows, and the outputs. */
function fromInspect(info: ContainerInspect, state: Props): Props {
    const host = info.HostConfig;
    const read: Props = {
        name: info.Name.replace(/^\//, ""),
        image: String(state.image ?? "").startsWith("sha256:") ? info.Image : info.Config.Image,
        hostname: info.Config.Hostname,
        command: info.Config.Cmd ?? [],
        restart: host.RestartPolicy?.Name || "no",
        maxRetryCount: host.RestartPolicy?.MaximumRetryCount ?? 0,
        memoryReservation: Math.floor((host.MemoryReservation ?? 0) / MB),
        privileged: host.Privileged ?? false,
        networkMode: host.NetworkMode,
        readOnly: host.ReadonlyRootfs ?? false,
        tty: info.Config.Tty ?? false,
        stdinOpen: info.Config.OpenStdin ?? false,
        bridge: (info.NetworkSettings as { Bridge?: string }).Bridge ?? "",
        networkDatas: Object.entries(info.NetworkSettings.Networks ?? {}).map(([networkName, n]) => ({
            networkName,
            ipAddress: n.IPAddress,
            ipPrefixLength: n.IPPrefixLen,
            gateway: n.Gateway,
            macAddress: n.MacAddress,
            globalIpv6Address: n.GlobalIPv6Address,
            globalIpv6PrefixLength: n.GlobalIPv6PrefixLen,
            ipv6Gateway: n.IPv6Gateway,
        })),
    };
    if (host.Sysctls && Object.keys(host.Sysctls).length > 0) read.sysctls = host.Sysctls;
    if ((host.CapAdd?.length ?? 0) > 0 || (host.CapDrop?.length ?? 0) > 0)
        read.capabilities = { adds: host.CapAdd ?? [], drops: host.CapDrop ?? [] };
    if (!info.State.Running) {
        read.exitCode = info.State.ExitCode;
        // A container that should run but does not: the next up starts it (a `mustRun` diff).
        if (state.mustRun === true) read.mustRun = false;
    }
    return read;
}

function createOptions(i: Inputs): Dockerode.ContainerCreateOptions {
    return {
        name: i.name,
        Image: i.image,
        Hostname: i.hostname,
        User: i.user,
        WorkingDir: i.workingDir,
        Env: i.envs,
        Cmd: i.command,
        Entrypoint: i.entrypoints,
        Labels: labelMap(i.labels),
        Tty: i.tty,
        OpenStdin: i.stdinOpen,
        HostConfig: {
            Privileged: i.privileged ?? false,
            CapAdd: i.capabilities?.adds,
            CapDrop: i.capabilities?.drops,
            Sysctls: i.sysctls,
            RestartPolicy: { Name: i.restart, MaximumRetryCount: i.maxRetryCount ?? 0 },
            MemoryReservation: i.memoryReservation * MB,
            AutoRemove: i.rm,
            NetworkMode: i.networkMode,
            // As upstream: an unset `init` is sent as false.
            Init: i.init ?? false,
            ReadonlyRootfs: i.readOnly,
        },
    };
}

/** Moves a created container from `bridge` to its networks, with their fixed addresses. */
async function connectNetworks(docker: Dockerode, id: string, networks: Inputs["networksAdvanced"]): Promise<void> {
    if (!networks?.length) return;
    try {
        await docker.getNetwork("bridge").disconnect({ Container: id, Force: false });
    } catch (err) {
        if (!/is not connected to the network bridge|not found/i.test(daemonMessage(err))) throw err;
    }
    for (const n of networks) {
        try {
            await docker.getNetwork(n.name).connect({
                Container: id,
                EndpointConfig: {
                    Aliases: n.aliases,
                    IPAMConfig: { IPv4Address: n.ipv4Address, IPv6Address: n.ipv6Address },
                },
            });
        } catch (err) {
            throw new Error(`Unable to connect to network '${n.name}': ${daemonMessage(err)}`, { cause: err });
        }
    }
}

async function copyUploads(container: Dockerode.Container, uploads: Inputs["uploads"]): Promise<void> {
    for (const u of uploads ?? []) {
        try {
            await container.putArchive(await uploadTar(u as Upload), { path: "/" });
        } catch (err) {
            throw new Error(`Unable to upload ${u.file}: ${daemonMessage(err)}`, { cause: err });
        }
    }
}

async function startContainer(container: Dockerode.Container): Promise<void> {
    try {
        await container.start();
    } catch (err) {
        if (statusOf(err) !== 304) throw new Error(`Unable to start container: ${daemonMessage(err)}`, { cause: err });
    }
}

export const container: ResourceKind = {
    token: "docker:index/container:Container",
    schema: schema as unknown as z.ZodType<Props>,
    updatable: new Set([
        "rm",
        "start",
        "wait",
        "waitTimeout",
        "attach",
        "logs",
        "mustRun",
        "restart",
        "maxRetryCount",
        "memoryReservation",
        "removeVolumes",
        "destroyGraceSeconds",
        "init",
        "containerReadRefreshTimeoutMilliseconds",
    ]),
    // Read back from the daemon (or its defaults): left out of the program, the daemon's value is not a change.
    computed: new Set(["command", "entrypoints", "envs", "hostname", "labels", "init", "user", "workingDir"]),
    // Optional, not Computed: left out is the zero value, so a value the program stops giving is a change.
    zeroValues: { capabilities: {}, sysctls: {}, privileged: false, maxRetryCount: 0, destroyGraceSeconds: 0 },
    autonamed: true,
    deleteBeforeReplace: () => true,

    async create(docker, inputs) {
        const i = inputs as Inputs;
        try {
            await findImage(docker, i.image);
        } catch (err) {
            throw new Error(`Unable to create container with image ${i.image}: ${(err as Error).message}`, { cause: err });
        }
        let created: Dockerode.Container;
        try {
            created = await docker.createContainer(createOptions(i));
        } catch (err) {
            throw new Error(`Unable to create container: ${daemonMessage(err)}`, { cause: err });
        }
        try {
            await connectNetworks(docker, created.id, i.networksAdvanced);
            await copyUploads(created, i.uploads);
            if (i.start) await startContainer(created);
        } catch (err) {
            // The container exists: it stays in the state, so a destroy removes it.
            throw new PartialCreateError((err as Error).message, created.id, { ...inputs, id: created.id });
        }
        return { id: created.id, outs: { ...inputs, ...fromInspect(await created.inspect(), inputs) } };
    },

    async read(docker, id, state) {
        try {
            return { ...state, ...fromInspect(await docker.getContainer(id).inspect(), state) };
        } catch (err) {
            if (statusOf(err) === 404) return undefined;
            throw err;
        }
    },

    async update(docker, id, olds, news) {
        const o = olds as Partial<Inputs>;
        const n = news as Inputs;
        const target = docker.getContainer(id);
        // As upstream: one ContainerUpdate for the restart policy and the resources.
        if (o.restart !== n.restart || (o.maxRetryCount ?? 0) !== (n.maxRetryCount ?? 0) || (o.memoryReservation ?? 0) !== n.memoryReservation) {
            try {
                await target.update({
                    RestartPolicy: { Name: n.restart, MaximumRetryCount: n.maxRetryCount ?? 0 },
                    MemoryReservation: n.memoryReservation * MB,
                });
            } catch (err) {
                throw new Error(`Unable to update a container: ${daemonMessage(err)}`, { cause: err });
            }
        }
        if (o.mustRun === false && n.mustRun && n.start) await startContainer(target);
        // As upstream, there is no read after an update: the state is the new inputs plus the old outputs.
        const { networkDatas, bridge, exitCode } = olds;
        return { ...news, networkDatas, bridge, ...(n.mustRun ? {} : { exitCode }) };
    },

    async delete(docker, id, state) {
        const target = docker.getContainer(id);
        await ignoringNotFound(() => target.stop({ t: Number(state.destroyGraceSeconds ?? 0) }).catch(notModifiedIsFine));
        try {
            await target.remove({ force: true, v: state.removeVolumes !== false });
        } catch (err) {
            if (statusOf(err) !== 404 && !/is already in progress/.test(daemonMessage(err))) throw err;
        }
        await ignoringNotFound(() => target.wait({ condition: state.rm === true ? "removed" : "not-running" }));
    },
};

/** 304: the container was already stopped. */
function notModifiedIsFine(err: unknown): void {
    if (statusOf(err) !== 304) throw err;
}
