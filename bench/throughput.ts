/**
 * Throughput under throttling: N = 200 creates (100 routines × staging and production)
 * through the real CLI with `--parallel 200`, against the emulator limited to 20
 * requests/s (a token bucket: bursts of 20, refilled at 20/s; requests over it get
 * `Throttling.User`). The provider process paces its calls with its adaptive rate
 * limiter (`provider/esa/rate-limit.ts`), which starts knowing nothing of the limit.
 *
 * Goals, each a ratio of this run: throttled answers per served call; served calls per
 * second while calls run, as a share of the limit; the whole run against the calls
 * served ÷ the limit (the time the limit alone imposes); no failures. The time before
 * the first and after the last call (CLI, program, plugin start; the engine's last
 * checkpoint writes) is reported next to the engine's own time for N trivial resources.
 */
import { Emulator } from "../emulator";
import { BenchStack, fleetProgram, trivialProgram, uniform, SPLIT_A } from "./stacks";
import { round, tally, Tally } from "./stats";

export interface ThroughputResult extends Tally {
    n: number;
    ratePerSecond: number;
    parallel: number;
    wallMs: number;
    /** Resources not created + runs that failed: must be 0. */
    failures: number;
    /** servedTotal ÷ rate: the time the limit alone imposes. */
    floorMs: number;
    beforeFirstCallMs: number;
    afterLastCallMs: number;
    /** From the first to the last API call. */
    apiSpanMs: number;
    /** Served calls per second of the span, as a share of the rate. */
    utilization: number;
    /** Served calls in each second from the first call. */
    servedBySecond: number[];
    /** `up` creating N trivial dynamic resources at the same parallelism (no API), when measured. */
    engineFloorMs?: number;
}

export async function measureThroughput(
    emulator: Emulator,
    n = 200,
    rate = 20,
    parallel = 200,
    engineFloor = true,
): Promise<ThroughputResult> {
    let engineFloorMs: number | undefined;
    if (engineFloor) {
        const trivial = await BenchStack.create(trivialProgram({ n, splitOf: uniform(SPLIT_A) }), { endpoint: emulator.endpoint });
        try {
            engineFloorMs = round((await trivial.up({ parallel })).ms, 0);
        } finally {
            await trivial.dispose();
        }
    }
    emulator.reset();
    const stack = await BenchStack.create(fleetProgram({ n, splitOf: uniform(SPLIT_A) }), { endpoint: emulator.endpoint });
    try {
        emulator.setRateLimit(rate);
        const startedAt = Date.now();
        let wallMs = 0;
        let failures = 0;
        try {
            const timing = await stack.up({ parallel });
            wallMs = timing.ms;
            failures = n - ((timing.summary.create ?? 0) - 1); // minus the Stack resource
        } catch (error) {
            wallMs = Date.now() - startedAt;
            failures = n;
            console.error(String(error).slice(-4000));
        }
        const requests = emulator.requests();
        const counts = tally(requests);
        const times = requests.map((r) => Date.parse(r.at));
        const first = Math.min(...times);
        const last = Math.max(...times);
        const apiSpanMs = Math.max(1, last - first);
        const servedBySecond: number[] = [];
        for (const r of requests.filter((r) => r.status === 200)) {
            const second = Math.floor((Date.parse(r.at) - first) / 1000);
            while (servedBySecond.length <= second) servedBySecond.push(0);
            servedBySecond[second]++;
        }
        return {
            n,
            ratePerSecond: rate,
            parallel,
            wallMs: round(wallMs, 0),
            failures,
            ...counts,
            floorMs: round((counts.servedTotal / rate) * 1000, 0),
            beforeFirstCallMs: first - startedAt,
            afterLastCallMs: round(Math.max(0, startedAt + wallMs - last), 0),
            apiSpanMs,
            utilization: round(counts.servedTotal / (apiSpanMs / 1000) / rate, 3),
            servedBySecond,
            engineFloorMs,
        };
    } finally {
        emulator.setRateLimit(undefined);
        await stack.dispose();
    }
}

if (require.main === module) {
    (async () => {
        const { startEmulator } = await import("../emulator");
        const { fleetRoutines } = await import("./stacks");
        const emulator = await startEmulator({ routines: fleetRoutines(200) });
        try {
            console.log(JSON.stringify(await measureThroughput(emulator, 200, 20, 200, process.argv[2] !== "--no-engine-floor")));
        } finally {
            await emulator.close();
        }
    })();
}
