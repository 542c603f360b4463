// docker:index/network:Network, as the official provider (kreuzwerker's
// docker_network through the bridge) does it: every input replaces, read is an
// inspect, and delete waits while containers are still leaving the network.
import type Dockerode from "dockerode";
import { z } from "zod";
import { daemonMessage } from "../../../../pluginKit/dockerClient";
import { labelList, labelMap, labelsSchema, Props, ResourceKind, statusOf } from "./kind";

const ipamConfig = z
    .object({
        subnet: z.string().optional(),
        gateway: z.string().optional(),
        ipRange: z.string().optional(),
        auxAddress: z.record(z.string(), z.string()).optional(),
    })
    .strict();

const schema = z
    .object({
        name: z.string().min(1),
        driver: z.string().optional(),
        options: z.record(z.string(), z.string()).optional(),
        ipamConfigs: z.array(ipamConfig).optional(),
        ipamDriver: z.string().default("default"),
        ipamOptions: z.record(z.string(), z.string()).optional(),
        internal: z.boolean().optional(),
        attachable: z.boolean().optional(),
        ingress: z.boolean().optional(),
        ipv6: z.boolean().optional(),
        labels: labelsSchema.optional(),
    })
    .strict();

/** How long delete keeps retrying while the network still has endpoints (the official provider's 30 s). */
const ACTIVE_ENDPOINTS_TIMEOUT_MS = 30_000;

type NetworkInspect = Awaited<ReturnType<Dockerode.Network["inspect"]>>;

/** The inputs and outputs a read reports, from `docker network inspect`. */
function fromInspect(info: NetworkInspect): Props {
    const configs = (info.IPAM?.Config ?? []).map((c: Record<string, unknown>) => {
        const config: Props = {};
        if (c.Subnet) config.subnet = c.Subnet;
        if (c.Gateway) config.gateway = c.Gateway;
        if (c.IPRange) config.ipRange = c.IPRange;
        if (c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length > 0) config.auxAddress = c.AuxiliaryAddresses;
        return config;
    });
    return {
        name: info.Name,
        driver: info.Driver,
        internal: info.Internal,
        attachable: info.Attachable,
        ingress: info.Ingress,
        ipv6: info.EnableIPv6,
        ipamDriver: info.IPAM?.Driver ?? "default",
        ...(info.IPAM?.Options && Object.keys(info.IPAM.Options).length > 0 ? { ipamOptions: info.IPAM.Options } : {}),
        options: info.Options ?? {},
        ipamConfigs: configs,
        // As upstream's read: the labels too (a label added on the engine shows as a change).
        labels: labelList(info.Labels),
        scope: info.Scope,
    };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const network: ResourceKind = {
    token: "docker:index/network:Network",
    schema: schema as unknown as z.ZodType<Props>,
    updatable: new Set(),
    // Read back from the daemon: left out of the program, whatever the daemon reports is not a change.
    computed: new Set(["driver", "options", "ipamConfigs", "ipamOptions", "internal", "attachable", "ingress", "ipv6"]),
    autonamed: true,
    // An explicitly named network cannot exist twice, so its replacement deletes it first (the bridge's rule).
    deleteBeforeReplace: (_olds, autonamedName) => !autonamedName,

    async create(docker, inputs) {
        const i = inputs as z.infer<typeof schema>;
        let created: Dockerode.Network;
        try {
            created = await docker.createNetwork({
                Name: i.name,
                Driver: i.driver,
                Options: i.options,
                Internal: i.internal,
                Attachable: i.attachable,
                Ingress: i.ingress,
                ...(i.ipv6 !== undefined ? { EnableIPv6: i.ipv6 } : {}),
                Labels: labelMap(i.labels),
                IPAM: {
                    Driver: i.ipamDriver,
                    Options: i.ipamOptions,
                    Config: (i.ipamConfigs ?? []).map((c) => ({
                        Subnet: c.subnet,
                        Gateway: c.gateway,
                        IPRange: c.ipRange,
                        AuxiliaryAddresses: c.auxAddress,
                    })),
                },
            });
        } catch (err) {
            throw new Error(`Unable to create network: ${daemonMessage(err)}`, { cause: err });
        }
        const info = await created.inspect();
        return { id: created.id, outs: { ...inputs, ...fromInspect(info) } };
    },

    async read(docker, id, state) {
        try {
            return { ...state, ...fromInspect(await docker.getNetwork(id).inspect()) };
        } catch {
            // As upstream: any inspect error means the network is gone.
            return undefined;
        }
    },

    async update() {
        throw new Error("a Network has no in-place update: every change replaces it");
    },

    async delete(docker, id) {
        const deadline = Date.now() + ACTIVE_ENDPOINTS_TIMEOUT_MS;
        for (let wait = 5_000; ; wait = 10_000) {
            try {
                await docker.getNetwork(id).remove();
                return;
            } catch (err) {
                if (statusOf(err) === 404) return;
                if (!/has active endpoints/.test(daemonMessage(err)))
                    throw new Error(`Error removing network ${id}: ${daemonMessage(err)}`, { cause: err });
                if (Date.now() + wait > deadline)
                    throw new Error(
                        `timeout while waiting for state to become 'removed' (last state: 'pending', timeout: 30s): ${daemonMessage(err)}`,
                        { cause: err },
                    );
                await sleep(wait);
            }
        }
    },
};
