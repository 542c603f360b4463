// pulumi-lvs's example program: reads the stack's `lvs:*` settings
// (stacks/Pulumi.<stack>.yaml), builds the LVS cluster they describe (on SSH
// hosts, or on Docker containers when `lvs:containers` is set) and exports
// what users look up. A program of your own imports the same pieces from the
// "pulumi-lvs" package (README: "In your own program").
import { clusterFromStackSettings, ContainerCluster, containerClusterFromStackSettings, LvsCluster, stackUsesContainers } from "./lib";

function clusterOfStack(): LvsCluster | ContainerCluster {
    if (stackUsesContainers()) return new ContainerCluster("lvs", containerClusterFromStackSettings());
    const { spec, privateKey, vrrpPassword } = clusterFromStackSettings();
    return new LvsCluster("lvs", { ...spec, privateKey, ...(vrrpPassword !== undefined ? { vrrpPassword } : {}) });
}

const cluster = clusterOfStack();

// The stack's outputs (the module's exports); `containers` only for a cluster on containers.
export = {
    /** Where clients reach the service. */
    vipUrl: cluster.vipUrl,
    /** Each virtual service as ipvsadm listed it right after the last change. */
    ipvsTable: cluster.ipvsTable,
    /** The scheduler in use (ipvsadm -s). */
    scheduler: cluster.scheduler,
    /** The rules the director holds, in `ipvsadm-save -n` form (also in /etc/ipvsadm.rules on the director). */
    ipvsRules: cluster.ipvsRules,
    /** Each real server by name: its address and weight. */
    realServers: cluster.realServerAddresses,
    /** The cluster's containers by role (director, client, the real servers' names), for `docker exec`. */
    ...(cluster instanceof ContainerCluster ? { containers: cluster.containerNames } : {}),
};
