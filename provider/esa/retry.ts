/**
 * Exponential backoff with full jitter, within a deadline (README: Errors), and the pace
 * of the process's rate limiter (`./rate-limit`).
 *
 * Every attempt waits for a token of the limiter, which learns the account's rate from
 * throttled answers. So a throttled attempt is sent again as soon as the limiter's cut
 * rate allows (and not before the API's own hint, `x-acs-retry-after`): the limiter is
 * the backoff for throttling. Everything else retryable backs off with full jitter (a
 * random delay between 0 and the exponential cap), which spreads the retries of many
 * resources. No retry starts after the operation's deadline: a retry passes the deadline
 * to the pacing layer (`retryBound`), which does not send a request whose token comes later.
 */
import type { Clock } from "./clock";
import { ApiFailure, classify, FailureClass, toApiFailure, wasRefused } from "./errors";
import { NotSent } from "./rate-limit";

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
    /**
     * The attempts are paced by a rate limiter (a layer of the API, `pacedApi`, below the
     * reads shared from memory): a throttled attempt then goes again at the limiter's pace,
     * which the throttled answer has just cut, rather than after a backoff of its own.
     */
    paced?: boolean;
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

/**
 * What a retry tells a call paced inside it (`CallOptions.notAfter`): not to be sent
 * after the deadline. The first attempt always goes.
 */
export function retryBound(attempt: number, deadline: number): { notAfter?: number } {
    return attempt > 0 ? { notAfter: deadline } : {};
}

/** Runs `operation` (given the attempt's number, 0 first) until it succeeds or retrying stops. */
export async function withRetries<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
    const { clock } = options;
    let last: { error: unknown; failure: ApiFailure; failureClass: FailureClass } | undefined;
    for (let attempts = 0; ; attempts++) {
        try {
            return await operation(attempts);
        } catch (error) {
            if (error instanceof NotSent && last) {
                throw new RetriesStopped(last.error, last.failure, last.failureClass, attempts, true);
            }
            const failure = toApiFailure(error);
            const failureClass = classify(failure);
            const retryable = failureClass === "retryable" || (failureClass === "ambiguous" && options.retryAmbiguous);
            // Throttled while paced: the limiter has cut its rate, and its pace is the wait.
            const delay =
                options.paced && wasRefused(failure)
                    ? (failure.retryAfterMs ?? 0)
                    : backoffDelay(attempts, clock, options.baseDelayMs, options.maxDelayMs, failure.retryAfterMs);
            last = { error, failure, failureClass };
            const deadlineReached = clock.now() + delay >= options.deadline;
            if (!retryable || deadlineReached) {
                throw new RetriesStopped(error, failure, failureClass, attempts + 1, retryable && deadlineReached);
            }
            await clock.sleep(delay);
            const settled = await options.beforeRetry?.(failure, failureClass);
            if (settled) return settled.value as T;
        }
    }
}
