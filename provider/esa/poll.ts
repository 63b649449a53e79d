/**
 * Waiting until ESA shows something it accepted. ESA carries out some changes after its
 * answer (a code version's build, a deployment reaching GetRoutine), so the provider
 * asks again, with growing delays, until the answer holds or a bound passes: short
 * delays first because the change usually shows within a second, capped so that a slow
 * one costs few requests.
 */
import type { Clock } from "./clock";

export interface PollOptions {
    clock: Clock;
    /** Epoch milliseconds: no wait is started that would end after it. */
    until: number;
    /** The first delay; each next one is twice the last, up to `maxDelayMs`. */
    firstDelayMs?: number;
    maxDelayMs?: number;
}

/**
 * Asks `look` until it answers something other than `undefined`, and returns that
 * answer; returns `undefined` when the next wait would end after `until`. `look` is
 * asked at least once; what it throws ends the wait (a look that should survive a
 * failed read catches it itself).
 */
export async function pollUntil<T>(look: () => Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
    const { clock, until, firstDelayMs = 200, maxDelayMs = 2_000 } = options;
    let delay = firstDelayMs;
    for (;;) {
        const answer = await look();
        if (answer !== undefined) return answer;
        if (clock.now() + delay > until) return undefined;
        await clock.sleep(delay);
        delay = Math.min(delay * 2, maxDelayMs);
    }
}
