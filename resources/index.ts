// The lvs provider's resource types, for programs that want the pieces
// without the components.
export * from "./connection";
export * from "./hostFacts";
export * from "./virtualService";
