// The typed IPVS model: types, rendering, parsing and the in-place sync plan.
export * from "./model";
export * from "./parse";
export * from "./plan";
export * from "./render";
