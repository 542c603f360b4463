// A Debian package that a host must have (the director's ipvsadm): installed
// with apt when missing, and on delete purged together with whatever its
// install added, only if this fact installed it.
import { lines } from "../../src/shell";
import {
    CLEAN_STATE,
    ensurePackage,
    FactScripts,
    HOST_LOCK,
    installedIn,
    preamble,
    purgeIfInstalled,
    readInstalled,
    readLines,
} from "../../src/hostScript";
import type { PackageFact } from "./state";

/** What "still in use" means, as a shell test, and how the warning says it. */
const IN_USE = {
    "ipvs-services": {
        // (ipvsadm would load IPVS's module to answer: a host without it loaded holds no service.)
        check: '[ -d /sys/module/ip_vs ] && [ -n "$(ipvsadm-save -n 2>/dev/null)" ]',
        why: "the IPVS table still holds services pulumi-lvs does not own",
    },
};

export interface PackageLive {
    installed: boolean;
}

export function packageScripts(fact: PackageFact): FactScripts {
    return {
        apply: lines(preamble(fact.hostName), HOST_LOCK, ensurePackage(fact.package)),
        read: lines(preamble(fact.hostName), readInstalled(fact.package)),
        remove: lines(
            preamble(fact.hostName),
            HOST_LOCK,
            purgeIfInstalled(fact.package, fact.keepWhileUsed ? IN_USE[fact.keepWhileUsed] : undefined),
            CLEAN_STATE,
        ),
    };
}

export function parsePackageRead(stdout: string): PackageLive {
    return { installed: installedIn(readLines(stdout)) };
}
