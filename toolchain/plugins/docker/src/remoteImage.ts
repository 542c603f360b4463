// docker:index/remoteImage:RemoteImage: a reference to an image the engine
// has, pulled only when it is not there (so a locally imported image works
// with no registry), and untagged on delete unless `keepLocally`.
import type Dockerode from "dockerode";
import { z } from "zod";
import { daemonMessage } from "../../../../pluginKit/dockerClient";
import { Props, ResourceKind, statusOf } from "./kind";

const schema = z
    .object({
        name: z.string().min(1),
        keepLocally: z.boolean().optional(),
        forceRemove: z.boolean().optional(),
        pullTriggers: z.array(z.string()).optional(),
        triggers: z.record(z.string(), z.string()).optional(),
        platform: z.string().optional(),
    })
    .strict();

type ImageInspect = Awaited<ReturnType<Dockerode.Image["inspect"]>>;

async function inspect(docker: Dockerode, name: string): Promise<ImageInspect | undefined> {
    try {
        return await docker.getImage(name).inspect();
    } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
    }
}

async function pull(docker: Dockerode, name: string, platform?: string): Promise<void> {
    const stream = await docker.pull(name, platform ? { platform } : {});
    await new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
}

/** The local image, pulled first if the engine does not have it (upstream's findImage). */
export async function findImage(docker: Dockerode, name: string, platform?: string): Promise<ImageInspect> {
    const local = await inspect(docker, name);
    if (local) return local;
    try {
        await pull(docker, name, platform);
    } catch (err) {
        throw new Error(`Unable to read Docker image into resource: unable to pull image ${name}: ${daemonMessage(err)}`, { cause: err });
    }
    const pulled = await inspect(docker, name);
    if (!pulled) throw new Error(`Unable to read Docker image into resource: unable to find or pull image ${name}`);
    return pulled;
}

function outputs(name: string, info: ImageInspect): Props {
    const digests = info.RepoDigests ?? [];
    const repo = name.split("@")[0]!.replace(/:[^/:]*$/, "");
    return {
        imageId: info.Id,
        repoDigest: digests.find((d) => d.startsWith(`${repo}@`)) ?? digests[0] ?? "",
    };
}

export const remoteImage: ResourceKind = {
    token: "docker:index/remoteImage:RemoteImage",
    schema: schema as unknown as z.ZodType<Props>,
    updatable: new Set(["keepLocally", "forceRemove"]),
    computed: new Set(),
    autonamed: false,
    deleteBeforeReplace: () => false,
    // As upstream's read: the ID is the image's ID and its name, recomputed by every read (a re-pulled or
    // retagged name has another image ID).
    idOf: (state) => `${String(state.imageId)}${String(state.name)}`,

    async create(docker, inputs) {
        const i = inputs as z.infer<typeof schema>;
        const outs = { ...inputs, ...outputs(i.name, await findImage(docker, i.name, i.platform)) };
        return { id: remoteImage.idOf!(outs), outs };
    },

    async read(docker, _id, state) {
        const info = await inspect(docker, String(state.name));
        return info ? { ...state, ...outputs(String(state.name), info) } : undefined;
    },

    async update(docker, _id, _olds, news) {
        const i = news as z.infer<typeof schema>;
        return { ...news, ...outputs(i.name, await findImage(docker, i.name, i.platform)) };
    },

    async delete(docker, _id, state) {
        if (state.keepLocally === true) return;
        const name = String(state.name);
        if (!(await inspect(docker, name))) return;
        try {
            await docker.getImage(name).remove({ force: state.forceRemove === true });
        } catch (err) {
            if (statusOf(err) !== 404) throw new Error(`Unable to remove Docker image: ${daemonMessage(err)}`, { cause: err });
        }
    },
};
