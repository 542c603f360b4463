// The host facts whose scripts converge, read and undo them as a whole:
// a package, a service, kernel settings, addresses and a file.
import { z } from "zod";
import { addressesScripts, parseAddressesRead } from "../../src/hostScripts/addresses";
import { FactScripts } from "../../src/hostScripts/common";
import { fileScripts, parseFileRead } from "../../src/hostScripts/file";
import { firewallMarksScripts, parseFirewallMarksRead } from "../../src/hostScripts/firewallMarks";
import { packageScripts, parsePackageRead } from "../../src/hostScripts/package";
import { parseServiceRead, serviceScripts } from "../../src/hostScripts/service";
import { parseSysctlsRead, sysctlsScripts } from "../../src/hostScripts/sysctls";
import { isIPv4 } from "../../src/patterns";
import { hostNameSchema, interfaceSchema } from "../../src/spec";
import { runScript } from "../host";
import { defineFact, Fact, FactContext, Props } from "./fact";

const PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
const UNIT = /^[A-Za-z0-9@_.:-]+$/;
// Interface names may have capitals (a key names the interface); a key is also a file name in the state directory.
const SYSCTL_KEY = /^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/;
const SYSCTL_VALUE = /^[A-Za-z0-9_.:-]{1,64}$/;
const MODULE = /^[a-z0-9_]+$/;
const PATH = /^\/[A-Za-z0-9_./-]+$/;

const packageName = z.string().regex(PACKAGE, { error: (iss) => `${JSON.stringify(iss.input)} is not a Debian package name` });

/** A fact run through its three scripts, with its read parsed into the desired state's shape. */
function scripted<D extends Props>(
    fact: Omit<Fact<D>, "create" | "update" | "read" | "delete"> & { scripts(d: D): FactScripts; live(stdout: string, state: D): Props },
): Fact<D> {
    const apply = async (ctx: FactContext, d: D) => {
        const s = fact.scripts(d);
        await runScript(ctx.transport, `${fact.type.split(":").pop()} apply`, s.apply, ctx.warn, s.stdin);
        return {};
    };
    return defineFact<D>({
        ...fact,
        create: apply,
        update: (ctx, _olds, d) => apply(ctx, d),
        async read(ctx, state) {
            const stdout = await runScript(ctx.transport, "read", fact.scripts(state).read, ctx.warn);
            return fact.live(stdout, state);
        },
        async delete(ctx, state) {
            await runScript(ctx.transport, `${fact.type.split(":").pop()} delete`, fact.scripts(state).remove, ctx.warn);
        },
    });
}

const packageSchema = z.object({
    hostName: hostNameSchema,
    package: packageName,
    keepWhileUsed: z.enum(["ipvs-services"]).optional(),
    installed: z.literal(true).default(true),
});
export const packageFact = scripted<z.infer<typeof packageSchema>>({
    type: "lvs:host:Package",
    schema: packageSchema,
    replaceOn: ["hostName", "package"],
    hostName: (d) => d.hostName,
    scripts: (d) => packageScripts(d),
    live: (stdout) => ({ ...parsePackageRead(stdout) }),
});

const serviceSchema = z.object({
    hostName: hostNameSchema,
    unit: z.string().regex(UNIT, { error: (iss) => `${JSON.stringify(iss.input)} is not a systemd unit name` }),
    enabled: z.literal(true).default(true),
    running: z.literal(true).default(true),
});
export const serviceFact = scripted<z.infer<typeof serviceSchema>>({
    type: "lvs:host:Service",
    schema: serviceSchema,
    replaceOn: ["hostName", "unit"],
    hostName: (d) => d.hostName,
    scripts: (d) => serviceScripts(d),
    live: (stdout) => ({ ...parseServiceRead(stdout) }),
});

const sysctlsSchema = z.object({
    hostName: hostNameSchema,
    values: z.record(
        z.string().regex(SYSCTL_KEY, { error: (iss) => `${JSON.stringify(iss.input)} is not a sysctl name such as net.ipv4.ip_forward` }),
        z.string().regex(SYSCTL_VALUE, { error: (iss) => `${JSON.stringify(iss.input)} is not a plain sysctl value` }),
    ),
    modules: z.array(z.string().regex(MODULE, { error: (iss) => `${JSON.stringify(iss.input)} is not a kernel module name` })).default([]),
    persisted: z.literal(true).default(true),
});
export const sysctlsFact = scripted<z.infer<typeof sysctlsSchema>>({
    type: "lvs:host:Sysctls",
    schema: sysctlsSchema,
    replaceOn: ["hostName"],
    hostName: (d) => d.hostName,
    scripts: (d) => sysctlsScripts(d),
    live: (stdout, state) => {
        const live = parseSysctlsRead(stdout);
        return {
            values: Object.fromEntries(Object.keys(state.values).flatMap((k) => (k in live.values ? [[k, live.values[k]!]] : []))),
            persisted: live.persisted,
        };
    },
});

const ipv4 = z.string().refine(isIPv4, { error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address` });
const cidrKey = z.string().refine((k) => /^[0-9.]+\/\d{1,2}$/.test(k) && isIPv4(k.split("/")[0]!) && Number(k.split("/")[1]) <= 32, {
    error: (iss) => `${JSON.stringify(iss.input)} is not an IPv4 address with a prefix length`,
});
const addressesSchema = z.object({
    hostName: hostNameSchema,
    description: z.string().regex(/^[^\n%\\]*$/, { error: "the description must be one line without % or \\" }),
    addresses: z.record(cidrKey, z.object({ interface: interfaceSchema })),
    defaultRoute: z.object({ via: ipv4, interface: interfaceSchema }).optional(),
    interfaceSetting: z.string(),
    persisted: z.literal(true).default(true),
});
export const addressesFact = scripted<z.infer<typeof addressesSchema>>({
    type: "lvs:host:Addresses",
    schema: addressesSchema,
    replaceOn: ["hostName"],
    hostName: (d) => d.hostName,
    scripts: (d) => addressesScripts(d),
    live: (stdout, state) => {
        const live = parseAddressesRead(stdout, state);
        return { addresses: live.addresses, persisted: live.persisted, ...(state.defaultRoute ? { defaultRoute: live.defaultRoute } : {}) };
    },
});

const fileSchema = z.object({
    hostName: hostNameSchema,
    path: z.string().regex(PATH, { error: (iss) => `${JSON.stringify(iss.input)} is not an absolute file path` }),
    content: z.string(),
});
export const fileFact = scripted<z.infer<typeof fileSchema>>({
    type: "lvs:host:File",
    schema: fileSchema,
    replaceOn: ["hostName", "path"],
    hostName: (d) => d.hostName,
    scripts: (d) => fileScripts(d),
    live: (stdout, state) => ({ content: parseFileRead(stdout, state).content }),
});

const markSchema = z.object({
    protocol: z.enum(["tcp", "udp", "sctp"]),
    address: ipv4,
    ports: z.array(z.number().int().min(1).max(65535)).min(1),
});
const firewallMarksSchema = z.object({
    hostName: hostNameSchema,
    marks: z.record(
        z.string().regex(/^[1-9][0-9]{0,9}$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a firewall mark` }),
        markSchema,
    ),
    persisted: z.literal(true).default(true),
});
export const firewallMarksFact = scripted<z.infer<typeof firewallMarksSchema>>({
    type: "lvs:host:FirewallMarks",
    schema: firewallMarksSchema,
    replaceOn: ["hostName"],
    hostName: (d) => d.hostName,
    scripts: (d) => firewallMarksScripts(d),
    live: (stdout) => ({ ...parseFirewallMarksRead(stdout) }),
});
