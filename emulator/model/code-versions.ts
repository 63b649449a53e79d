/**
 * The rules of a percentage split (CreateRoutineCodeDeployment's `CodeVersions`), from
 * the API reference: 1 or 2 entries, each Percentage an integer 1–100, percentages
 * summing to exactly 100. The emulator also refuses the same version twice, which
 * the reference implies (a version has one percentage) without saying.
 */
import { ApiError } from "./errors";
import type { CodeVersionSplit } from "../types";

const MAX_VERSIONS_PER_SPLIT = 2;

/**
 * Parse the `CodeVersions` form field: a JSON array of `{ CodeVersion, Percentage }`.
 *
 * A client that sends CodeVersion as a JSON number (rather than the string the SDK
 * model declares) is read digit for digit, as the server would, instead of through a
 * JavaScript number: a 19-digit id must not be silently rounded here, or the emulator
 * would hide the very precision bug it should expose (the rounded id then simply does
 * not exist).
 */
export function parseCodeVersionsParam(raw: string): CodeVersionSplit[] {
    const quoted = raw.replace(/("CodeVersion"\s*:\s*)(-?\d[\d.eE+-]*)/g, '$1"$2"');
    let parsed: unknown;
    try {
        parsed = JSON.parse(quoted);
    } catch {
        throw new ApiError("InvalidParameter", "CodeVersions is not valid JSON");
    }
    if (!Array.isArray(parsed)) {
        throw new ApiError("InvalidParameter", "CodeVersions must be a JSON array");
    }
    const split = parsed.map((entry, i): CodeVersionSplit => {
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            throw new ApiError("InvalidParameter", `CodeVersions[${i}] must be an object`);
        }
        const { CodeVersion, Percentage } = entry as Record<string, unknown>;
        if (typeof CodeVersion !== "string" || CodeVersion.trim() === "") {
            throw new ApiError("InvalidParameter", `CodeVersions[${i}].CodeVersion is required`);
        }
        if (typeof Percentage !== "number") {
            throw new ApiError("InvalidParameter", `CodeVersions[${i}].Percentage must be a number`);
        }
        return { codeVersion: CodeVersion, percentage: Percentage };
    });
    validateSplit(split);
    return split;
}

/** Throws InvalidParameter unless `split` obeys the documented rules. */
export function validateSplit(split: CodeVersionSplit[]): void {
    if (split.length < 1 || split.length > MAX_VERSIONS_PER_SPLIT) {
        throw new ApiError("InvalidParameter", `CodeVersions must have 1 to ${MAX_VERSIONS_PER_SPLIT} entries, got ${split.length}`);
    }
    const seen = new Set<string>();
    let sum = 0;
    split.forEach(({ codeVersion, percentage }, i) => {
        if (!Number.isInteger(percentage) || percentage < 1 || percentage > 100) {
            throw new ApiError("InvalidParameter", `CodeVersions[${i}].Percentage must be an integer from 1 to 100, got ${percentage}`);
        }
        if (seen.has(codeVersion)) {
            throw new ApiError("InvalidParameter", `CodeVersion ${codeVersion} appears twice`);
        }
        seen.add(codeVersion);
        sum += percentage;
    });
    if (sum !== 100) {
        throw new ApiError("InvalidParameter", `percentages must sum to 100, got ${sum}`);
    }
}
