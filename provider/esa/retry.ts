/**
 * Exponential backoff with full jitter, within a deadline (SPEC §5).
 *
 * Full jitter (a random delay between 0 and the exponential cap) spreads the retries of
 * many resources updated in parallel, so a throttled account recovers instead of being
 * hit again in lockstep. The API's own hint (`x-acs-retry-after`) is honoured as a
 * lower bound. Nothing waits past the operation's deadline.
 */
import { ApiFailure, classify, FailureClass, toApiFailure } from "./errors";

export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
    /** A number in [0, 1). */
    random(): number;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: () => Math.random(),
};

export interface RetryOptions {
    /** Epoch milliseconds after which no further attempt starts. */
    deadline: number;
    clock: Clock;
    baseDelayMs?: number;
    maxDelayMs?: number;
    /** Whether a broken connection may be retried as is (true for reads). */
    retryAmbiguous: boolean;
    /**
     * Called before each retry with the last failure. It may settle the operation
     * instead (e.g. a deployment whose response was lost but which did land).
     */
    beforeRetry?: (failure: ApiFailure, failureClass: FailureClass) => Promise<{ settled: true; value: any } | undefined>;
}

/** Thrown when retrying stops: the last error, and how far it got. */
export class RetriesStopped extends Error {
    constructor(
        readonly cause: unknown,
        readonly failure: ApiFailure,
        readonly failureClass: FailureClass,
        readonly attempts: number,
        readonly deadlineReached: boolean,
    ) {
        super(failure.message);
        this.name = "RetriesStopped";
    }

    /** "after 7 attempts in 41 s" — for error messages. */
    summary(elapsedMs: number): string | undefined {
        if (this.attempts <= 1) return undefined;
        return `Gave up after ${this.attempts} attempts in ${Math.round(elapsedMs / 1000)} s${this.deadlineReached ? " (the operation's deadline)" : ""}.`;
    }
}

export function backoffDelay(attempt: number, clock: Clock, baseDelayMs = 250, maxDelayMs = 10_000, retryAfterMs = 0): number {
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    return Math.max(retryAfterMs, Math.floor(clock.random() * cap));
}

export async function withRetries<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
    const { clock } = options;
    for (let attempt = 0; ; attempt++) {
        try {
            return await operation();
        } catch (error) {
            const failure = toApiFailure(error);
            const failureClass = classify(failure);
            const retryable = failureClass === "retryable" || (failureClass === "ambiguous" && options.retryAmbiguous);
            const delay = backoffDelay(attempt, clock, options.baseDelayMs, options.maxDelayMs, failure.retryAfterMs);
            const deadlineReached = clock.now() + delay >= options.deadline;
            if (!retryable || deadlineReached) {
                throw new RetriesStopped(error, failure, failureClass, attempt + 1, retryable && deadlineReached);
            }
            await clock.sleep(delay);
            const settled = await options.beforeRetry?.(failure, failureClass);
            if (settled) return settled.value as T;
        }
    }
}
