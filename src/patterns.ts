// The shapes of values that end up in host scripts, shared by the config
// parser (which explains problems to users) and the components' guards.
import * as ipaddr from "ipaddr.js";

/** Director and real-server names: they name resources, units and state directories. */
export const NAME = /^[a-z][a-z0-9-]{0,30}$/;
/** Linux interface names as `ip link` shows them. */
export const INTERFACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
/** POSIX-style user names. */
export const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** DNS host names. */
export const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A dotted-quad IPv4 address with no leading zeros or other spellings. */
export function isIPv4(text: string): boolean {
    return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** An IPv6 address as `ip` and ipvsadm print it: RFC 5952's canonical form (lowercase, zeros compressed). */
export function isCanonicalIPv6(text: string): boolean {
    return ipaddr.IPv6.isValid(text) && !text.includes("%") && ipaddr.IPv6.parse(text).toRFC5952String() === text;
}

/** Either family, each in the one spelling the host prints. */
export function isIP(text: string): boolean {
    return isIPv4(text) || isCanonicalIPv6(text);
}

/** An address family: ipvsadm's and ip's `-4` and `-6`. */
export type AddressFamily = "ipv4" | "ipv6";

/** The address family of an address that `isIP` accepts. */
export function familyOf(address: string): AddressFamily {
    return address.includes(":") ? "ipv6" : "ipv4";
}

/** `address:port`, an IPv6 address in brackets (`[2001:db8::1]:80`), as ipvsadm and URLs write them. */
export function hostPort(address: string, port: number): string {
    return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Problems of an IPv6 address: one a host can be given on an interface and reached at (global or unique local). */
export function ipv6AddressProblem(address: string): string | undefined {
    if (!ipaddr.IPv6.isValid(address) || address.includes("%") || address.includes("."))
        return `${JSON.stringify(address)} is not an IPv6 address`;
    const range = ipaddr.IPv6.parse(address).range();
    if (range !== "unicast" && range !== "uniqueLocal" && range !== "reserved")
        return `${JSON.stringify(address)} is a ${range} address: use a global or unique local (fd00::/8) one`;
    return undefined;
}

/** An IPv6 address in the one spelling `ip` and ipvsadm print (RFC 5952), so that what is read back compares equal. */
export function canonicalIPv6(address: string): string {
    return ipaddr.IPv6.parse(address).toRFC5952String();
}
