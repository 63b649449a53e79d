/**
 * During a preview, values that depend on resources not yet created reach the dynamic
 * provider as this sentinel string (see `@pulumi/pulumi/runtime/rpc` `unknownValue`).
 * It is repeated here, rather than imported, so that `check` and `diff` load nothing
 * beyond this package.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
    return value === UNKNOWN;
}

/** True when the value, or anything nested in it, is not known yet. */
export function containsUnknown(value: unknown): boolean {
    if (isUnknown(value)) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
    return false;
}
