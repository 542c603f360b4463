// Names and types of earlier versions, so that a stack deployed by them keeps
// its resources: the example program then named components after their hosts
// (`director`, `rs1`) and ran each host step as a `command:remote:Command`
// (`director-virtual-service`). Their aliases let `pulumi up` take those
// resources over in place; the lvs provider converges each one with an update
// (no replacement, no delete).
import * as pulumi from "../resources/pulumiCore";

/** An alias to `legacyName` (and `legacyType`), or none when nothing changed. */
export function legacyAlias(name: string, legacyName: string, legacyType?: string): pulumi.Input<pulumi.Alias>[] {
    if (name === legacyName && legacyType === undefined) return [];
    return [{ name: legacyName, ...(legacyType ? { type: legacyType } : {}) }];
}
