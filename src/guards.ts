// Guards for the components' arguments. Stack settings are validated with
// full explanations by config.ts; these checks stop a program that builds a
// spec by hand from ever putting an unchecked value into a host script.
import { INTERFACE, isIPv4, NAME } from "./patterns";
import { InterfaceAddress, MAX_PERSISTENCE_SECONDS, MAX_WEIGHT, SCHEDULERS, VirtualServiceSpec } from "./spec";

function isWholeIn(value: unknown, min: number, max: number): boolean {
    return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function checkAddress(what: string, a: InterfaceAddress, problems: string[]): void {
    if (!INTERFACE.test(a.interface)) problems.push(`${what}.interface ${JSON.stringify(a.interface)} is not an interface name`);
    if (!isIPv4(a.address)) problems.push(`${what}.address ${JSON.stringify(a.address)} is not an IPv4 address`);
    if (!isWholeIn(a.prefixLength, 1, 30)) problems.push(`${what}.prefixLength ${a.prefixLength} is not from 1 to 30`);
}

function fail(component: string, name: string, problems: string[]): void {
    if (!NAME.test(name)) problems.unshift(`name ${JSON.stringify(name)}: use lowercase letters, digits and '-'`);
    if (problems.length > 0) throw new Error(`${component} ${name}: invalid arguments: ${problems.join("; ")}`);
}

export function assertDirectorSafe(
    name: string,
    args: { vip: InterfaceAddress; dip: InterfaceAddress; virtualService: VirtualServiceSpec; realServers: { address: InterfaceAddress; weight: number }[] },
): void {
    const problems: string[] = [];
    checkAddress("vip", args.vip, problems);
    checkAddress("dip", args.dip, problems);
    const vs = args.virtualService;
    if (!isWholeIn(vs.port, 1, 65535)) problems.push(`virtualService.port ${vs.port} is not from 1 to 65535`);
    if (!(SCHEDULERS as readonly string[]).includes(vs.scheduler)) problems.push(`virtualService.scheduler ${JSON.stringify(vs.scheduler)} is not one of ${SCHEDULERS.join(", ")}`);
    if (vs.persistence !== undefined && !isWholeIn(vs.persistence, 1, MAX_PERSISTENCE_SECONDS)) problems.push(`virtualService.persistence ${vs.persistence} is not from 1 to ${MAX_PERSISTENCE_SECONDS}`);
    args.realServers.forEach((rs, i) => {
        checkAddress(`realServers[${i}]`, rs.address, problems);
        if (!isWholeIn(rs.weight, 0, MAX_WEIGHT)) problems.push(`realServers[${i}].weight ${rs.weight} is not from 0 to ${MAX_WEIGHT}`);
    });
    fail("Director", name, problems);
}

export function assertRealServerSafe(name: string, args: { address: InterfaceAddress; gateway: string }): void {
    const problems: string[] = [];
    checkAddress("address", args.address, problems);
    if (!isIPv4(args.gateway)) problems.push(`gateway ${JSON.stringify(args.gateway)} is not an IPv4 address`);
    fail("RealServer", name, problems);
}
