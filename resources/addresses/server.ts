// The provider's half of lvs:host:Addresses: addresses and a default route, applied now and kept by a systemd unit.
// Its scripts (./scripts.ts) converge, read and undo it as a whole.
import { scripted } from "../../provider/fact";
import { addressesScripts, parseAddressesRead } from "./scripts";
import { addressesSchema, AddressesState } from "./state";

export const addressesFact = scripted<AddressesState>({
    type: "lvs:host:Addresses",
    schema: addressesSchema,
    replaceOn: ["hostName"],
    hostName: (d) => d.hostName,
    scripts: (d) => addressesScripts(d),
    live: (stdout, state) => {
        const live = parseAddressesRead(stdout, state);
        return {
            addresses: live.addresses,
            persisted: live.persisted,
            ...(state.defaultRoute ? { defaultRoute: live.defaultRoute } : {}),
            ...(state.defaultRoute6 ? { defaultRoute6: live.defaultRoute6 } : {}),
        };
    },
});
