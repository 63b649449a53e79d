/** Shapes of the `RoutineCodeVersion` provider: what the engine passes and the state records. */
import { inputKeys, keysOn } from "../engine/shape";
import { CODE_VERSION_SHAPE } from "./shape";
import type { SourceKind } from "./source";

export const DEPLOY_ENVS = ["staging", "production"] as const;
export type DeployEnv = (typeof DEPLOY_ENVS)[number];

/**
 * The resource's inputs after `check`. Never the source itself: `sourceFile` names the
 * prepared bytes on this machine, `sourceHash` is their sha256.
 */
export interface CodeVersionInputs {
    routine: string;
    sourceKind: SourceKind;
    sourceHash: string;
    sourceFile: string;
    /** Identifies the resource across releases (see `./marker`). */
    owner: string;
    /** sha256 over everything that makes the version (source, description, deployEnv). */
    contentHash: string;
    description?: string;
    deployEnv?: DeployEnv;
    pruneUnusedVersions?: boolean;
    region?: string;
    endpoint?: string;
    timeoutSeconds?: number;
}

/**
 * A version's outputs: its inputs but `sourceFile` (a path on the machine that made it,
 * needed only to make it; the engine still keeps it among the recorded inputs), and what
 * ESA said of it. Outputs written before `sourceFile` was left out lose it at the next
 * refresh or update (`withoutSourceFile`).
 */
export interface CodeVersionOutputs extends Omit<CodeVersionInputs, "sourceFile"> {
    /** The 19-digit version id, a string. */
    codeVersion: string;
    status: string;
    createTime: string;
}

/** The inputs the provider receives (the source already prepared), from the declared shape. */
export const INPUT_KEYS = inputKeys(CODE_VERSION_SHAPE);

/** Inputs whose change makes another version (all parts of `contentHash`, plus the routine). */
export const REPLACING_KEYS = keysOn(CODE_VERSION_SHAPE, "replace");
/** Inputs that change only how the provider works: updated in place, no API call. */
export const IN_PLACE_KEYS = keysOn(CODE_VERSION_SHAPE, "update");

export function resourceId(routine: string, codeVersion: string): string {
    return `${routine}:${codeVersion}`;
}

export function parseResourceId(id: string): { routine: string; codeVersion: string } {
    const at = id.lastIndexOf(":");
    const routine = id.slice(0, at);
    const codeVersion = id.slice(at + 1);
    if (at <= 0 || !/^\d+$/.test(codeVersion)) {
        throw new Error(
            `"${id}" is not a RoutineCodeVersion id: expected "<routine name>:<code version>", e.g. "hello-edge:1723599747213377175".`,
        );
    }
    return { routine, codeVersion };
}

/** Outputs as now recorded: an older release of the package also kept `sourceFile` there. */
export function withoutSourceFile<T extends object>(outputs: T): Omit<T, "sourceFile"> {
    const { sourceFile: _path, ...rest } = outputs as T & { sourceFile?: unknown };
    return rest;
}
