// Entry point of `pulumi-resource-lvs` when no warm spare takes the run (see
// spares.ts): the provider of pulumi-lvs's own resource types (host facts and
// IPVS virtual services, which a refresh reads back from the hosts). The
// engine passes its address as the positional argument; the provider answers
// on a port it prints.
import { startProvider } from "./start";
import { topUpSpares } from "./spares";

// The engine ends a plugin with SIGTERM (SIGKILL after a grace period); on the
// way out, spares are readied for the next start (they load when this ends,
// not while the run needs the CPU).
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
process.once("exit", () => topUpSpares());

startProvider(process.argv.slice(2)).then(
    (port) => console.log(String(port)),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
