// The provider's half of lvs:host:Package: a Debian package: installed with apt when missing, purged on delete only if this resource installed it.
// Its scripts (./scripts.ts) converge, read and undo it as a whole.
import { scripted } from "../../provider/fact";
import { packageScripts, parsePackageRead } from "./scripts";
import { packageSchema, PackageState } from "./state";

export const packageFact = scripted<PackageState>({
    type: "lvs:host:Package",
    schema: packageSchema,
    replaceOn: ["hostName", "package"],
    // A package is the host's, not a stack's: packages come first, and a run stopped by apt leaves no claim.
    claimsHost: false,
    hostName: (d) => d.hostName,
    scripts: (d) => packageScripts(d),
    live: (stdout) => ({ ...parsePackageRead(stdout) }),
});
