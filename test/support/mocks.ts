// Pulumi's mocks for the component tests: every resource a program declares
// is recorded (type, name, inputs), and its state is its inputs plus what a
// provider would compute.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach } from "vitest";

export interface Declared {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/**
 * Sets up the mocks for the test file and returns the list of declared
 * resources, emptied before each test. `computed` gives the outputs a provider
 * adds to a resource of a type (none by default).
 */
export function recordDeclarations(computed: (type: string) => Record<string, unknown> = () => ({})): Declared[] {
    const declared: Declared[] = [];
    beforeAll(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    declared.push({ type: args.type, name: args.name, inputs: args.inputs });
                    return { id: `${args.name}-id`, state: { ...args.inputs, ...computed(args.type) } };
                },
                call: () => ({}),
            },
            "lvs",
            "test",
            false,
        );
    });
    beforeEach(() => {
        declared.length = 0;
    });
    return declared;
}

/** An output's value, under mocks. */
export function value<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}
