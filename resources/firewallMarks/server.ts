// The provider's half of lvs:host:FirewallMarks: the director's firewall marks, in an nftables table of its own.
// Its scripts (./scripts.ts) converge, read and undo it as a whole.
import { scripted } from "../../provider/fact";
import { firewallMarksScripts, parseFirewallMarksRead } from "./scripts";
import { firewallMarksSchema, FirewallMarksState } from "./state";

export const firewallMarksFact = scripted<FirewallMarksState>({
    type: "lvs:host:FirewallMarks",
    schema: firewallMarksSchema,
    replaceOn: ["hostName"],
    hostName: (d) => d.hostName,
    scripts: (d) => firewallMarksScripts(d),
    live: (stdout) => ({ ...parseFirewallMarksRead(stdout) }),
});
