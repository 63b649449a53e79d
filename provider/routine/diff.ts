/**
 * `diff` of `Routine`: the plan the engine shows in every preview. Another name is
 * another routine (replace: the new one is made first); everything else changes in place.
 */
import { isUnknown } from "../engine/unknowns";
import { IN_PLACE_KEYS, REPLACING_KEYS } from "./types";

export interface RoutinePlan {
    changes: boolean;
    replaces: string[];
    /** Every input that differs, replacing or not (a preview's detailed diff). */
    changed: string[];
}

export function diffRoutine(olds: Record<string, any>, news: Record<string, any>): RoutinePlan {
    const replaces: string[] = REPLACING_KEYS.filter((key) => isUnknown(news[key]) || olds[key] !== news[key]);
    const updates = IN_PLACE_KEYS.filter((k) => (olds[k] ?? undefined) !== (news[k] ?? undefined));
    return { changes: replaces.length > 0 || updates.length > 0, replaces, changed: [...replaces, ...updates] };
}
