// Health checks on the VM lab, end to end: the real Pulumi engine hands the
// tutorial's VS/NAT table over to keepalived (the lab's director has Debian's
// package, installed and not running, as a host's apt leaves it: the lab's
// director image) and back, under a keep-alive load through the VIP without a
// failed request. It runs after the VS/DR and VS/TUN suites, on hosts as they
// left them (both real servers with lighttpd installed, not serving). With
// keepalived holding the table: httpd stopped on rs1 takes it out of rotation
// within keepalived's window (delay_loop + retry × delay_before_retry, + 1 s)
// and requests fail only inside it, it comes back within seconds of httpd
// returning, and a server taken out by its check is not drift; a scheduler or
// weight changed by hand, a hand-edited keepalived.conf and a stopped
// keepalived are, and up repairs them. (A service deleted by hand, a weight
// change and a drain through keepalived's reloads are the director pair's
// suite's, on both directors: directorPair.ts.) Over the whole suite, the only server keepalived ever takes out
// is the one the test stopped. Last, rs2's host dies (its VM is killed): the
// refresh names it and says what to do, and one up with the host in
// lvs:forget takes it out of the table and the state; destroy leaves the
// hosts it can reach as found.
import { beforeAll, describe, expect, it } from "vitest";
import { Stack } from "@pulumi/pulumi/automation";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CI_LAB_ENV, onVm, qemuPids } from "../../support/lab";
import { alive } from "../../support/pids";
import { failureOf } from "../../support/pulumi";
import { curl, fromNamespace, holdConnections, log, noOpUp, previewSteps, tally, upStack, VIP } from "../../support/e2e";
import { requestTimeline, Sample } from "../../support/timeline";
import { expectAsFound, LabContext, npmRunStatus, startWithHttpdOnBoth } from "./context";
import { underLoad } from "./underLoad";
import { DEFAULT_HEALTH_TIMING } from "../../../src/ipvs/serviceSchema";

const PAGES = { rs1: "<h1>rs1 (192.168.2.100)</h1>", rs2: "<h1>rs2 (192.168.2.101)</h1>" };
const SERVICE = "tcp 192.168.145.100:80";
/**
 * The check the suite configures: the documented timing, but with a second retry and 2 s to answer. The
 * suite's keep-alive load saturates the emulated real servers, one of which once answered a check with the
 * defaults (1 retry of 1 s) too late; a stopped httpd refuses at once, so the window is the same rule.
 */
const CHECK = { type: "HTTP_GET", path: "/", retry: 2, connectTimeout: 2 } as const;
/** keepalived's detection window (delay_loop + retry × delay_before_retry), and the second allowed on top. */
const WINDOW_S = DEFAULT_HEALTH_TIMING.delayLoop + CHECK.retry * DEFAULT_HEALTH_TIMING.delayBeforeRetry + 1;

function servers(pages: string[]): string[] {
    return pages.map((p) => (p === PAGES.rs1 ? "rs1" : p === PAGES.rs2 ? "rs2" : `unexpected: ${p}`));
}

/** A real server's weight in the VIP's service, as the director's kernel has it (undefined: no entry). */
function weightOf(address: string): number | undefined {
    const m = new RegExp(`-> ${address.replace(/\./g, "\\.")}:80\\s+\\S+\\s+(\\d+)`).exec(
        onVm("director", "ipvsadm -Ln -t 192.168.145.100:80 2>&1 || true"),
    );
    return m ? Number(m[1]) : undefined;
}

/** A real server's active connections in the VIP's service on the director (0 when it has no entry). */
function activeConnectionsOf(address: string): number {
    const m = new RegExp(`-> ${address.replace(/\./g, "\\.")}:80\\s+\\S+\\s+\\d+\\s+(\\d+)`).exec(
        onVm("director", "ipvsadm -Ln -t 192.168.145.100:80 2>&1 || true"),
    );
    return m ? Number(m[1]) : 0;
}

/**
 * Returns once a real server has `weight` in the VIP's service, polled on the director itself every 0.1 s
 * (bounded): the moment is known to within one SSH round trip, where polling over SSH costs several.
 */
function waitForWeight(address: string, weight: number): void {
    const entry = `${address.replace(/\./g, "\\.")}:80 +Masq +${weight} `;
    onVm(
        "director",
        `timeout 20 sh -c 'until ipvsadm -Ln -t ${VIP}:80 | grep -Eq "${entry}"; do sleep 0.1; done' || ` +
            `{ echo "${address}: not at weight ${weight} within 20 s" >&2; exit 1; }`,
    );
}

/**
 * What keepalived's checkers did since the suite started keepalived: with inhibit_on_failure, a failing server
 * is "Disabling service …" and a recovered one "Enabling service …" (a server a reload takes out of the file is
 * "Removing service …": not a check's doing).
 */
function checkerEvents(): string[] {
    return onVm("director", "journalctl -u keepalived -o cat -q | grep -E '^(Disabl|Enabl)ing service' || true")
        .trim()
        .split("\n")
        .filter(Boolean);
}

/** Waits (bounded: 10 s) until none of `pids` runs. */
async function untilGone(pids: number[]): Promise<void> {
    for (let i = 0; i < 100 && pids.some(alive); i++) await sleep(100);
    expect(pids.filter(alive), "processes still running").toEqual([]);
}

export function healthCheckSuite(context: LabContext): void {
    let stack: Stack;
    let before: Record<string, string> = {};
    const up = () => upStack(stack);

    /** The stack's one service as a user edits it: the tutorial's, with the given fields instead. */
    async function service(fields: Record<string, unknown>): Promise<void> {
        const vs = { port: 80, scheduler: "rr", realServers: [{ name: "rs1" }, { name: "rs2" }], ...fields };
        await stack.setConfig("lvs:virtualServices", { value: JSON.stringify([vs]) }, true);
    }

    const healthCheck = CHECK;

    describe("health checks: keepalived holds the table, configured from the stack", () => {
        beforeAll(async () => {
            before = await startWithHttpdOnBoth(context);
            expect(before.director).toMatch(/^ii {2}keepalived /m);
            expect(before.director).toMatch(/^keepalived enabled inactive$/m);
            stack = await context.project.stack("ci-health");
            await up();
            expect(tally(servers(fromNamespace(curl(`http://${VIP}/`), 4)))).toEqual({ rs1: 2, rs2: 2 });
        });

        it("a health check hands the running table to keepalived in place: no failed request, nothing left of the old owner", async () => {
            await service({ healthCheck });
            await underLoad(async () => {
                const { steps } = await up();
                expect(steps.map((s) => `${s.op} ${s.name}`)).toEqual([
                    "create lvs-director-keepalived",
                    "create lvs-director-keepalived-config",
                    "delete lvs-director-tcp-80",
                ]);
            });
            expect(onVm("director", "systemctl is-active keepalived").trim()).toBe("active");
            expect(onVm("director", "cat /etc/keepalived/keepalived.conf")).toContain("HTTP_GET {");
            // The table is keepalived's: its service with both real servers, and none of pulumi-lvs's own markers.
            expect(onVm("director", "ipvsadm-save -n")).toContain("-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1");
            expect(onVm("director", "ls /var/lib/pulumi-lvs/director/services 2>/dev/null || echo none").trim()).toBe("none");
            await noOpUp(stack);
        });

        it(`httpd stopped on rs1: out of rotation within ${WINDOW_S} s, requests fail only inside that window, back within seconds; not drift`, async () => {
            const timeline = requestTimeline(`http://${VIP}/`, 40);
            // httpd stops somewhere between the stop asked and its return (a fraction of a second under emulation):
            // the window is measured from its return, and failures may only come before rs1 was seen out.
            let stopAsked = 0;
            let stopped: number;
            let out = 0;
            let started = 0;
            let back = 0;
            let samples: Sample[];
            try {
                await new Promise((r) => setTimeout(r, 2000));
                stopAsked = Date.now();
                onVm("rs1", "systemctl stop lighttpd");
                stopped = Date.now();
                waitForWeight("192.168.2.100", 0);
                out = Date.now();
                log(
                    `rs1 out of rotation ${((out - stopped) / 1000).toFixed(1)} s after its httpd stopped ` +
                        `(${((out - stopAsked) / 1000).toFixed(1)} s after the stop was asked; window ${WINDOW_S} s)\n`,
                );
                // Taken out by its check is not drift of keepalived's: the preview shows only rs1's stopped httpd.
                expect((await previewSteps(stack)).map((s) => `${s.op} ${s.name}`)).toEqual(["update lvs-rs1-httpd"]);
                // And npm run status says so: the table matches the stack, rs1's health is down.
                const report = npmRunStatus(context, "ci-health");
                expect(report).toContain(
                    `director (127.0.0.1:2321): service ${SERVICE} rr: matches the stack; health: keepalived's HTTP_GET / every 2 s`,
                );
                expect(report).toMatch(/rs1 192\.168\.2\.100:80 .*health: DOWN \(failing its check: weight 0\)$/m);
                expect(report).toMatch(/rs2 192\.168\.2\.101:80 .*health: up$/m);
                onVm("rs1", "systemctl start lighttpd");
                // Back from when httpd answers again (its start under emulation takes seconds of its own).
                onVm("rs1", "timeout 30 sh -c 'until curl -s -o /dev/null --max-time 1 http://127.0.0.1/; do sleep 0.1; done'");
                started = Date.now();
                waitForWeight("192.168.2.100", 1);
                back = (Date.now() - started) / 1000;
                log(`rs1 back in rotation ${back.toFixed(1)} s after its httpd answered again\n`);
                await new Promise((r) => setTimeout(r, 2000));
            } finally {
                samples = await timeline.stop();
            }
            const failed = samples.filter((s) => s.answer === undefined);
            log(
                `${samples.length} requests, ${failed.length} failed, sent ` +
                    `${failed.map((s) => `+${((s.at - stopAsked) / 1000).toFixed(2)} s`).join(", ")} after the stop was asked\n`,
            );
            expect((out - stopped) / 1000).toBeLessThanOrEqual(WINDOW_S);
            expect(back).toBeLessThanOrEqual(DEFAULT_HEALTH_TIMING.delayLoop + 2);
            // (A request sent before rs1 was seen out may have been scheduled to it.)
            for (const s of failed) expect(s.at, "a failed request sent after rs1 was seen out").toBeLessThanOrEqual(out);
            // Between detection and return, every request answered, by rs2.
            const between = samples.filter((s) => s.at > out && s.at < started);
            expect(between.length).toBeGreaterThan(20);
            expect(tally(servers(between.map((s) => s.answer ?? "FAILED")))).toEqual({ rs2: between.length });
            // After its return, both serve again.
            const after = samples.filter((s) => s.at > started + back * 1000 + 100);
            expect(after.every((s) => s.answer !== undefined)).toBe(true);
            expect(new Set(servers(after.map((s) => s.answer!)))).toEqual(new Set(["rs1", "rs2"]));
        });

        it("a scheduler and a weight changed by hand show in the preview, and keepalived itself puts both back, by reload", async () => {
            const pid = onVm("director", "systemctl show -P MainPID keepalived").trim();
            onVm("director", "ipvsadm -E -t 192.168.145.100:80 -s sh && ipvsadm -e -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 5");
            const planned = await previewSteps(stack);
            expect(planned.map((s) => `${s.op} ${s.name}`)).toEqual(["update lvs-director-keepalived-config"]);
            expect(planned[0]!.diff).toEqual({
                [`virtualServices["${SERVICE}"].scheduler`]: "update",
                [`virtualServices["${SERVICE}"].realServers["192.168.2.101:80"].weight`]: "update",
            });
            await up();
            expect(onVm("director", "ipvsadm -Ln -t 192.168.145.100:80")).toMatch(/TCP\s+192\.168\.145\.100:80 rr/);
            expect(weightOf("192.168.2.101")).toBe(1);
            expect(onVm("director", "systemctl show -P MainPID keepalived").trim(), "reloaded, not restarted").toBe(pid);
            expect(tally(servers(fromNamespace(curl(`http://${VIP}/`), 4)))).toEqual({ rs1: 2, rs2: 2 });
            await noOpUp(stack);
        });

        it("keepalived.conf edited by hand and keepalived stopped show in the preview as lines of the file, and up puts both back", async () => {
            onVm("director", "sed -i 's/weight 1/weight 9/' /etc/keepalived/keepalived.conf && systemctl stop keepalived");
            const planned = await previewSteps(stack);
            expect(planned.map((s) => `${s.op} ${s.name}`)).toEqual(["update lvs-director-keepalived-config"]);
            expect(planned[0]!.diff).toEqual({ config: "update", running: "update", [`virtualServices["${SERVICE}"]`]: "add" });
            expect(planned[0]!.live.config).toContain("weight 9");
            await up();
            expect(onVm("director", "systemctl is-active keepalived").trim()).toBe("active");
            expect(onVm("director", "grep -c 'weight 9' /etc/keepalived/keepalived.conf || true").trim()).toBe("0");
            expect(tally(servers(fromNamespace(curl(`http://${VIP}/`), 4)))).toEqual({ rs1: 2, rs2: 2 });
            await noOpUp(stack);
        });

        it("over the whole suite, keepalived took out only the server the test stopped, once", () => {
            const events = checkerEvents();
            log(`keepalived's checker: ${events.join(" | ")}\n`);
            expect(events).toEqual([
                "Disabling service [192.168.2.100]:tcp:80 of VS [192.168.145.100]:tcp:80",
                "Enabling service [192.168.2.100]:tcp:80 of VS [192.168.145.100]:tcp:80",
            ]);
        });

        it("the health check taken away hands the table back to pulumi-lvs in place, without a failed request; keepalived stopped, its file gone", async () => {
            await service({});
            await underLoad(async () => void (await up()));
            // The lab's director has keepalived's package (installing it under emulation costs minutes): it stays, stopped.
            expect(onVm("director", "systemctl is-active keepalived || true").trim()).toBe("inactive");
            expect(onVm("director", "ls /etc/keepalived/keepalived.conf 2>&1 || true")).toContain("No such file");
            expect(onVm("director", "ipvsadm-save -n")).toContain("-a -t 192.168.145.100:80 -r 192.168.2.101:80 -m -w 1");
            await noOpUp(stack);
        });

        it("a real server whose host died: the refresh names it and what to do; listed in lvs:forget, one up takes it out of the table and the state, without waiting out its connections", async () => {
            // Idle connections through the VIP, half of them on rs2 (round robin): when rs2 dies, they stay open on
            // the director's side and can never end, so its drain must not wait for them (lvs:drainTimeout is 60 s).
            const held = holdConnections(4, 120);
            try {
                for (let i = 0; i < 50 && activeConnectionsOf("192.168.2.101") === 0; i++) await sleep(200);
                expect(activeConnectionsOf("192.168.2.101")).toBeGreaterThan(0);
                await rs2DiesAndIsForgotten();
            } finally {
                held.close();
                await held.closed;
            }
        });

        /** The dead-host test's steps once connections to rs2 are held open. */
        async function rs2DiesAndIsForgotten(): Promise<void> {
            // rs2 dies: its VM, and the lab's forward of its SSH port (nothing answers there any more, as with a host
            // that is off: without the forward's socat accepting first, the dials fail at once).
            const run = path.join(CI_LAB_ENV.PULUMI_LVS_LAB_DIR, "run");
            const dead = [
                qemuPids().rs2!,
                ...["forward-root", "forward-netns"].map((f) => Number(readFileSync(`${run}/rs2.${f}.pid`, "utf8"))),
            ];
            for (const pid of dead) process.kill(pid, "SIGKILL");
            await untilGone(dead);

            const failure = await failureOf(stack.preview({ onOutput: log }));
            expect(failure).toMatch(
                /rs2 \(deploy@127\.0\.0\.1:2323\): cannot run commands over SSH: [^\n]*ECONNREFUSED[^\n]*; if rs2 is gone for good, list it in lvs:forget \(README: a host that is gone\)/,
            );

            // What the README says to do: the server out of the service and of lvs:realServers, its host in lvs:forget.
            await service({ realServers: [{ name: "rs1" }] });
            await stack.removeConfig("lvs:realServers[1]", true);
            await stack.setConfig("lvs:forget[0]", { value: "rs2" }, true);
            const { steps, output } = await up();
            for (const resource of ["lvs-rs2-addresses", "lvs-rs2-httpd", "lvs-rs2-lighttpd", "lvs-rs2-test-page"])
                expect(output).toContain(`rs2 is listed in lvs:forget: not contacted; ${resource} leaves the stack's state`);
            // The refresh took rs2's resources out of the state: nothing of them is left to delete on the host.
            expect(steps.map((s) => `${s.op} ${s.name}`)).toEqual(["update lvs-director-tcp-80", "delete lvs-rs2"]);
            // Its connections could never end: the drain asked rs2, heard nothing twice, and went ahead.
            expect(output).toMatch(/service tcp 192\.168\.145\.100:80: 192\.168\.2\.101:80 does not answer \(no reply to a TCP connection/);
            expect(output).toMatch(/its [1-4] active connections? cannot end; going ahead without waiting for them/);
            expect(output).not.toContain("drain deadline");
            expect(onVm("director", "ipvsadm-save -n")).not.toContain("192.168.2.101");
            expect(tally(servers(fromNamespace(curl(`http://${VIP}/`), 4)))).toEqual({ rs1: 4 });
            const state = await stack.exportStack();
            expect(state.deployment.resources.filter((r: { urn: string }) => r.urn.includes("::lvs-rs2"))).toEqual([]);
            await noOpUp(stack);
        }

        it("pulumi destroy leaves every host it can reach exactly as it was found", async () => {
            const result = await stack.destroy({ onOutput: log });
            expect(result.summary.result).toBe("succeeded");
            await expectAsFound(before, ["director", "rs1"]);
        });
    });
}
