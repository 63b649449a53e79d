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
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startEmulator } from "../emulator";
import { newTraces, ProcessTrace, traceEnv } from "./provider-trace";
import { BenchStack, FleetPlan, fleetProgram, fleetRoutines, SPLIT_A, SPLIT_B } from "./stacks";
import { round, tally } from "./stats";

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
    n: number;
    routines: number;
    k: number;
    phases: CallPhase[];
}

export async function measureCalls(n = 100, k = 10): Promise<CallsResult> {
    const routines = n / 2;
    const emulator = await startEmulator({ routines: fleetRoutines(n) });
    const traceDir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-bench-trace-"));
    const seen = new Set<string>();
    const changed = new Set<number>();
    const plan: FleetPlan = { n, splitOf: (i) => (changed.has(i) ? SPLIT_B : SPLIT_A) };
    const stack = await BenchStack.create(fleetProgram(plan), { endpoint: emulator.endpoint, env: traceEnv(traceDir) });
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
        return { n, routines, k, phases };
    } finally {
        await stack.dispose();
        await emulator.close();
        fs.rmSync(traceDir, { recursive: true, force: true });
    }
}

if (require.main === module) {
    measureCalls().then((r) => console.log(JSON.stringify(r, null, 2)));
}
