/**
 * Every API request the emulator received, for assertions such as "the client retried
 * exactly twice" or "no deployment was made". Admin calls are not recorded.
 */
import type { RecordedRequest } from "../types";

export class RequestLog {
    private entries: RecordedRequest[] = [];

    record(entry: RecordedRequest): void {
        this.entries.push(entry);
    }

    all(): RecordedRequest[] {
        return this.entries.map((e) => ({ ...e, params: { ...e.params } }));
    }

    countByAction(): Record<string, number> {
        const counts: Record<string, number> = {};
        for (const e of this.entries) counts[e.action] = (counts[e.action] ?? 0) + 1;
        return counts;
    }

    clear(): void {
        this.entries = [];
    }
}
