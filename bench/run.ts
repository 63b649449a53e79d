/**
 * `npm run bench`: every figure of the results table (`report.ts`, `ROWS`), each against
 * its floor and goal, within a time budget.
 *
 * Needs `npm run build` first: the provider process the engine starts loads `dist/`.
 * Writes `bench/results.json` (every measurement) and `bench/results.md` (the table),
 * and prints the table.
 *
 * Order: the figures with a goal first, each once; then the engine timings, whose
 * repetitions (fresh stack pairs, medians) are spread over what is left of the budget.
 * N = 500 through the engine is the long pole (≈ 2.5 min per pair on 2 cores), so it
 * runs once. `BENCH_BUDGET_SECONDS` (default 720) bounds the run; the 15-minute limit
 * leaves room for the build and a slow machine.
 *
 * The native path (`bin/pulumi-resource-esa`) is measured beside the dynamic one in the
 * same run: the API calls (and the state) of the same N=100 phases, its plugin's start-up
 * in the same start-up runs, and a third stack in every N=100 engine repetition. The
 * first N=100 repetition runs whatever the budget says: its figures have goals.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startEmulator } from "../emulator";
import { pulumiBinDir } from "../scripts/toolchain";
import { measureCalls } from "./calls";
import { measureInProcess } from "./inprocess";
import { EngineSample, engineRepetition, summarizeEngine } from "./engine-time";
import { formatted, markdown, markdownTable, Results, rows } from "./report";
import { measureStartup } from "./startup";
import { measureStateSize } from "./state-size";
import { fleetRoutines } from "./stacks";
import { loadAverage, msSince, round } from "./stats";
import { measureThroughput } from "./throughput";

const BUDGET_MS = Number(process.env.BENCH_BUDGET_SECONDS ?? 720) * 1000;
const ENGINE_SIZES = [10, 100, 500];
/** Repetitions wanted per N (at least one of each always runs). */
const WANTED_REPETITIONS: Record<number, number> = { 10: 3, 100: 4, 500: 1 };
/** No-op previews per stack and repetition. */
const PREVIEWS = 2;
/** The N whose engine repetitions add the native path's stack. */
const NATIVE_ENGINE_SIZES = [100];

async function main(): Promise<void> {
    const started = process.hrtime.bigint();
    const elapsed = () => msSince(started);
    if (!fs.existsSync(path.join(__dirname, "..", "dist", "provider", "index.js"))) {
        throw new Error("dist/ is missing: run `npm run build` first (the engine's provider process loads the compiled package).");
    }
    const binDir = pulumiBinDir();
    const results: Results = {
        startedAt: new Date().toISOString(),
        totalWallSeconds: 0,
        machine: {
            cpus: os.cpus().length,
            node: process.version,
            pulumi: execFileSync(path.join(binDir, "pulumi"), ["version"], { encoding: "utf8" }).trim(),
            loadAverageAtStart: loadAverage(),
            loadAverageAtEnd: [],
        },
        engine: [],
        problems: [],
    };
    const step = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
        const t0 = process.hrtime.bigint();
        process.stderr.write(`bench: ${name}…\n`);
        try {
            const value = await run();
            process.stderr.write(`bench: ${name} done in ${round(msSince(t0) / 1000, 1)} s (${round(elapsed() / 1000, 0)} s in all)\n`);
            return value;
        } catch (error: any) {
            results.problems.push(`${name} failed: ${String(error?.message ?? error).slice(0, 2000)}`);
            process.stderr.write(`bench: ${name} FAILED: ${error?.stack ?? error}\n`);
            return undefined;
        }
    };

    results.calls = await step("API calls per operation (N=100)", () => measureCalls(100, 10));
    results.nativeCalls = await step("native path: API calls per operation and state (N=100)", () => measureCalls(100, 10, "native"));
    results.stateSize = await step("state size (N=1, 10, 100)", () => measureStateSize());
    results.startup = await step("provider start-up", () => measureStartup(7));
    results.inProcess = await step("in process: deployment, release, rollout", () => measureInProcess(60));

    const emulator = await startEmulator({ routines: fleetRoutines(Math.max(...ENGINE_SIZES, 200)) });
    try {
        results.throughput = await step("throttled throughput (N=200 at 20/s)", () => measureThroughput(emulator, 200, 20, 200));

        // Engine timings: one repetition of each N, then more while the budget allows,
        // each predicted from the first repetition of its N.
        const samples: Record<number, EngineSample[]> = {};
        const cost: Record<number, number> = {};
        const repeat = async (n: number) => {
            const t0 = process.hrtime.bigint();
            const native = NATIVE_ENGINE_SIZES.includes(n);
            const sample = await step(
                `engine wall time N=${n}${native ? " (with the native path)" : ""} #${(samples[n]?.length ?? 0) + 1}`,
                () => engineRepetition(emulator, n, PREVIEWS, samples[n]?.length ?? 0, native),
            );
            cost[n] = Math.max(cost[n] ?? 0, msSince(t0));
            if (sample) (samples[n] ??= []).push(sample);
        };
        // A repetition's cost: as measured, or for N=500 before it ran, about five N=100
        // pairs (an N=100 repetition with the native path's stack is three stacks, 1.5 pairs).
        const pairsOf100 = NATIVE_ENGINE_SIZES.includes(100) ? 1.5 : 1;
        const predict = (n: number) => cost[n] ?? (n === 500 && cost[100] ? (cost[100] / pairsOf100) * 5 : 0);
        for (const n of ENGINE_SIZES) {
            // Skip N=500 rather than overrun the budget.
            const predicted = n === 500 ? predict(n) : 0;
            // N=100's figures have goals (ours and the native path's): one repetition always runs.
            if (n !== 100 && elapsed() + predicted > BUDGET_MS) {
                results.problems.push(`engine wall time N=${n}: skipped (time budget; predicted ${round(predicted / 1000, 0)} s)`);
                continue;
            }
            await repeat(n);
        }
        for (let more = true; more;) {
            more = false;
            for (const n of [100, 10, 500]) {
                if ((samples[n]?.length ?? 0) >= WANTED_REPETITIONS[n]) continue;
                if (elapsed() + predict(n) * 1.2 > BUDGET_MS) {
                    const problem = `engine wall time N=${n}: ${samples[n]?.length ?? 0} of ${WANTED_REPETITIONS[n]} repetitions (time budget)`;
                    if (!results.problems.includes(problem)) results.problems.push(problem);
                    continue;
                }
                await repeat(n);
                more = true;
            }
        }
        results.engine = ENGINE_SIZES.filter((n) => samples[n]?.length).map((n) => summarizeEngine(n, samples[n]));
    } finally {
        await emulator.close();
    }

    results.machine.loadAverageAtEnd = loadAverage();
    results.totalWallSeconds = round(elapsed() / 1000, 0);
    const write = async (name: string, text: string) => {
        const file = path.join(__dirname, name);
        fs.writeFileSync(file, await formatted(file, text));
    };
    await write("results.json", JSON.stringify(results, null, 4) + "\n");
    await write("results.md", markdown(results));
    console.log(markdownTable(rows(results)));
    console.log(
        `\nTotal: ${results.totalWallSeconds} s. Load average at start ${results.machine.loadAverageAtStart.join("/")}, at end ${results.machine.loadAverageAtEnd.join("/")}.`,
    );
    for (const problem of results.problems) console.log(`Problem: ${problem}`);
    if (results.problems.some((p) => p.includes("failed"))) process.exitCode = 1;
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
