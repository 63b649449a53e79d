/**
 * A deployment's split is a *set* of (codeVersion, percentage) pairs: the order in which
 * a program lists them, or in which the API answers, never matters.
 */
import { CodeVersionSplit } from "./types";
import { isUnknown } from "../engine/unknowns";

/**
 * Compares version ids the way people read them: ESA ids are decimal numbers, so a
 * shorter id is an older one; equal lengths compare as text (exact for any length,
 * unlike a JavaScript number).
 */
export function compareVersionIds(a: string, b: string): number {
    const numeric = /^\d+$/;
    const aNumeric = numeric.test(a);
    const bNumeric = numeric.test(b);
    // Numeric ids first, so the order stays total when a list mixes kinds of ids.
    if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
    if (aNumeric && a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical order: oldest version first, so a rollout step (90/10 → 50/50) keeps
 * each version on its own line of a preview. Entries not known yet go last, in the
 * order they were given.
 */
export function canonicalOrder<T extends CodeVersionSplit>(entries: T[]): T[] {
    const known = entries.filter((e) => !isUnknown(e) && typeof e.codeVersion === "string" && !isUnknown(e.codeVersion));
    const unknown = entries.filter((e) => !known.includes(e));
    known.sort((a, b) => compareVersionIds(a.codeVersion, b.codeVersion));
    return [...known, ...unknown];
}

/** Keeps only what a split is made of, dropping extra fields the API returns. */
export function toSplit(entries: { codeVersion?: unknown; percentage?: unknown }[]): CodeVersionSplit[] {
    return canonicalOrder(
        entries.map((e) => ({ codeVersion: String(e.codeVersion), percentage: Number(e.percentage) })).filter((e) => e.percentage > 0),
    );
}

/** True when both lists hold the same (codeVersion, percentage) pairs, in any order. */
export function sameSplit(a: readonly CodeVersionSplit[] | undefined, b: readonly CodeVersionSplit[] | undefined): boolean {
    if (!a || !b || a.length !== b.length) return false;
    const key = (e: CodeVersionSplit) => `${e.codeVersion}=${e.percentage}`;
    const left = new Set(a.map(key));
    return b.every((e) => left.has(key(e))) && left.size === new Set(b.map(key)).size;
}

/** "1723599747213377175: 90%, 1723599747213377176: 10%" — for messages and logs. */
export function formatSplit(entries: readonly CodeVersionSplit[] | undefined): string {
    if (!entries || entries.length === 0) return "(nothing deployed)";
    return canonicalOrder([...entries])
        .map((e) => `${e.codeVersion}: ${e.percentage}%`)
        .join(", ");
}
