/**
 * A token-bucket rate limiter, like the gateway's per-user flow control: up to
 * `requestsPerSecond` calls in a burst, refilled continuously at that rate. Beyond it
 * requests get `Throttling.User`.
 */
export class RateLimiter {
    private rate: number | undefined;
    private tokens = 0;
    private lastRefill = 0;

    /** `undefined` (or 0) switches the limit off. */
    set(requestsPerSecond: number | undefined, now: number = Date.now()): void {
        if (requestsPerSecond !== undefined && (!Number.isFinite(requestsPerSecond) || requestsPerSecond < 0)) {
            throw new Error("requestsPerSecond must be a non-negative number");
        }
        this.rate = requestsPerSecond ? requestsPerSecond : undefined;
        this.tokens = this.capacity();
        this.lastRefill = now;
    }

    get requestsPerSecond(): number | undefined {
        return this.rate;
    }

    /** Take a token; false means the request is over the limit. */
    tryAcquire(now: number = Date.now()): boolean {
        if (this.rate === undefined) return true;
        const elapsed = Math.max(0, now - this.lastRefill) / 1000;
        this.tokens = Math.min(this.capacity(), this.tokens + elapsed * this.rate);
        this.lastRefill = now;
        if (this.tokens < 1) return false;
        this.tokens -= 1;
        return true;
    }

    /** A burst of at least one request, so fractional rates (0.5/s) still let calls through. */
    private capacity(): number {
        return this.rate === undefined ? 0 : Math.max(1, this.rate);
    }
}
