// The pulumi-lvs library: what another Pulumi program imports from "pulumi-lvs".
//   components: LvsCluster, Director, RealServer, and clusterFromStackSettings
//   resources:  the lvs provider's types (VirtualService, Addresses, Sysctls, ...)
//   spec:       the cluster's types, parseClusterConfig and validateCluster
//   ipvs:       the typed IPVS model (render, parse, plan)
export * from "./components";
export * from "./resources";
export { ConfigError, parseClusterConfig, settingPath } from "./src/config";
export type { KeyFileState, ParseEnvironment, ParsedConfig, RawClusterConfig, SshKeySource } from "./src/config";
export * from "./src/spec";
export { codePath, validateCluster } from "./src/validate";
export * as ipvs from "./src/ipvs";
