// The provider's half of lvs:host:Service: a systemd service: enabled and running.
// Its scripts (./scripts.ts) converge, read and undo it as a whole.
import { scripted } from "../../provider/fact";
import { parseServiceRead, serviceScripts } from "./scripts";
import { serviceSchema, ServiceState } from "./state";

export const serviceFact = scripted<ServiceState>({
    type: "lvs:host:Service",
    schema: serviceSchema,
    replaceOn: ["hostName", "unit"],
    hostName: (d) => d.hostName,
    scripts: (d) => serviceScripts(d),
    live: (stdout) => ({ ...parseServiceRead(stdout) }),
});
