/**
 * `diff` of `Routine`: the plan the engine shows in every preview. Another name is
 * another routine (replace: the new one is made first); everything else changes in place.
 */
import { isUnknown } from "../engine/unknowns";
import { IN_PLACE_KEYS, REPLACING_KEYS } from "./types";

export interface RoutinePlan {
    changes: boolean;
    replaces: string[];
}

export function diffRoutine(olds: Record<string, any>, news: Record<string, any>): RoutinePlan {
    const replaces: string[] = REPLACING_KEYS.filter((key) => isUnknown(news[key]) || olds[key] !== news[key]);
    const changes = replaces.length > 0 || IN_PLACE_KEYS.some((k) => (olds[k] ?? undefined) !== (news[k] ?? undefined));
    return { changes, replaces };
}
