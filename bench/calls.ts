/**
 * API calls per operation (issue item 1), counted from the emulator's request log while
 * the real engine runs a fleet of N deployments over R = N/2 routines:
 *
 *   up (create N) → preview (no-op) → preview --refresh → up changing K (one
 *   environment of K routines) → up changing K (both environments of K/2 routines) →
 *   up --refresh changing K (one environment of K routines)
 *
 * Floors: a no-op preview needs no call; a refresh one GetRoutine per routine (staging
 * and production come from the same answer); a change one CreateRoutineCodeDeployment
 * per changed resource. The lifecycle adds the read-after-write guard to every deployment, and
 * a pre-read (adoption) to a create; an update deploys from its recorded state. Reads of
 * a routine are shared within a provider process (`provider/deployment/shared-reads.ts`): a
 * refresh costs R, and a routine's two environments share a create's pre-read.
 *
 * The provider processes run with `bench/preload.js`, so each phase also says which
 * gRPC calls the provider served and whether it loaded the ESA SDK.
 *
 * `path` picks the provider: the dynamic-provider plugin (the main module's classes), or
 * the native plugin `bin/pulumi-resource-esa` (`esa-routine-deployment/native`), on the
 * same fleet, the same phases and a fresh emulator each; `bench/run.ts` runs both, and
 * the native path must make exactly the dynamic path's calls. After the creating `up`,
 * the state's bytes per deployment are measured too (`pulumi stack export`, as
 * `state-size.ts` cuts it), to set the two paths' states side by side.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startEmulator } from "../emulator";
import { newTraces, ProcessTrace, traceEnv } from "./provider-trace";
import { ROUTINE_CODE_DEPLOYMENT_TYPE } from "../sdk";
import { tokenOf } from "../provider/engine/shape";
import { BenchStack, FleetPlan, fleetProgram, fleetRoutines, nativeFleetProgram, SPLIT_A, SPLIT_B } from "./stacks";
import { exportText, KindSize, sizeOf } from "./state-size";
import { round, tally } from "./stats";

/** Which plugin serves the stack: the dynamic-provider plugin, or the native `pulumi-resource-esa`. */
export type ProviderPath = "dynamic" | "native";

/** The deployments' type token on each path. */
export const DEPLOYMENT_TYPE: Record<ProviderPath, string> = {
    dynamic: ROUTINE_CODE_DEPLOYMENT_TYPE,
    native: tokenOf("RoutineCodeDeployment"),
};

export interface CallPhase {
    phase: string;
    /** Engine steps (`create`, `update`, `same`, …), the Stack resource included. */
    steps: Record<string, number>;
    /** Requests the emulator received, per action. */
    calls: Record<string, number>;
    totalCalls: number;
    /** Requests answered with an error (none expected here: no faults, no rate limit). */
    failedCalls: number;
    /** Resources the phase deployed (created or updated). */
    changed: number;
    /** Routines the fleet spans. */
    routines: number;
    wallMs: number;
    /** The provider processes of the phase, from the preload. */
    providers: ProcessTrace[];
}

export interface CallsResult {
    /** Absent in results written before the native path was measured: the dynamic path. */
    path?: ProviderPath;
    n: number;
    routines: number;
    k: number;
    phases: CallPhase[];
    /**
     * The N deployments in `pulumi stack export` right after the creating `up`: mean bytes
     * per deployment, how many there are, and how many `__provider` lines they hold.
     */
    state?: KindSize & { count: number; providerLines: number };
}

export async function measureCalls(n = 100, k = 10, providerPath: ProviderPath = "dynamic"): Promise<CallsResult> {
    const routines = n / 2;
    const emulator = await startEmulator({ routines: fleetRoutines(n) });
    const traceDir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-bench-trace-"));
    const seen = new Set<string>();
    const changed = new Set<number>();
    const plan: FleetPlan = { n, splitOf: (i) => (changed.has(i) ? SPLIT_B : SPLIT_A) };
    const native = providerPath === "native";
    const stack = await BenchStack.create(native ? nativeFleetProgram(plan) : fleetProgram(plan), {
        endpoint: emulator.endpoint,
        env: traceEnv(traceDir),
        nativePlugin: native,
    });
    let state: CallsResult["state"];
    const phases: CallPhase[] = [];
    const run = async (phase: string, deployed: number, command: () => Promise<{ ms: number; summary: Record<string, number> }>) => {
        emulator.clearRequests();
        const { ms, summary } = await command();
        const counts = tally(emulator.requests());
        phases.push({
            phase,
            steps: summary,
            calls: emulator.countByAction(),
            totalCalls: emulator.requests().length,
            failedCalls: counts.throttled + counts.other,
            changed: deployed,
            routines,
            wallMs: round(ms, 0),
            providers: newTraces(traceDir, seen),
        });
    };
    // Resource indices: 2r is routine r's staging, 2r + 1 its production.
    const production = (routine: number) => 2 * routine + 1;
    try {
        await run(`up: create ${n}`, n, () => stack.up());
        state = sizeOf(exportText(stack), DEPLOYMENT_TYPE[providerPath]);
        await run("preview (no-op)", 0, () => stack.preview());
        await run("preview --refresh", 0, () => stack.preview({ refresh: true }));

        // K production environments of K distinct routines (routines 0, 5, 10, …).
        const stride = Math.floor(routines / k);
        for (let j = 0; j < k; j++) changed.add(production(j * stride));
        await run(`up: change ${k} (1 env of ${k} routines)`, k, () => stack.up());

        // Both environments of K/2 other routines (1, 6, 11, …): their pre-reads can be shared.
        for (let j = 0; j < k / 2; j++) changed.add(2 * (j * stride + 1)).add(production(j * stride + 1));
        await run(`up: change ${k} (2 envs of ${k / 2} routines)`, k, () => stack.up());

        // K more production environments (routines 2, 7, 12, …), with --refresh.
        for (let j = 0; j < k; j++) changed.add(production(j * stride + 2));
        await run(`up --refresh: change ${k} (1 env of ${k} routines)`, k, () => stack.up({ refresh: true }));
        return { path: providerPath, n, routines, k, phases, state };
    } finally {
        await stack.dispose();
        await emulator.close();
        fs.rmSync(traceDir, { recursive: true, force: true });
    }
}

if (require.main === module) {
    measureCalls(Number(process.argv[2] ?? 100), 10, process.argv[3] === "native" ? "native" : "dynamic").then((r) =>
        console.log(JSON.stringify(r, null, 2)),
    );
}
