// Entry point of `pulumi-resource-lvs`: the provider of pulumi-lvs's own
// resource types (host facts and IPVS virtual services, which a refresh reads
// back from the hosts). The engine passes its address as the positional
// argument; the provider answers on a port it prints, and ends when the engine
// ends it (SIGTERM), closing its SSH connections.
import { startProvider } from "./start";

for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));

startProvider(process.argv.slice(2)).then(
    (port) => console.log(String(port)),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
