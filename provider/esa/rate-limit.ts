/**
 * One client-side rate limiter per provider process, shared by every resource and every
 * ESA call of that process, so that a throttled account is not hammered by each resource
 * retrying on its own (README: Errors).
 *
 * It is a token bucket whose rate is learnt from the answers, after the AWS SDKs'
 * "adaptive" retry mode:
 * - a throttled answer cuts the rate to BETA (0.7) times the rate that caused it;
 * - between cuts it regrows along a cubic curve of the time since the last cut (CUBIC
 *   congestion control): back to the rate of the cut after a while, lingering there,
 *   then probing above it;
 * - growth is capped at twice the rate actually sent, so a quiet period does not build up
 *   a rate that a later burst would then spend all at once.
 * Differences, and why:
 * - The bucket paces from the start (as if just throttled at START_RATE): with 200
 *   operations issued at once, sending first and learning after would cost a whole burst
 *   of throttled answers before the first cut.
 * - One cut per round: throttled answers to requests sent before the last cut say
 *   nothing new (the cut already answered them), so they do not compound it.
 * - Waiting requests are served oldest operation first, so operations finish one after
 *   another instead of all together at the end (the engine records each in the state as
 *   it finishes).
 * An optional ceiling (`esa:maxRequestsPerSecond`) caps the rate whatever it learns.
 */
import { classify, toApiFailure, wasRefused } from "./errors";
import { Clock, systemClock } from "./clock";

/** The rate the limiter assumes before any answer: it starts at BETA times this. */
export const START_RATE = 200;
/** Never slower than this (requests per second), however often throttled. */
export const MIN_RATE = 0.5;
/** A throttled answer cuts the rate to BETA times the rate that caused it. */
const BETA = 0.7;
/** How fast the cubic curve grows away from the last cut (the AWS SDKs' constant). */
const SCALE = 0.4;
/** The rate actually sent is the number of sends within this window before now. */
const MEASURE_WINDOW_MS = 1_000;

/** A promise of a token to send one request; resolves to the time it may be sent. */
interface Waiter {
    priority: number;
    order: number;
    grant: (sentAt: number) => void;
}

interface RateLimiterOptions {
    /** Requests per second never to exceed (`esa:maxRequestsPerSecond`); none by default. */
    ceiling?: number;
}

export class AdaptiveRateLimiter {
    private ceiling?: number;
    /** Tokens per second the bucket refills at: the pace of sends. */
    private rate: number;
    private tokens = 1;
    private refilledAt: number;
    /** The rate the last cut was made from, when it was made, and when the cubic curve comes back to it. */
    private maxRate = START_RATE;
    private cutAt: number;
    private windowSeconds: number;
    private lastCutAt = -Infinity;
    /** When the requests of the last MEASURE_WINDOW_MS were sent, and when the first ever was. */
    private readonly recentSends: number[] = [];
    private firstSendAt?: number;
    private readonly queue: Waiter[] = [];
    private pumping = false;
    private sequence = 0;

    constructor(
        private readonly clock: Pick<Clock, "now" | "sleep">,
        options: RateLimiterOptions = {},
    ) {
        const now = clock.now();
        this.refilledAt = now;
        this.cutAt = now;
        this.windowSeconds = cubicWindow(START_RATE);
        this.ceiling = validCeiling(options.ceiling);
        this.rate = this.clamp(BETA * START_RATE);
    }

    /** Requests per second it paces at now. */
    get requestsPerSecond(): number {
        return this.rate;
    }

    /** Sets or removes (`undefined`) the ceiling; the rate drops to it at once. */
    setCeiling(ceiling: number | undefined): void {
        this.ceiling = validCeiling(ceiling);
        this.refill();
        this.rate = this.clamp(this.rate);
    }

    /**
     * A priority for the requests of one operation: a lower one goes first, so an
     * operation started earlier finishes before later ones start sending.
     */
    nextPriority(): number {
        return this.sequence++;
    }

    /** Waits for a token; resolves to the time the request may go out (pass it to `record`). */
    acquire(priority = this.nextPriority()): Promise<number> {
        return new Promise((grant) => {
            const waiter: Waiter = { priority, order: this.sequence++, grant };
            let at = this.queue.length;
            while (at > 0 && before(waiter, this.queue[at - 1])) at--;
            this.queue.splice(at, 0, waiter);
            void this.pump();
        });
    }

    /** Learns from the answer to a request sent at `sentAt`: throttled, or not. */
    record(sentAt: number, throttled: boolean): void {
        const now = this.clock.now();
        this.refill();
        if (throttled) {
            // Sent before the last cut: that cut already answered it.
            if (sentAt <= this.lastCutAt) return;
            const from = Math.min(this.rate, this.measured(now));
            this.maxRate = Math.max(from, MIN_RATE);
            this.windowSeconds = cubicWindow(this.maxRate);
            this.cutAt = now;
            this.lastCutAt = now;
            this.rate = this.clamp(BETA * this.maxRate);
            // The account has no burst left: neither has the bucket, or the tokens it saved
            // while demand was low would go out at once into more throttling.
            this.tokens = Math.min(this.tokens, 0);
        }
    }

    /**
     * Sends one request when a token allows, and learns from its answer. A token that
     * comes after `notAfter` (epoch ms: a slow pace can outlast the caller's deadline)
     * sends nothing: `NotSent` is thrown.
     */
    async run<T>(send: () => Promise<T>, priority?: number, notAfter?: number): Promise<T> {
        const sentAt = await this.acquire(priority);
        if (notAfter !== undefined && sentAt >= notAfter) throw new NotSent();
        try {
            const result = await send();
            this.record(sentAt, false);
            return result;
        } catch (error) {
            const failure = toApiFailure(error);
            // A network failure says nothing about the rate; any answer from ESA does.
            if (wasRefused(failure) || classify(failure) !== "ambiguous") this.record(sentAt, wasRefused(failure));
            throw error;
        }
    }

    private async pump(): Promise<void> {
        if (this.pumping) return;
        this.pumping = true;
        try {
            while (this.queue.length > 0) {
                this.refill();
                if (this.tokens >= 1) {
                    this.tokens -= 1;
                    this.countSent();
                    this.queue.shift()!.grant(this.clock.now());
                    continue;
                }
                await this.clock.sleep(Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000)));
            }
        } finally {
            this.pumping = false;
        }
    }

    /**
     * Adds the tokens earned since the last refill, then moves the rate along the cubic
     * curve. As in CUBIC, the curve is a function of the time since the last cut, not of
     * the answers seen since, so a rate cut deep by a storm of throttling recovers even
     * while few requests go out.
     */
    private refill(): void {
        const now = this.clock.now();
        const capacity = Math.max(1, this.rate);
        this.tokens = Math.min(capacity, this.tokens + (Math.max(0, now - this.refilledAt) / 1000) * this.rate);
        this.refilledAt = now;
        const t = (now - this.cutAt) / 1000;
        const cubic = SCALE * (t - this.windowSeconds) ** 3 + this.maxRate;
        const demand = Math.max(2 * this.measured(now), BETA * START_RATE);
        this.rate = this.clamp(Math.min(cubic, demand));
    }

    private countSent(): void {
        const now = this.clock.now();
        this.firstSendAt ??= now;
        this.recentSends.push(now);
    }

    /**
     * Requests per second actually sent lately: over the last second, or since the first
     * send when that is more recent (so a quiet start does not read as a slow rate).
     */
    private measured(now: number): number {
        while (this.recentSends.length > 0 && this.recentSends[0] <= now - MEASURE_WINDOW_MS) this.recentSends.shift();
        if (this.firstSendAt === undefined) return Infinity;
        const span = Math.min(MEASURE_WINDOW_MS, Math.max(now - this.firstSendAt, 1_000 / this.rate));
        return this.recentSends.length / (span / 1000);
    }

    private clamp(rate: number): number {
        return Math.max(MIN_RATE, this.ceiling === undefined ? rate : Math.min(rate, this.ceiling));
    }
}

/** When the cubic curve, started at BETA × maxRate, comes back to maxRate (seconds). */
function cubicWindow(maxRate: number): number {
    return Math.cbrt((maxRate * (1 - BETA)) / SCALE);
}

function before(a: Waiter, b: Waiter): boolean {
    return a.priority < b.priority || (a.priority === b.priority && a.order < b.order);
}

function validCeiling(ceiling: number | undefined): number | undefined {
    return ceiling !== undefined && Number.isFinite(ceiling) && ceiling > 0 ? ceiling : undefined;
}

/**
 * Wraps every method of an API object so that each call goes through `limiter` with one
 * priority (one operation's calls). Used below shared reads: an answer served from
 * memory costs no token.
 */
export function pacedApi<T extends object>(api: T, limiter: AdaptiveRateLimiter): T {
    const priority = limiter.nextPriority();
    const paced: Record<string, unknown> = {};
    for (const key of methodNames(api)) {
        const method = (api as Record<string, any>)[key];
        // The call's options come last: a retry's carry the operation's deadline (`notAfter`).
        paced[key] = (...args: unknown[]) =>
            limiter.run(() => method.apply(api, args), priority, (args.at(-1) as { notAfter?: number } | undefined)?.notAfter);
    }
    return paced as T;
}

function methodNames(api: object): string[] {
    const names = new Set<string>();
    for (let o: object | null = api; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
        for (const key of Object.getOwnPropertyNames(o)) {
            if (key !== "constructor" && typeof (api as Record<string, unknown>)[key] === "function") names.add(key);
        }
    }
    return [...names];
}

/** A request the limiter did not send: its token came when the caller no longer wanted it. */
export class NotSent extends Error {
    constructor() {
        super("not sent: the token came after the caller's deadline");
        this.name = "NotSent";
    }
}

/** The limiter of calls made on the process's real clock: one per provider process. */
let processLimiter: AdaptiveRateLimiter | undefined;

/**
 * The limiter for calls on `clock`: the process's own for the real clock; none for any
 * other (a test's fake clock), so that no state crosses from one test to the next.
 */
export function limiterFor(clock: Clock): AdaptiveRateLimiter | undefined {
    if (clock !== systemClock) return undefined;
    processLimiter ??= new AdaptiveRateLimiter(systemClock);
    return processLimiter;
}
