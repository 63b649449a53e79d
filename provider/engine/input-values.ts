/**
 * Words for input values in validation messages: what the user wrote, named so that a
 * message reads "got a list" or "got number 1.5", never "[object Object]" nor
 * "undefined undefined"; a long string is cut, so that a megabyte typed by mistake does
 * not come back in the CLI's output.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** How much of a string a message quotes. */
const QUOTED_CHARS = 64;

export function describeValue(value: unknown): string {
    if (typeof value === "string") return quote(value);
    if (value === undefined) return "nothing (the property is missing)";
    if (Array.isArray(value)) return "a list";
    if (value === null) return "null";
    if (typeof value === "object") return "an object";
    if (typeof value === "number" && !Number.isFinite(value)) return `the number ${String(value)}`;
    if (typeof value === "function") return "a function";
    return `${typeof value} ${String(value)}`;
}

/**
 * What kind of value it is, without its text: for inputs that may carry a secret (a
 * command line, a URL, a header), whose text a message must never repeat.
 */
export function describeKind(value: unknown): string {
    if (typeof value === "string") return value === "" ? "an empty string" : `a string of ${value.length} characters`;
    return describeValue(value);
}

/** A string in quotes, cut after 64 characters. */
export function quote(value: string): string {
    if (value.length <= QUOTED_CHARS) return JSON.stringify(value);
    return `${JSON.stringify(value.slice(0, QUOTED_CHARS))}… (${value.length} characters)`;
}
