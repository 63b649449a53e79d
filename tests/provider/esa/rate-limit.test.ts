/**
 * The process's adaptive rate limiter (provider/esa/rate-limit.ts), on a fake clock: it
 * spaces calls, learns an account's rate from throttled answers without hammering it,
 * keeps to a ceiling, and lets older operations finish first.
 */
import { strict as assert } from "assert";
import { createProvider } from "../../../provider";
import type { DeploymentApi as EsaApi } from "../../../provider/deployment/api";
import { AdaptiveRateLimiter, MIN_RATE, START_RATE } from "../../../provider/esa/rate-limit";
import { RetryOptions, retryBound, withRetries } from "../../../provider/esa/retry";

/** Retries paced as every ESA call is: each attempt through the limiter, a retry not sent after the deadline. */
function pacedRetries<T>(op: () => Promise<T>, options: Omit<RetryOptions, "paced"> & { limiter: AdaptiveRateLimiter }): Promise<T> {
    const { limiter, ...retry } = options;
    return withRetries((attempt) => limiter.run(op, undefined, retryBound(attempt, options.deadline).notAfter), { ...retry, paced: true });
}
import { fakeClock, MemoryEsa } from "../../support/memory-esa";

const throttled = () => ({ code: "Throttling.User", statusCode: 400, requestId: "R", data: { Message: "flow control" } });

/** An account's flow control as ESA applies it: a token bucket of `rate` per second, bursts of `rate`. */
function account(clock: { now(): number }, rate: number) {
    let tokens = rate;
    let at = clock.now();
    const log = { served: [] as number[], throttled: 0 };
    const call = async () => {
        tokens = Math.min(rate, tokens + ((clock.now() - at) / 1000) * rate);
        at = clock.now();
        if (tokens < 1) {
            log.throttled++;
            throw throttled();
        }
        tokens -= 1;
        log.served.push(clock.now());
        return "ok";
    };
    return { call, log };
}

describe("adaptive rate limiter", () => {
    it("spaces calls at the ceiling: 21 calls at 10/s take 2 s, one every 100 ms", async () => {
        const clock = fakeClock();
        const limiter = new AdaptiveRateLimiter(clock, { ceiling: 10 });
        const sent = await Promise.all(Array.from({ length: 21 }, () => limiter.acquire()));
        const gaps = sent.slice(1).map((t, i) => t - sent[i]);
        assert.ok(
            gaps.every((gap) => gap >= 99),
            `gaps ${gaps.join(", ")}`,
        );
        assert.equal(sent.at(-1)! - sent[0], 2_000);
    });

    it("paces from the first call (no unpaced burst before it learns anything)", async () => {
        const clock = fakeClock();
        const limiter = new AdaptiveRateLimiter(clock);
        const start = clock.now();
        const sent = await Promise.all(Array.from({ length: 36 }, () => limiter.acquire()));
        // It starts at 0.7 × START_RATE and regrows from there: no burst of 36 at once.
        assert.ok(sent.at(-1)! - start >= (36 / START_RATE) * 1000, `36 calls went out within ${sent.at(-1)! - start} ms`);
        assert.ok(sent.slice(1).every((t, i) => t - sent[i] >= 1000 / START_RATE - 1));
    });

    it("learns a 20/s account's rate: 500 calls at once, few throttled answers, the rate nearly used", async () => {
        const clock = fakeClock();
        const limiter = new AdaptiveRateLimiter(clock);
        const esa = account(clock, 20);
        const start = clock.now();
        await Promise.all(
            Array.from({ length: 500 }, () => pacedRetries(esa.call, { clock, deadline: start + 600_000, retryAmbiguous: false, limiter })),
        );
        const served = esa.log.served.length;
        const seconds = (esa.log.served.at(-1)! - start) / 1000;
        assert.equal(served, 500);
        assert.ok(esa.log.throttled <= 0.1 * served, `${esa.log.throttled} throttled answers for ${served} served`);
        assert.ok(served / seconds >= 0.95 * 20, `${(served / seconds).toFixed(1)}/s of 20/s`);
    });

    it("without the limiter, the same calls retried with backoff alone hammer the account", async () => {
        const clock = fakeClock();
        const esa = account(clock, 20);
        const start = clock.now();
        // A clock of the test's own: withRetries paces nothing by default.
        await Promise.all(
            Array.from({ length: 100 }, () =>
                withRetries(esa.call, { clock: { ...clock, random: Math.random }, deadline: start + 600_000, retryAmbiguous: false }),
            ),
        );
        assert.ok(esa.log.throttled > esa.log.served.length, `${esa.log.throttled} throttled for ${esa.log.served.length}`);
    });

    it("a throttled attempt is sent again at the limiter's cut pace, not after a jittered backoff", async () => {
        const clock = fakeClock();
        const limiter = new AdaptiveRateLimiter(clock, { ceiling: 10 });
        let attempts = 0;
        const op = async () => {
            if (attempts++ === 0) throw throttled();
            return "ok";
        };
        const start = clock.now();
        assert.equal(await pacedRetries(op, { clock, deadline: start + 60_000, retryAmbiguous: false, limiter }), "ok");
        assert.equal(attempts, 2);
        // The cut rate (7/s) spaces the retry by about 1/7 s; a backoff would be up to 250 ms more.
        assert.ok(clock.now() - start >= 1000 / 7 - 1 && clock.now() - start < 250, `${clock.now() - start} ms`);
        assert.ok(limiter.requestsPerSecond < 10);
    });

    it("a retry whose token comes after the deadline is not sent: the last failure ends the operation", async () => {
        const clock = fakeClock();
        // Cut to its floor: about one token a second.
        const limiter = new AdaptiveRateLimiter(clock, { ceiling: MIN_RATE });
        const sent: number[] = [];
        const op = async () => {
            sent.push(clock.now());
            throw throttled();
        };
        const start = clock.now();
        const deadline = start + 1_500;
        const stopped = await pacedRetries(op, { clock, deadline, retryAmbiguous: false, limiter }).catch((e) => e);
        assert.equal(stopped.name, "RetriesStopped");
        assert.equal(stopped.failure.code, "Throttling.User");
        assert.equal(stopped.deadlineReached, true);
        assert.equal(stopped.attempts, sent.length);
        assert.ok(sent.length >= 1, "the first attempt went");
        assert.ok(
            sent.every((at) => at <= deadline),
            `sent at ${sent.map((at) => at - start).join(", ")} ms; the deadline was at 1500 ms`,
        );
    });

    it("nor is a deployment's, whose calls are paced inside its client (below the shared reads)", async () => {
        const clock = fakeClock();
        const esa = new MemoryEsa().addRoutine("hello").fail({ action: "GetRoutine", error: throttled() }, 100);
        const sent: number[] = [];
        const api: EsaApi = {
            getRoutineEnvironments: (name) => {
                sent.push(clock.now());
                return esa.getRoutineEnvironments(name);
            },
            createDeployment: (request) => esa.createDeployment(request),
        };
        const provider = createProvider({
            apiFactory: () => api,
            clock,
            env: {},
            log: () => {},
            limiter: new AdaptiveRateLimiter(clock, { ceiling: MIN_RATE }),
        });
        const start = clock.now();
        const error = await provider
            .create({
                name: "hello",
                env: "production",
                strategy: "percentage",
                codeVersions: [{ codeVersion: "1723599747213377175", percentage: 100 }],
                timeoutSeconds: 3,
            })
            .catch((e) => e);
        assert.match(String(error?.message), /Throttling\.User/);
        assert.ok(sent.length >= 2, `${sent.length} reads sent`);
        assert.ok(
            sent.every((at) => at <= start + 3_000),
            `GetRoutine sent at ${sent.map((at) => at - start).join(", ")} ms; the deadline was at 3000 ms`,
        );
    });

    it("cuts once per round: throttled answers to calls sent before the cut do not compound it", async () => {
        const clock = fakeClock();
        const limiter = new AdaptiveRateLimiter(clock, { ceiling: 20 });
        const sent = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire()));
        for (const at of sent) limiter.record(at, true);
        assert.ok(Math.abs(limiter.requestsPerSecond - 0.7 * 20) < 1e-9, `${limiter.requestsPerSecond}`);
        const after = await limiter.acquire();
        limiter.record(after, true);
        // A new round: cut again, from the (barely regrown) rate of the first cut.
        const rate = limiter.requestsPerSecond;
        assert.ok(rate >= 0.7 * 0.7 * 20 - 1e-9 && rate < 0.7 * 15, `${rate}`);
    });

    it("a cut drops the tokens saved while demand was low, so they do not go out at once into more throttling", async () => {
        const clock = fakeClock();
        const limiter = new AdaptiveRateLimiter(clock);
        const first = await limiter.acquire();
        clock.advance(2_000); // quiet: the bucket fills up
        limiter.record(first, true);
        const sent = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire()));
        assert.ok(
            sent.slice(1).every((t, i) => t - sent[i] >= 1000 / limiter.requestsPerSecond - 1),
            `sent at ${sent.map((t) => t - sent[0]).join(", ")} ms`,
        );
    });

    it("regrows after a cut, back to the rate of the cut within seconds, never above the ceiling", async () => {
        const clock = fakeClock();
        const limiter = new AdaptiveRateLimiter(clock, { ceiling: 30 });
        limiter.record(await limiter.acquire(), true);
        const cut = limiter.requestsPerSecond;
        for (let i = 0; i < 400; i++) limiter.record(await limiter.acquire(), false);
        assert.ok(limiter.requestsPerSecond > cut, `${limiter.requestsPerSecond} after ${cut}`);
        assert.ok(limiter.requestsPerSecond <= 30);
        limiter.setCeiling(5);
        assert.equal(limiter.requestsPerSecond, 5);
    });

    it("never drops below its minimum rate, and settles near 1/s when every request is throttled", async () => {
        const clock = fakeClock();
        const limiter = new AdaptiveRateLimiter(clock);
        for (let i = 0; i < 50; i++) {
            clock.advance(1); // the answer comes after the request
            limiter.record(await limiter.acquire(), true);
            assert.ok(limiter.requestsPerSecond >= MIN_RATE);
        }
        // Throttled on every request, it settles near one request per second: the curve
        // regrows while it waits, each cut takes it back down.
        assert.ok(limiter.requestsPerSecond < 2, `${limiter.requestsPerSecond}`);
    });

    it("serves the calls of an older operation first", async () => {
        const clock = fakeClock();
        const limiter = new AdaptiveRateLimiter(clock, { ceiling: 1 });
        const older = limiter.nextPriority();
        const newer = limiter.nextPriority();
        const order: string[] = [];
        await limiter.acquire(); // spends the only token: the rest wait
        await Promise.all([limiter.acquire(newer).then(() => order.push("newer")), limiter.acquire(older).then(() => order.push("older"))]);
        assert.deepEqual(order, ["older", "newer"]);
    });
});
