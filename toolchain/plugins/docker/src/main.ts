// Entry point of pulumi-lvs's `pulumi-resource-docker`: serves the
// `@pulumi/docker` SDK's Container, Network and RemoteImage on machines where
// the official plugin cannot be installed (see ../README.md). The engine reads
// the port it serves on from the first line of its output.
import { serveProvider } from "../../../../pluginKit/serve";
import { DockerProviderServer } from "./server";

serveProvider(new DockerProviderServer()).then(
    (port) => console.log(String(port)),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
