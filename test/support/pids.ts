// Whether a process runs, by PID (signal 0 sends nothing). No test APIs here:
// the vitest config loads it through preparation.ts.

export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}
