// The lvs provider's resource types, for programs that want the pieces
// without the components.
export * from "./connection";
export * from "./addresses";
export * from "./file";
export * from "./firewallMarks";
export * from "./keepalived";
export * from "./package";
export * from "./service";
export * from "./sysctls";
export * from "./virtualService";
