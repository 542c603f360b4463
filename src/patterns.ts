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
