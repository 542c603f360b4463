// Entry point of pulumi-lvs's `pulumi-resource-docker`: serves the
// `@pulumi/docker` SDK's Container, Network and RemoteImage on machines where
// the official plugin cannot be installed (see ../README.md).
import { serveProvider } from "../../../provider/serve";
import { DockerProviderServer } from "./server";

serveProvider(new DockerProviderServer()).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
