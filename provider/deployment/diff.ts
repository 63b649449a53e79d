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
import { keysOn } from "../engine/shape";
import { containsUnknown } from "../engine/unknowns";
import { DEPLOYMENT_SHAPE } from "./shape";

interface DeploymentDiff {
    changes: boolean;
    replaces: string[];
    /** The properties that differ, for logs and tests; the engine renders its own view. */
    changed: string[];
    deleteBeforeReplace: false;
}

/** Properties whose change makes it a different resource. */
const REPLACE_ON = keysOn(DEPLOYMENT_SHAPE, "replace") as (keyof DeploymentInputs)[];
/**
 * Properties updated in place. (`timeoutSeconds` is not here: it shapes how we wait, not
 * what is live; nor is `rollout`: how a split goes live is no change by itself.)
 */
const UPDATE_ON = keysOn(DEPLOYMENT_SHAPE, "update") as (keyof DeploymentInputs)[];
/** Compared as sets: the split. */
const AS_SET = new Set(Object.entries(DEPLOYMENT_SHAPE.properties).flatMap(([key, p]) => ("compare" in p ? [key] : [])));

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
        const moved = AS_SET.has(key)
            ? splitDiffers(olds[key] as CodeVersionSplit[], news[key] as CodeVersionSplit[])
            : differs(olds[key], news[key]);
        if (moved) changed.push(key);
    }

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
