/** Small statistics and timing helpers shared by the benchmarks. */

export function median(values: number[]): number {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function sum(values: Iterable<number>): number {
    let total = 0;
    for (const v of values) total += v;
    return total;
}

/** Milliseconds since `start` (a `process.hrtime.bigint()` reading). */
export function msSince(start: bigint): number {
    return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function timeMs<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
    const start = process.hrtime.bigint();
    const value = await run();
    return { ms: msSince(start), value };
}

export function round(value: number, digits = 2): number {
    const f = 10 ** digits;
    return Math.round(value * f) / f;
}

/** The 1-, 5- and 15-minute load averages: other work on the machine disturbs the timings. */
export function loadAverage(): number[] {
    return require("os")
        .loadavg()
        .map((v: number) => round(v, 2));
}

/** What ESA did with a run's requests: served per action, throttled, other refusals. */
export interface Tally {
    served: Record<string, number>;
    servedTotal: number;
    throttled: number;
    other: number;
}

export function tally(requests: { action: string; status: number; code?: string }[]): Tally {
    const result: Tally = { served: {}, servedTotal: 0, throttled: 0, other: 0 };
    for (const r of requests) {
        if (r.status >= 200 && r.status < 300) {
            result.served[r.action] = (result.served[r.action] ?? 0) + 1;
            result.servedTotal++;
        } else if (/^Throttling/.test(r.code ?? "")) result.throttled++;
        else result.other++;
    }
    return result;
}

/** "150 GetRoutine + 100 CreateRoutineCodeDeployment". */
export function callList(calls: Record<string, number>): string {
    return (
        Object.entries(calls)
            .map(([action, n]) => `${n} ${action}`)
            .join(" + ") || "none"
    );
}

/** Alternates `sides` for `iterations` (after `warmup` unrecorded rounds) and returns each side's samples, ms. */
export async function interleaved<K extends string>(
    iterations: number,
    warmup: number,
    sides: Record<K, (i: number) => Promise<unknown>>,
): Promise<Record<K, number[]>> {
    const samples = Object.fromEntries(Object.keys(sides).map((k) => [k, [] as number[]])) as Record<K, number[]>;
    for (let i = 0; i < iterations + warmup; i++) {
        for (const side of Object.keys(sides) as K[]) {
            const { ms } = await timeMs(() => sides[side](i));
            if (i >= warmup) samples[side].push(ms);
        }
    }
    return samples;
}
