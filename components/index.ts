export * from "./director";
export * from "./inputs";
export * from "./lvsCluster";
export * from "./realServer";
export * from "./stackSettings";
export * from "./containerCluster";
