// The provider's half of lvs:host:Sysctls: kernel settings, now and at every boot; the values found before are restored on delete.
// Its scripts (./scripts.ts) converge, read and undo it as a whole.
import { scripted } from "../../provider/fact";
import { parseSysctlsRead, sysctlsScripts } from "./scripts";
import { sysctlsSchema, SysctlsState } from "./state";

export const sysctlsFact = scripted<SysctlsState>({
    type: "lvs:host:Sysctls",
    schema: sysctlsSchema,
    replaceOn: ["hostName"],
    hostName: (d) => d.hostName,
    scripts: (d) => sysctlsScripts(d),
    live: (stdout, state) => {
        const live = parseSysctlsRead(stdout);
        return {
            values: Object.fromEntries(Object.keys(state.values).flatMap((k) => (k in live.values ? [[k, live.values[k]!]] : []))),
            persisted: live.persisted,
        };
    },
});
