// The pulumi-lvs library: what another Pulumi program imports from "pulumi-lvs".
//   components: LvsCluster, ContainerCluster, Director, RealServer, and the stack-settings readers
//   resources:  the lvs provider's types (VirtualService, Addresses, Sysctls, ...)
//   spec:       the cluster's types, parseClusterConfig and validateCluster, the tables a cluster wants
//   ipvs:       the typed IPVS model (render, parse, plan)
export * from "./components";
export * from "./resources";
export { ConfigError, parseClusterConfig, parseContainerClusterConfig, SETTING_KEYS, settingPath, settingPathFor } from "./src/config";
export type {
    KeyFileState,
    ParseEnvironment,
    ParsedConfig,
    ParsedContainerConfig,
    RawClusterConfig,
    SettingsForm,
    SshKeySource,
} from "./src/config";
export { dockerNetwork, validateContainerCluster } from "./src/containerSpec";
export type { ContainerClusterSpec, ContainerHostsSpec, NetworkAddress } from "./src/containerSpec";
export { clusterTables, serviceTable } from "./src/desiredTables";
export * from "./src/spec";
export { codePath, validateCluster } from "./src/validate";
export * as ipvs from "./src/ipvs";
