/**
 * The plan for one resource (README: Semantics): what changes, and whether it is a replacement.
 *
 * - `name` or `env` changed → replace: the resource then tracks another deployment slot.
 * - the split (compared as a set), the strategy, or where the API is reached changed
 *   → an in-place update: one new deployment.
 * - nothing else counts: in particular the serialized provider (`__provider`) is not an
 *   input of ours, so a new version of this package never shows a diff by itself.
 */
import { sameSplit } from "./split";
import { CodeVersionSplit, DeploymentInputs } from "./types";
import { containsUnknown } from "../engine/unknowns";

interface DeploymentDiff {
    changes: boolean;
    replaces: string[];
    /** The properties that differ, for logs and tests; the engine renders its own view. */
    changed: string[];
    deleteBeforeReplace: false;
}

/** Properties whose change makes it a different resource. */
const REPLACE_ON = ["name", "env"] as const;
/** Properties updated in place. (`timeoutSeconds` is not here: it shapes how we wait, not what is live.) */
const UPDATE_ON = ["strategy", "region", "endpoint"] as const;

export function diffDeployment(olds: Partial<DeploymentInputs>, news: Partial<DeploymentInputs>): DeploymentDiff {
    const changed: string[] = [];
    const replaces: string[] = [];

    for (const key of REPLACE_ON) {
        if (differs(olds[key], news[key])) {
            changed.push(key);
            replaces.push(key);
        }
    }
    for (const key of UPDATE_ON) {
        if (differs(olds[key], news[key])) changed.push(key);
    }
    if (splitDiffers(olds.codeVersions, news.codeVersions)) changed.push("codeVersions");

    return { changes: changed.length > 0, replaces, changed, deleteBeforeReplace: false };
}

function differs(old: unknown, now: unknown): boolean {
    if (containsUnknown(now)) return true;
    return (old ?? undefined) !== (now ?? undefined);
}

function splitDiffers(old: CodeVersionSplit[] | undefined, now: CodeVersionSplit[] | undefined): boolean {
    if (containsUnknown(now)) return true;
    return !sameSplit(old ?? [], now ?? []);
}
