/**
 * Engine wall time (issue item 4): `up` (creating N) and a no-op `preview` of N
 * `RoutineCodeDeployment`s through the real CLI, as a ratio to the same commands on N
 * trivial dynamic resources (the floor: engine, state backend and plugin, no API).
 *
 * Timings on a shared 2-core machine are noisy, so each repetition makes a fresh pair of
 * stacks (an `up` that creates can only be timed once per stack; the emulator is reset
 * so nothing can be adopted), alternates which side goes first, and the figures are
 * medians over repetitions (`bench/run.ts` decides how many fit the time budget). Both sides run with the engine's default parallelism (8 on this machine).
 * The emulator runs in this process, as does the inline program; its CPU is part of
 * what our side costs on this machine (a real ESA costs latency instead).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator } from "../emulator";
import { CommandPhases, commandPhases, newTraces, traceEnv } from "./provider-trace";
import { BenchStack, CommandTiming, FleetPlan, fleetProgram, trivialProgram, uniform, SPLIT_A } from "./stacks";
import { median, round } from "./stats";

export interface EngineTimeRow {
    n: number;
    repetitions: number;
    upMs: { ours: number; floor: number };
    previewMs: { ours: number; floor: number };
    upRatio: number;
    previewRatio: number;
    /** Every sample, for the record. */
    samples: { up: { ours: number[]; floor: number[] }; preview: { ours: number[]; floor: number[] } };
    /** API calls of our `up`s (per repetition: the same each time unless sharing varies). */
    upCalls: Record<string, number>[];
    /** Medians of where the time went: before, during and after the provider's calls. */
    phases: { up: { ours?: CommandPhases; floor?: CommandPhases }; preview: { ours?: CommandPhases; floor?: CommandPhases } };
}

/** One repetition's timings, ms. */
export interface EngineSample {
    up: { ours: number; floor: number };
    preview: { ours: number[]; floor: number[] };
    upCalls: Record<string, number>;
    /** Where the time of each command went (from the provider processes' traces). */
    phases: { up: Sides<CommandPhases>; preview: Sides<CommandPhases[]> };
}

type Sides<T> = { ours?: T; floor?: T };

/**
 * A fresh pair of stacks of `n`: `up` (creating all) on each, then `previews` no-op
 * previews on each. `oursFirst` alternates the order between repetitions, so that a
 * load spike or a warm cache favours neither side.
 */
export async function engineRepetition(emulator: Emulator, n: number, previews: number, oursFirst: boolean): Promise<EngineSample> {
    emulator.reset();
    const fleet: FleetPlan = { n, splitOf: uniform(SPLIT_A) };
    // Both sides' provider processes record their calls (`preload.js`: a few appends per
    // resource, alike on both sides), so each command's time can be split into before,
    // during and after the provider's work.
    const traceDir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-bench-engine-"));
    const dirs = { ours: path.join(traceDir, "ours"), floor: path.join(traceDir, "floor") };
    for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
    const seen = new Set<string>();
    const ours = await BenchStack.create(fleetProgram(fleet), { endpoint: emulator.endpoint, env: traceEnv(dirs.ours) });
    // The same stack config on both sides: a stack with config measured a few hundred ms
    // slower per CLI command than one without, whatever its resources.
    const floor = await BenchStack.create(trivialProgram(fleet), { endpoint: emulator.endpoint, env: traceEnv(dirs.floor) });
    const timed = async (side: "ours" | "floor", run: () => Promise<CommandTiming>) => {
        const startedAt = Date.now();
        const timing = await run();
        return { ms: timing.ms, phases: commandPhases(startedAt, timing.ms, newTraces(dirs[side], seen)) };
    };
    try {
        const order: ["ours" | "floor", BenchStack][] = [
            ["ours", ours],
            ["floor", floor],
        ];
        if (!oursFirst) order.reverse();
        const sample: EngineSample = {
            up: { ours: 0, floor: 0 },
            preview: { ours: [], floor: [] },
            upCalls: {},
            phases: { up: {}, preview: { ours: [], floor: [] } },
        };
        for (const [side, stack] of order) {
            emulator.clearRequests();
            const { ms, phases } = await timed(side, () => stack.up());
            sample.up[side] = ms;
            sample.phases.up[side] = phases;
            if (side === "ours") sample.upCalls = emulator.countByAction();
        }
        for (let p = 0; p < previews; p++) {
            // Alternate within the repetition too: N=500 runs once, and whichever side goes
            // first after the two `up`s tends to be the slower.
            for (const [side, stack] of p % 2 === 0 ? order : [...order].reverse()) {
                const { ms, phases } = await timed(side, () => stack.preview());
                sample.preview[side].push(ms);
                if (phases) sample.phases.preview[side]!.push(phases);
            }
        }
        return sample;
    } finally {
        await ours.dispose();
        await floor.dispose();
        fs.rmSync(traceDir, { recursive: true, force: true });
    }
}

export function summarizeEngine(n: number, list: EngineSample[]): EngineTimeRow {
    const m = (xs: number[]) => round(median(xs), 0);
    const r0 = (xs: number[]) => xs.map((x) => round(x, 0));
    const up = { ours: list.map((s) => s.up.ours), floor: list.map((s) => s.up.floor) };
    const preview = { ours: list.flatMap((s) => s.preview.ours), floor: list.flatMap((s) => s.preview.floor) };
    const upMs = { ours: m(up.ours), floor: m(up.floor) };
    const previewMs = { ours: m(preview.ours), floor: m(preview.floor) };
    return {
        n,
        repetitions: list.length,
        upMs,
        previewMs,
        upRatio: round(upMs.ours / upMs.floor),
        previewRatio: round(previewMs.ours / previewMs.floor),
        samples: { up: { ours: r0(up.ours), floor: r0(up.floor) }, preview: { ours: r0(preview.ours), floor: r0(preview.floor) } },
        upCalls: list.map((s) => s.upCalls),
        phases: {
            up: { ours: medianPhases(list.map((s) => s.phases.up.ours)), floor: medianPhases(list.map((s) => s.phases.up.floor)) },
            preview: {
                ours: medianPhases(list.flatMap((s) => s.phases.preview.ours ?? [])),
                floor: medianPhases(list.flatMap((s) => s.phases.preview.floor ?? [])),
            },
        },
    };
}

function medianPhases(list: (CommandPhases | undefined)[]): CommandPhases | undefined {
    const known = list.filter((p): p is CommandPhases => p !== undefined);
    if (known.length === 0) return undefined;
    const m = (key: keyof CommandPhases) => round(median(known.map((p) => p[key])), 0);
    return { beforeProviderMs: m("beforeProviderMs"), providerMs: m("providerMs"), afterProviderMs: m("afterProviderMs") };
}
