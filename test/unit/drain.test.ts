// The drain (provider/drain.ts): it waits for a drained real server's active
// connections to end, up to the deadline, but not for a real server that
// answers nothing (its host died), whose connections can never end. The
// director is a fake that answers the drain's two scripts; the question the
// drain asks a real server (answersScript) runs for real against loopback
// (a silent host, on the lab: test/e2e/lab/healthChecks.ts).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Server } from "node:net";
import { drain } from "../../provider/drain";
import type { Transport } from "../../provider/host";
import { Answer, answersScript, parseAnswers } from "../../resources/virtualService/scripts";
import type { AddressedService, VirtualService } from "../../src/ipvs";
import { closedPorts, listener } from "../support/ports";

type Service = VirtualService & AddressedService;

const TCP: Service = { protocol: "tcp", address: "192.168.145.100", port: 80, scheduler: "rr", flags: [] };
const UDP: Service = { ...TCP, protocol: "udp", port: 53 };
const DEAD = "192.168.2.101";

/** `ipvsadm -L -n` of one service whose rs2 is drained (weight 0) with `active` connections left. */
function listing(service: Service, active: number): string {
    return [
        "IP Virtual Server version 1.2.1 (size=4096)",
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
        `${service.protocol.toUpperCase()}  ${service.address}:${service.port} rr`,
        `  -> 192.168.2.100:${service.port}             Masq    1      0          0`,
        `  -> ${DEAD}:${service.port}             Masq    0      ${active}          0`,
        "",
    ].join("\n");
}

/** A director whose table keeps rs2's connections, and to whose question rs2 gives `answer`; what it was asked. */
function director(service: Service, answer: Answer) {
    const asked: string[] = [];
    const transport: Transport = {
        label: "director (root@127.0.0.1:2221)",
        run: async (script) => {
            if (script.includes("/dev/tcp/")) {
                asked.push(script);
                return { code: 0, stdout: `answers ${DEAD}:${service.port} ${answer}\n`, stderr: "" };
            }
            return { code: 0, stdout: listing(service, 2), stderr: "" };
        },
    };
    const warnings: string[] = [];
    return { asked, warnings, ctx: { transport, status: () => {}, warn: (m: string) => warnings.push(m) } };
}

describe("a drain", () => {
    it("stops waiting for a real server that answers nothing twice: its connections cannot end", async () => {
        const { ctx, warnings, asked } = director(TCP, "silent");
        const started = Date.now();
        await drain(ctx, "director", TCP, [`${DEAD}:80`], 60);
        expect(asked).toHaveLength(2);
        expect(warnings).toEqual([
            "service tcp 192.168.145.100:80: 192.168.2.101:80 does not answer (no reply to a TCP connection from the director " +
                "within 1 s, 2 times): its 2 active connections cannot end; going ahead without waiting for them",
        ]);
        // Two rounds, one pause between them: nowhere near the 60 s deadline.
        expect(Date.now() - started).toBeLessThan(10_000);
    });

    it("waits until the deadline for a real server that is there (it refused the question: alive, its connections open)", async () => {
        const { ctx, warnings, asked } = director(TCP, "refused");
        await drain(ctx, "director", TCP, [`${DEAD}:80`], 1);
        expect(asked.length).toBeGreaterThanOrEqual(1);
        expect(warnings).toEqual([
            "service tcp 192.168.145.100:80: drain deadline of 1 s reached with 192.168.2.101:80: 2 active connections; " +
                "going ahead (raise lvs:drainTimeout to wait longer)",
        ]);
    });

    it("never asks a UDP service's real servers (no handshake to tell by): the deadline rules", async () => {
        const { ctx, warnings, asked } = director(UDP, "silent");
        await drain(ctx, "director", UDP, [`${DEAD}:53`], 1);
        expect(asked).toEqual([]);
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain("drain deadline of 1 s reached");
    });
});

describe("the question to a real server (answersScript), run by a shell", () => {
    let server: Server;
    let open: number;
    let closed: number;

    beforeAll(async () => {
        [closed] = (await closedPorts(1)) as [number];
        server = await listener();
        open = (server.address() as { port: number }).port;
    });

    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it("tells a port that takes the connection from one that refuses it (a host that is there), all in one run", async () => {
        const { stdout } = await promisify(execFile)("sh", ["-c", answersScript("director", [`127.0.0.1:${open}`, `127.0.0.1:${closed}`])]);
        expect(Object.fromEntries(parseAnswers(stdout))).toEqual({
            [`127.0.0.1:${open}`]: "connected",
            [`127.0.0.1:${closed}`]: "refused",
        });
    });
});
