/**
 * `diff` of `RoutineCodeVersion`: the plan the engine shows in every preview. An unknown
 * `contentHash` (one of its parts unknown at preview time, see `./check`) plans a
 * replacement.
 */
import { isUnknown } from "../engine/unknowns";
import { IN_PLACE_KEYS, REPLACING_KEYS } from "./types";

export interface CodeVersionPlan {
    changes: boolean;
    replaces: string[];
    /** Every input that differs, replacing or not (a preview's detailed diff). */
    changed: string[];
}

/**
 * A new routine or content hash is a new version (replace: the new one is made first,
 * the old one deleted after whatever used it has moved on). The provider's own settings
 * change in place. The source file's path never matters: only its hash does.
 */
export function diffCodeVersion(olds: Record<string, any>, news: Record<string, any>): CodeVersionPlan {
    // The parts of the hash are named too: the reviewer sees what changed, not only the hash.
    const replaces: string[] = REPLACING_KEYS.filter((key) => isUnknown(news[key]) || !same(olds[key], news[key]));
    const updates = IN_PLACE_KEYS.filter((key) => !same(olds[key], news[key]));
    return { changes: replaces.length > 0 || updates.length > 0, replaces, changed: [...replaces, ...updates] };
}

function same(a: unknown, b: unknown): boolean {
    return (a ?? undefined) === (b ?? undefined);
}
