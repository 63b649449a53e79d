/**
 * Identifiers the service hands out: request ids, code-version ids and timestamps.
 *
 * Code-version ids are 19-digit decimal numbers (`1723599747213377175`), beyond
 * Number.MAX_SAFE_INTEGER, so they are generated, stored and compared as strings
 * (BigInt only for ordering) and never pass through a JavaScript number.
 */
import { randomUUID } from "node:crypto";

/** Upper-case UUID, the format of the API's `RequestId` (`EDBD3EB3-97DA-...`). */
export function newRequestId(): string {
    return randomUUID().toUpperCase();
}

const VERSION_ID = /^[1-9][0-9]{18}$/;

export function isVersionId(value: string): boolean {
    return VERSION_ID.test(value);
}

/** Numeric order of two version ids without losing precision. */
export function compareVersionIds(a: string, b: string): number {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Issues increasing version ids shaped like the real ones: epoch milliseconds (13 digits)
 * followed by 6 more digits. Each id is strictly greater than every id seen before, even
 * when several are issued in the same millisecond or seeded ids lie in the future.
 */
export class VersionIdGenerator {
    private last = 0n;

    /** Make sure later ids sort after an id that already exists. */
    observe(id: string): void {
        const value = BigInt(id);
        if (value > this.last) this.last = value;
    }

    next(now: number = Date.now()): string {
        const fromClock = BigInt(now) * 1_000_000n;
        const candidate = fromClock > this.last ? fromClock : this.last + 1n;
        this.last = candidate;
        return candidate.toString();
    }
}

/** `2024-03-11T01:23:21Z`: the time format of the API's CreateTime fields. */
export function apiTimestamp(at: number = Date.now()): string {
    return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
}
