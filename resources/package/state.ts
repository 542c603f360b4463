// lvs:host:Package's inputs and state: a Debian package the host must have.
import { z } from "zod";
import { hostNameSchema } from "../../src/spec";

const PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

export const packageFields = {
    /** The host's name in pulumi-lvs (its state directory). */
    hostName: hostNameSchema,
    /** The Debian package, installed with apt when missing and purged on delete only if this resource installed it. */
    package: z.string().regex(PACKAGE, { error: (iss) => `${JSON.stringify(iss.input)} is not a Debian package name` }),
    /** Keep it on delete while the IPVS table still holds services (`ipvs-services`: others', added by hand). */
    keepWhileUsed: z.enum(["ipvs-services"]).optional(),
    /** Read back: whether the package is installed. */
    installed: z.literal(true).default(true),
};

export const packageSchema: z.ZodObject<typeof packageFields> = z.object(packageFields);

export type PackageInputs = z.input<typeof packageSchema>;
export type PackageState = z.output<typeof packageSchema>;
/** What the scripts are given. */
export type PackageFact = Omit<PackageState, "installed">;
