// pulumi-lvs's example program: reads the stack's `lvs:*` settings
// (stacks/Pulumi.<stack>.yaml), builds the LVS cluster they describe and
// exports what users look up. A program of your own imports the same pieces
// from the "pulumi-lvs" package (README: "In your own program").
import { clusterFromStackSettings, LvsCluster } from "./lib";

const { spec, privateKey } = clusterFromStackSettings();
const cluster = new LvsCluster("lvs", { ...spec, privateKey });

/** Where clients reach the service. */
export const vipUrl = cluster.vipUrl;
/** Each virtual service as ipvsadm listed it right after the last change. */
export const ipvsTable = cluster.ipvsTable;
/** The scheduler in use (ipvsadm -s). */
export const scheduler = cluster.scheduler;
/** The rules the director holds, in `ipvsadm-save -n` form (also in /etc/ipvsadm.rules on the director). */
export const ipvsRules = cluster.ipvsRules;
/** Each real server by name: its address and weight. */
export const realServers = cluster.realServerAddresses;
