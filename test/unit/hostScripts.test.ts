import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseClusterConfig } from "../../src/config";
import { HostStep } from "../../src/hostScripts/common";
import * as director from "../../src/hostScripts/director";
import * as realServer from "../../src/hostScripts/realServer";
import { asRoot } from "../../src/shell";
import { keyFileEnv, tutorialConfig } from "../support/specs";

const { spec } = parseClusterConfig(tutorialConfig(), keyFileEnv);
const [rs1] = spec.realServers;
const steps: [string, HostStep][] = [
    ["director ipvsadm", director.ipvsadmStep(spec.director)],
    ["director ip_forward", director.ipForwardStep(spec.director)],
    ["director addresses", director.addressesStep(spec.director)],
    ["director virtual service", director.virtualServiceStep(spec.director, spec.virtualService, spec.realServers)],
    ["real server addresses", realServer.addressesStep(rs1!, spec.director.dip)],
    ["real server httpd", realServer.httpdStep(rs1!)],
    ["real server test page", realServer.testPageStep({ name: "rs1", page: "<h1>rs1</h1>\n" })],
];

/** `sh -n`: the text parses as a POSIX shell script. */
function parses(script: string): void {
    execFileSync("sh", ["-n"], { input: script });
}

describe("host scripts", () => {
    it.each(steps)("%s: create and delete are valid sh, also wrapped for sudo", (_name, step) => {
        for (const script of [step.create, step.delete, asRoot(step.create, "deploy")]) {
            expect(() => parses(script)).not.toThrow();
            expect(script.startsWith("set -eu\n") || script.startsWith("sudo -n sh -c 'set -eu")).toBe(true);
        }
    });

    it("the virtual service is converged in place: -E for an existing service, -e/-a per real server, never a flush", () => {
        const { create } = director.virtualServiceStep(spec.director, { ...spec.virtualService, scheduler: "dh" }, spec.realServers);
        expect(create).toContain('    ipvsadm -E -t "$svc" -s dh\n');
        expect(create).toContain('    ipvsadm -A -t "$svc" -s dh\n');
        expect(create).toContain(`if printf '%s\\n' "$live" | grep -qxF 192.168.2.100:80; then ipvsadm -e -t "$svc" -r 192.168.2.100:80 -m -w 1; else ipvsadm -a -t "$svc" -r 192.168.2.100:80 -m -w 1; fi`);
        expect(create).toContain('    case " 192.168.2.100:80 192.168.2.101:80 " in *" $rip "*) ;; *) ipvsadm -d -t "$svc" -r "$rip" ;; esac');
        expect(create).not.toMatch(/ipvsadm (-C|--clear)|ipvsadm-restore/);
        expect(create).toContain("ipvsadm-save -n > /etc/ipvsadm.rules.new && mv /etc/ipvsadm.rules.new /etc/ipvsadm.rules");
        expect(create.trimEnd().split("\n").pop()).toBe('ipvsadm -L -n -t "$svc"');
    });

    it("the rules are restored at boot: AUTO=\"true\" and the ipvsadm service enabled, originals recorded and given back", () => {
        const step = director.virtualServiceStep(spec.director, spec.virtualService, spec.realServers);
        expect(step.create).toContain(`sed -i 's/^AUTO=.*/AUTO="true"/' /etc/default/ipvsadm`);
        expect(step.create).toContain("systemctl is-enabled --quiet ipvsadm 2>/dev/null || systemctl enable --quiet ipvsadm 2>/dev/null");
        expect(step.delete).toContain('sed -i "s/^AUTO=.*/AUTO=$(cat "$state/ipvsadm-auto.orig")/" /etc/default/ipvsadm');
        expect(step.delete).toContain('if [ "$(cat "$state/ipvsadm-service.orig" 2>/dev/null)" = disabled ]; then systemctl disable --quiet ipvsadm');
        expect(step.delete).not.toContain('AUTO="true"');
    });

    it("deleting the virtual service removes only that service", () => {
        const { delete: del } = director.virtualServiceStep(spec.director, spec.virtualService, spec.realServers);
        expect(del).toContain('if ipvsadm -L -n -t "$svc" >/dev/null 2>&1; then ipvsadm -D -t "$svc"; fi');
        expect(del).not.toMatch(/ipvsadm (-C|--clear)/);
    });

    it("the director's unit sets the VIP on the outside and the DIP on the inside interface, and its stop removes them", () => {
        const { create } = director.addressesStep(spec.director);
        for (const line of [
            "ExecStart=/sbin/ip address replace 192.168.145.100/24 dev eth1",
            "ExecStart=/sbin/ip address replace 192.168.2.1/24 dev eth2",
            "ExecStop=-/sbin/ip address del 192.168.145.100/24 dev eth1",
            "ExecStop=-/sbin/ip address del 192.168.2.1/24 dev eth2",
            "systemctl enable --quiet pulumi-lvs-director-addresses.service",
        ]) expect(create).toContain(line + "\n");
    });

    it("a real server's default route goes through the director's DIP", () => {
        const { create, delete: del } = realServer.addressesStep(rs1!, spec.director.dip);
        expect(create).toContain("ExecStart=/sbin/ip route replace default via 192.168.2.1 dev eth1\n");
        expect(create).toContain("ExecStart=/sbin/ip address replace 192.168.2.100/24 dev eth1\n");
        expect(del).toContain('ip route replace $(cat "$state/default-route.orig")');
    });

    it("ip_forward is set now and persistently, and restored on delete", () => {
        const step = director.ipForwardStep(spec.director);
        expect(step.create).toContain("sysctl -q -w net.ipv4.ip_forward=1\n");
        expect(step.create).toContain("'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-pulumi-lvs.conf");
        expect(step.delete).toContain('sysctl -q -w net.ipv4.ip_forward="$(cat "$state/ip_forward.orig")"');
    });

    it("the test page travels on stdin, never inside the command", () => {
        const step = realServer.testPageStep({ name: "rs1", page: "it's $(rm -rf /) <b>" });
        expect(step.stdin).toBe("it's $(rm -rf /) <b>");
        expect(step.create).not.toContain("rm -rf");
    });
});
