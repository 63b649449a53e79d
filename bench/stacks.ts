/**
 * The stacks the benchmarks run through the real Pulumi CLI (via `scripts/toolchain`'s `InlineStack`):
 *
 * - `fleetProgram`: N `RoutineCodeDeployment`s over R = N/2 routines (each routine's
 *   staging and production), the shape of a real account and the one that lets a
 *   refresh share one GetRoutine per routine.
 * - `nativeFleetProgram`: the same fleet on the native path: the classes of
 *   `esa-routine-deployment/native`, served by the plugin `bin/pulumi-resource-esa`
 *   (the stack's Pulumi.yaml names it: `BenchStackOptions.nativePlugin`).
 * - `trivialProgram`: the floor. N `pulumi.dynamic.Resource`s with the same inputs
 *   whose provider does nothing (create/update return at once, no check, diff or read),
 *   so the engine, the state backend and the dynamic-provider plugin are all that cost.
 * - `naiveProgram`: what people write first: a `pulumi.dynamic.Resource` whose provider
 *   captures the SDK client in its closure. Pulumi serializes whatever the closure
 *   captures into every resource's state; this is what `RoutineCodeDeployment` avoids
 *   with its loader shim (README: Details).
 *
 * `BenchStack` wraps an `InlineStack` (temporary backend, PULUMI_HOME, project linked to
 * the built package) and runs the CLI commands without event capture and diff
 * rendering: the benchmark times the engine, not the stack's own bookkeeping.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { PreviewResult, Stack, UpResult } from "@pulumi/pulumi/automation";
import { RoutineCodeDeployment } from "../sdk";
import type * as NativeSdk from "../sdk/native";
import type { Env } from "../emulator";
import { emulatorCredentials, repoRoot } from "../scripts/toolchain";
import { InlineStack } from "../scripts/toolchain/inline-stack";

export const V1 = "1723599747213377175";
export const V2 = "1723599747213377176";

export type Split = { codeVersion: string; percentage: number }[];

export const SPLIT_A: Split = [
    { codeVersion: V1, percentage: 90 },
    { codeVersion: V2, percentage: 10 },
];
export const SPLIT_B: Split = [
    { codeVersion: V1, percentage: 50 },
    { codeVersion: V2, percentage: 50 },
];

/** Resource i of a fleet: routine ⌊i/2⌋, staging for even i, production for odd i. */
export function member(i: number): { routine: string; env: Env; resourceName: string } {
    const routine = `bench-${String(Math.floor(i / 2)).padStart(4, "0")}`;
    const env: Env = i % 2 === 0 ? "staging" : "production";
    return { routine, env, resourceName: `${routine}-${env}` };
}

/** The routines (with two code versions each) an emulator needs for a fleet of `n`. */
export function fleetRoutines(n: number): Record<string, string[]> {
    const routines: Record<string, string[]> = {};
    for (let i = 0; i < n; i++) routines[member(i).routine] = [V1, V2];
    return routines;
}

export type SplitOf = (i: number) => Split;

/** A mutable plan the programs read at run time, so one stack can be edited between runs. */
export interface FleetPlan {
    n: number;
    splitOf: SplitOf;
}

export const uniform =
    (split: Split): SplitOf =>
    () =>
        split;

export function fleetProgram(plan: FleetPlan) {
    return async () => {
        for (let i = 0; i < plan.n; i++) {
            const { routine, env, resourceName } = member(i);
            new RoutineCodeDeployment(resourceName, { name: routine, env, codeVersions: plan.splitOf(i) });
        }
        return {};
    };
}

/**
 * `esa-routine-deployment/native` as a consumer's program imports it: the built package
 * (`dist/sdk/native.js`, through the repository's link to itself), loaded when a native
 * program first runs. (The type checker's `moduleResolution` does not read the
 * package's `exports`, hence the typed `require`.)
 */
function nativeSdk(): typeof NativeSdk {
    return require("esa-routine-deployment/native");
}

/** `fleetProgram` on the native path: the same resources, names and inputs. */
export function nativeFleetProgram(plan: FleetPlan) {
    return async () => {
        const esa = nativeSdk();
        for (let i = 0; i < plan.n; i++) {
            const { routine, env, resourceName } = member(i);
            new esa.RoutineCodeDeployment(resourceName, { name: routine, env, codeVersions: plan.splitOf(i) });
        }
        return {};
    };
}

/** The directory holding the native plugin, as a project's Pulumi.yaml names it. */
export const NATIVE_PLUGIN_DIR = path.join(repoRoot, "bin");

/**
 * The floor's provider: one object for all resources (the SDK caches its serialized
 * text per provider object, so the floor is not charged N serializations).
 */
export const trivialProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        return { id: `${inputs.name}:${inputs.env}`, outs: inputs };
    },
    async update(_id, _olds, news) {
        return { outs: news };
    },
};

/** A trivial dynamic resource with the same inputs as `RoutineCodeDeployment`. */
export class TrivialResource extends pulumi.dynamic.Resource {
    constructor(name: string, args: Record<string, pulumi.Input<any>>) {
        super(trivialProvider, name, args, undefined, "bench", "Trivial");
    }
}

export function trivialProgram(plan: FleetPlan) {
    return async () => {
        for (let i = 0; i < plan.n; i++) {
            const { routine, env, resourceName } = member(i);
            new TrivialResource(resourceName, { name: routine, env, strategy: "percentage", codeVersions: plan.splitOf(i) });
        }
        return {};
    };
}

export interface CommandTiming {
    ms: number;
    summary: Record<string, number>;
}

export interface BenchStackOptions {
    /** The emulator's endpoint, as `esa:endpoint`. */
    endpoint?: string;
    config?: Record<string, string>;
    env?: Record<string, string>;
    /**
     * The native path: the project's Pulumi.yaml gets `plugins.providers: [{ name: esa,
     * path: <repository>/bin }]`, so the engine starts `bin/pulumi-resource-esa` (which
     * loads the repository's `dist/`) for the `esa:index:*` resources.
     */
    nativePlugin?: boolean;
}

/** A stack in a temporary backend, with timed commands. */
export class BenchStack {
    private constructor(
        readonly test: InlineStack,
        private readonly inner: Stack,
    ) {}

    static async create(program: () => Promise<Record<string, unknown>>, options: BenchStackOptions = {}): Promise<BenchStack> {
        const test = await InlineStack.create(program, {
            config: { ...(options.endpoint ? { "esa:endpoint": options.endpoint } : {}), ...options.config },
            env: { ...emulatorCredentials(), ...options.env },
            projectName: "esa-bench",
            plugins: options.nativePlugin ? [{ name: "esa", path: NATIVE_PLUGIN_DIR }] : undefined,
        });
        // The Automation API stack itself: timed runs without the event capture.
        return new BenchStack(test, test.automation);
    }

    async up(options: { parallel?: number; refresh?: boolean } = {}): Promise<CommandTiming> {
        return this.timed(async (onOutput) => {
            const result: UpResult = await this.inner.up({ ...options, color: "never", onOutput });
            if (result.summary.result !== "succeeded") throw new Error(`pulumi up: ${result.summary.result}`);
            return (result.summary.resourceChanges ?? {}) as Record<string, number>;
        });
    }

    async preview(options: { refresh?: boolean; parallel?: number } = {}): Promise<CommandTiming> {
        return this.timed(async (onOutput) => {
            const result: PreviewResult = await this.inner.preview({ ...options, color: "never", onOutput });
            return result.changeSummary as Record<string, number>;
        });
    }

    async exportState(): Promise<any> {
        return this.test.exportState();
    }

    async dispose(): Promise<void> {
        await this.test.dispose();
    }

    private async timed(run: (onOutput: (s: string) => void) => Promise<Record<string, number>>): Promise<CommandTiming> {
        const chunks: string[] = [];
        const started = process.hrtime.bigint();
        try {
            const summary = await run((s) => chunks.push(s));
            return { ms: Number(process.hrtime.bigint() - started) / 1e6, summary };
        } catch (error: any) {
            throw new Error(`${chunks.join("").slice(-8_000)}\n${error?.message ?? error}`, { cause: error });
        }
    }
}
