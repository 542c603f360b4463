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
export { checkContainerCluster, dockerNetwork } from "./src/containerSpec";
export type { ContainerClusterInput, ContainerClusterSpec, ContainerHostsSpec, NetworkAddress } from "./src/containerSpec";
export { clusterTables, serviceTable } from "./src/desiredTables";
export { pageFileOf } from "./src/settingsFiles";
export * from "./src/spec";
export { checkCluster, codePath, validateCluster } from "./src/validate";
export type { Checked } from "./src/validate";
export * as ipvs from "./src/ipvs";
