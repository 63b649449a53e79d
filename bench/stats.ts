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
