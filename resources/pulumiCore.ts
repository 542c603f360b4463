// The parts of @pulumi/pulumi this library uses, from the SDK's own modules
// rather than its root. The root also loads the Automation API, dynamic
// providers, the function serializer and, with it, TypeScript: about 0.9 s
// on a 2-core machine, on every run of a program that only declares
// resources. These are the very objects the root re-exports, so a program's
// own `import * as pulumi from "@pulumi/pulumi"` and `instanceof` agree with them.
export { ComponentResource, CustomResource } from "@pulumi/pulumi/resource";
export type { Alias, ComponentResourceOptions, CustomResourceOptions, Resource } from "@pulumi/pulumi/resource";
export { all, interpolate, output, Output, secret } from "@pulumi/pulumi/output";
export type { Input, Unwrap } from "@pulumi/pulumi/output";
export { ResourceError, RunError } from "@pulumi/pulumi/errors";
export { Config } from "@pulumi/pulumi/config";
export { getStack } from "@pulumi/pulumi/metadata";
