export { Director, DirectorArgs } from "./director";
export { HostConnection } from "./hostConnection";
export { LvsCluster, LvsClusterArgs } from "./lvsCluster";
export { RealServer, RealServerArgs } from "./realServer";
