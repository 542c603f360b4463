// The engine tests' global teardown: the runs they made left warm spares of
// the lvs plugin behind (provider/spares.ts), for this checkout and for the
// library installed from its tarball. They would end by themselves when idle;
// the tests end them now, as they end every process they started.
import { privateRunDir } from "../../provider/privateDir";
import { stopSpares } from "../../provider/spares";

export function teardown(): void {
    stopSpares(privateRunDir(), "every");
}
