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
 *
 * A repetition may add a third stack, the native side: the same fleet through the
 * native plugin `bin/pulumi-resource-esa` (`esa-routine-deployment/native`), timed
 * against ours (the dynamic path) in the same repetitions, orders rotated so that each
 * of the two goes first as often as the other (`ORDERS`). The emulator is reset before
 * each side's `up`, so neither adopts what the other deployed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator } from "../emulator";
import { CommandPhases, commandPhases, newTraces, traceEnv } from "./provider-trace";
import { BenchStack, CommandTiming, FleetPlan, fleetProgram, nativeFleetProgram, trivialProgram, uniform, SPLIT_A } from "./stacks";
import { median, round } from "./stats";

/** The stacks of a repetition: ours (the dynamic path), the floor, and the native path. */
export type EngineSide = "ours" | "floor" | "native";

/**
 * The orders of a three-sided repetition, in turn: over any two repetitions in a row, ours
 * goes first against the native side once and against the floor once.
 */
const ORDERS: EngineSide[][] = [
    ["ours", "native", "floor"],
    ["floor", "native", "ours"],
    ["native", "ours", "floor"],
    ["floor", "ours", "native"],
];

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
    /** The native path in the same repetitions, when this N ran it (compared with ours, the dynamic path). */
    native?: NativeEngineRow;
}

export interface NativeEngineRow {
    repetitions: number;
    upMs: number;
    previewMs: number;
    /** Ours (the dynamic path) in the same repetitions, medians. */
    dynamicMs: { up: number; preview: number };
    /** native ÷ ours (the dynamic path), medians. */
    upRatio: number;
    previewRatio: number;
    samples: { up: number[]; preview: number[] };
    /** API calls of the native `up`s, per repetition (ours: `EngineTimeRow.upCalls`). */
    upCalls: Record<string, number>[];
    phases: { up?: CommandPhases; preview?: CommandPhases };
}

/** One repetition's timings, ms (`native` only when the repetition had that side). */
export interface EngineSample {
    up: { ours: number; floor: number; native?: number };
    preview: { ours: number[]; floor: number[]; native?: number[] };
    /** API calls of our `up`. */
    upCalls: Record<string, number>;
    nativeUpCalls?: Record<string, number>;
    /** Where the time of each command went (from the provider processes' traces). */
    phases: { up: Sides<CommandPhases>; preview: Sides<CommandPhases[]> };
}

type Sides<T> = Partial<Record<EngineSide, T>>;

/**
 * Fresh stacks of `n`, ours and the floor (and the native side with `native`): `up`
 * (creating all) on each, then `previews` no-op previews on each. `rotation` (the
 * repetition's number) turns the order between repetitions, so that a load spike or a
 * warm cache favours no side: two sides alternate, ours first on even repetitions;
 * three go through `ORDERS`.
 */
export async function engineRepetition(
    emulator: Emulator,
    n: number,
    previews: number,
    rotation: number,
    native = false,
): Promise<EngineSample> {
    emulator.reset();
    const fleet: FleetPlan = { n, splitOf: uniform(SPLIT_A) };
    // Every side's provider processes record their calls (`preload.js`: a few appends per
    // resource, alike on all sides), so each command's time can be split into before,
    // during and after the provider's work.
    const traceDir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-bench-engine-"));
    const sides: EngineSide[] = native ? ORDERS[rotation % ORDERS.length] : rotation % 2 === 0 ? ["ours", "floor"] : ["floor", "ours"];
    const dirs = Object.fromEntries(sides.map((side) => [side, path.join(traceDir, side)])) as Record<EngineSide, string>;
    for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
    const seen = new Set<string>();
    const stacks: Partial<Record<EngineSide, BenchStack>> = {};
    const timed = async (side: EngineSide, run: () => Promise<CommandTiming>) => {
        const startedAt = Date.now();
        const timing = await run();
        return { ms: timing.ms, phases: commandPhases(startedAt, timing.ms, newTraces(dirs[side], seen)) };
    };
    try {
        // The same stack config on every side: a stack with config measured a few hundred ms
        // slower per CLI command than one without, whatever its resources.
        const endpoint = emulator.endpoint;
        stacks.ours = await BenchStack.create(fleetProgram(fleet), { endpoint, env: traceEnv(dirs.ours) });
        stacks.floor = await BenchStack.create(trivialProgram(fleet), { endpoint, env: traceEnv(dirs.floor) });
        if (native)
            stacks.native = await BenchStack.create(nativeFleetProgram(fleet), {
                endpoint,
                env: traceEnv(dirs.native),
                nativePlugin: true,
            });
        const order = sides.map((side) => [side, stacks[side]!] as const);
        const sample: EngineSample = {
            up: { ours: 0, floor: 0 },
            preview: { ours: [], floor: [], ...(native ? { native: [] } : {}) },
            upCalls: {},
            phases: { up: {}, preview: Object.fromEntries(sides.map((side) => [side, []])) },
        };
        for (const [side, stack] of order) {
            // A fresh account for each side that calls ESA: nothing of another side's to adopt.
            if (side !== "floor") emulator.reset();
            emulator.clearRequests();
            const { ms, phases } = await timed(side, () => stack.up());
            sample.up[side] = ms;
            sample.phases.up[side] = phases;
            if (side === "ours") sample.upCalls = emulator.countByAction();
            if (side === "native") sample.nativeUpCalls = emulator.countByAction();
        }
        for (let p = 0; p < previews; p++) {
            // Alternate within the repetition too: N=500 runs once, and whichever side goes
            // first after the `up`s tends to be the slower.
            for (const [side, stack] of p % 2 === 0 ? order : [...order].reverse()) {
                const { ms, phases } = await timed(side, () => stack.preview());
                sample.preview[side]!.push(ms);
                if (phases) sample.phases.preview[side]!.push(phases);
            }
        }
        return sample;
    } finally {
        for (const stack of Object.values(stacks)) await stack.dispose();
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
        native: summarizeNative(list),
    };
}

/**
 * The native side against ours over the repetitions that had it (ours from the same
 * repetitions only, when only some had it).
 */
function summarizeNative(all: EngineSample[]): NativeEngineRow | undefined {
    const list = all.filter((s) => s.up.native !== undefined);
    if (list.length === 0) return undefined;
    const m = (xs: number[]) => round(median(xs), 0);
    const up = { native: list.map((s) => s.up.native!), ours: list.map((s) => s.up.ours) };
    const preview = { native: list.flatMap((s) => s.preview.native ?? []), ours: list.flatMap((s) => s.preview.ours) };
    return {
        repetitions: list.length,
        upMs: m(up.native),
        previewMs: m(preview.native),
        dynamicMs: { up: m(up.ours), preview: m(preview.ours) },
        upRatio: round(median(up.native) / median(up.ours), 3),
        previewRatio: round(median(preview.native) / median(preview.ours), 3),
        samples: { up: up.native.map((x) => round(x, 0)), preview: preview.native.map((x) => round(x, 0)) },
        upCalls: list.map((s) => s.nativeUpCalls ?? {}),
        phases: {
            up: medianPhases(list.map((s) => s.phases.up.native)),
            preview: medianPhases(list.flatMap((s) => s.phases.preview.native ?? [])),
        },
    };
}

function medianPhases(list: (CommandPhases | undefined)[]): CommandPhases | undefined {
    const known = list.filter((p): p is CommandPhases => p !== undefined);
    if (known.length === 0) return undefined;
    const m = (key: keyof CommandPhases) => round(median(known.map((p) => p[key])), 0);
    return { beforeProviderMs: m("beforeProviderMs"), providerMs: m("providerMs"), afterProviderMs: m("afterProviderMs") };
}
