// A setup file for the test files that run beside the VM lab's (the engine
// files, and the container lab's): they lower their CPU priority (nice 10),
// which the engine runs, dockerd and the Docker host's VM they start inherit.
// On two cores the VM lab's file is the run's critical path: it gets the CPU
// it needs first, and these use what it leaves, where an even share slowed it
// by a quarter. (The unit files keep the normal priority: some measure waits
// of a few seconds.)
import * as os from "node:os";

os.setPriority(10);
