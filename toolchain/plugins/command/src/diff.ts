// The official provider's diff rules: any change to `triggers` replaces the
// resource; every other change updates it in place; no change runs nothing.
import { isDeepStrictEqual } from "node:util";
import { DiffResult } from "@pulumi/pulumi/provider";
import { CommandKind, INPUT_KEYS } from "./inputs";
import { containsUnknown, reveal } from "../../../../pluginKit/rpcValues";

function normalize(value: unknown): unknown {
    const plain = reveal(value);
    return plain === null ? undefined : plain;
}

/** The input keys whose values differ between the stored state and the new inputs. */
export function changedInputs(kind: CommandKind, olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
    return INPUT_KEYS[kind].filter((key) => containsUnknown(news[key]) || !isDeepStrictEqual(normalize(olds[key]), normalize(news[key])));
}

/**
 * Diff of a command resource. `olds` is the stored state (inputs echoed plus
 * stdout/stderr), `news` the checked new inputs; outputs are not compared.
 * Replacement is create-before-delete unless the program asks otherwise.
 */
export function diffCommand(kind: CommandKind, olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
    const changed = changedInputs(kind, olds, news);
    return {
        changes: changed.length > 0,
        replaces: changed.includes("triggers") ? ["triggers"] : [],
        deleteBeforeReplace: false,
    };
}
