// The model in ipvsadm's own text: the options of a service and of a real
// server entry, the rules exactly as `ipvsadm-save -n` prints them (what
// /etc/ipvsadm.rules holds), and `ipvsadm -L -n` style listings.
import { hostPort } from "../patterns";
import { entryKey, ForwardingMethod, isFirewallMark, RealServerEntry, serviceArgument, ServiceTable, VirtualService } from "./model";

const FORWARDING_OPTION: Record<ForwardingMethod, string> = { nat: "-m", dr: "-g", tun: "-i" };
const FORWARDING_LISTED: Record<ForwardingMethod, string> = { nat: "Masq", dr: "Route", tun: "Tunnel" };

/** Scheduler, persistence and flag options of `-A`/`-E`, in ipvsadm-save's order (an `-E` without `-p` turns persistence off). */
export function serviceOptions(service: VirtualService): string[] {
    const words = ["-s", service.scheduler];
    if (service.persistence) {
        words.push("-p", String(service.persistence.timeout));
        if (service.persistence.netmask && service.persistence.netmask !== "255.255.255.255") words.push("-M", service.persistence.netmask);
    }
    if (service.flags.length > 0) words.push("-b", service.flags.join(","));
    return words;
}

/** Forwarding method and weight options of `-a`/`-e`. */
export function entryOptions(entry: Pick<RealServerEntry, "forwarding" | "weight">): string[] {
    return [FORWARDING_OPTION[entry.forwarding], "-w", String(entry.weight)];
}

/** The service and its real servers exactly as `ipvsadm-save -n` prints them once applied. */
export function savedRules(table: ServiceTable): string[] {
    const svc = serviceArgument(table.service);
    return [
        ["-A", ...svc, ...serviceOptions(table.service)].join(" "),
        ...table.realServers.map((rs) =>
            ["-a", ...svc, "-r", entryKey(rs), ...entryOptions(rs), ...(rs.forwarding === "tun" ? ["--tun-type", "ipip"] : [])].join(" "),
        ),
    ];
}

/** The service as `ipvsadm -L -n` lists it, without the connection counters. */
export function listing(table: ServiceTable): string {
    const { service } = table;
    const head = isFirewallMark(service)
        ? `FWM  ${service.fwmark}`
        : `${service.protocol.toUpperCase().padEnd(4)} ${hostPort(service.address, service.port)}`;
    let line = `${head} ${service.scheduler}`;
    if (service.flags.length > 0) line += ` (${service.flags.join(",")})`;
    if (service.persistence) {
        line += ` persistent ${service.persistence.timeout}`;
        if (service.persistence.netmask && service.persistence.netmask !== "255.255.255.255")
            line += ` mask ${service.persistence.netmask}`;
    }
    const entries = table.realServers.map(
        (rs) => `  -> ${entryKey(rs).padEnd(28)} ${FORWARDING_LISTED[rs.forwarding].padEnd(7)} ${rs.weight}`,
    );
    return [line, ...entries].join("\n");
}

export { FORWARDING_LISTED };
