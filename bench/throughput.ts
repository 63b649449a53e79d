/**
 * Throughput under throttling (issue item 5): N = 200 creates (100 routines × staging
 * and production) through the real CLI with high parallelism, against the emulator
 * limited to 20 requests/s (a token bucket: bursts of 20, refilled at 20/s; requests
 * over it get `Throttling.User`, which the provider retries with jittered backoff).
 *
 * Floor: the calls ESA carried out ÷ the rate, i.e. the time the rate limit alone
 * imposes. Also reported against the fewest calls SPEC §4 allows (a pre-read per
 * routine, a deployment and a confirm read per resource), and the time the run spent
 * before its first and after its last API call (engine start-up, program, checkpoint
 * writes), which no API rate can explain; for scale, the engine's own time for N
 * trivial dynamic resources at the same parallelism.
 */
import { Emulator } from "../emulator";
import { BenchStack, fleetProgram, trivialProgram, uniform, SPLIT_A } from "./stacks";
import { round } from "./stats";

export interface ThroughputResult {
    n: number;
    routines: number;
    ratePerSecond: number;
    parallel: number;
    wallMs: number;
    /** Resources not created (from the engine's summary) + runs that failed: must be 0. */
    failures: number;
    created: number;
    servedCalls: Record<string, number>;
    servedTotal: number;
    throttledCalls: number;
    otherErrors: number;
    /** servedTotal ÷ rate. */
    floorMs: number;
    ratio: number;
    /** (routines + 2n) ÷ rate: the fewest calls SPEC §4 allows. */
    minimalFloorMs: number;
    ratioToMinimal: number;
    /** From the start of `up` to the first API call, and from the last to the end. */
    beforeFirstCallMs: number;
    afterLastCallMs: number;
    /** From the first to the last API call. */
    apiSpanMs: number;
    /** Served calls per second of the API-active span, and as a share of the rate. */
    servedPerSecond: number;
    utilization: number;
    /** Served calls in each second from the first call: where the rate goes unused. */
    servedBySecond: number[];
    /**
     * The engine's own floor: `up` creating N trivial dynamic resources at the same
     * parallelism (no API), when measured. The engine's fixed start and finish costs are
     * in it, and in no API floor.
     */
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
        let created = 0;
        let failures = 0;
        try {
            const timing = await stack.up({ parallel });
            wallMs = timing.ms;
            created = (timing.summary.create ?? 0) - 1; // the Stack resource
        } catch (error) {
            wallMs = Date.now() - startedAt;
            failures = 1;
            console.error(String(error).slice(-4000));
        }
        const endedAt = startedAt + wallMs;
        failures += n - created;
        const requests = emulator.requests();
        const served: Record<string, number> = {};
        let throttled = 0;
        let other = 0;
        for (const r of requests) {
            if (r.status === 200) served[r.action] = (served[r.action] ?? 0) + 1;
            else if (r.code === "Throttling.User") throttled++;
            else other++;
        }
        const servedTotal = Object.values(served).reduce((a, b) => a + b, 0);
        const times = requests.map((r) => Date.parse(r.at));
        const first = Math.min(...times);
        const last = Math.max(...times);
        const floorMs = (servedTotal / rate) * 1000;
        const servedBySecond: number[] = [];
        for (const r of requests) {
            if (r.status !== 200) continue;
            const second = Math.floor((Date.parse(r.at) - first) / 1000);
            while (servedBySecond.length <= second) servedBySecond.push(0);
            servedBySecond[second]++;
        }
        const apiSpanMs = Math.max(1, last - first);
        const minimalFloorMs = ((n / 2 + 2 * n) / rate) * 1000;
        return {
            n,
            routines: n / 2,
            ratePerSecond: rate,
            parallel,
            wallMs: round(wallMs, 0),
            failures,
            created,
            servedCalls: served,
            servedTotal,
            throttledCalls: throttled,
            otherErrors: other,
            floorMs: round(floorMs, 0),
            ratio: round(wallMs / floorMs),
            minimalFloorMs: round(minimalFloorMs, 0),
            ratioToMinimal: round(wallMs / minimalFloorMs),
            beforeFirstCallMs: first - startedAt,
            afterLastCallMs: Math.max(0, endedAt - last),
            apiSpanMs,
            servedPerSecond: round(servedTotal / (apiSpanMs / 1000), 1),
            utilization: round(servedTotal / (apiSpanMs / 1000) / rate),
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
