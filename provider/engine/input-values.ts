/**
 * Words for input values in validation messages: what the user wrote, named so that a
 * message reads "got a list" or "got number 1.5", never "[object Object]".
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function describeValue(value: unknown): string {
    if (typeof value === "string") return JSON.stringify(value);
    if (Array.isArray(value)) return "a list";
    if (value === null) return "null";
    if (typeof value === "object") return "an object";
    return `${typeof value} ${String(value)}`;
}
