/**
 * A rollout interrupted as pipelines interrupt it, through the real CLI with real SIGKILLs
 * (file backend), against the emulator:
 * - the whole process tree killed while a failing candidate's step 1 is live, then the
 *   README's recovery (`pulumi cancel`, then `up --refresh`, or `refresh` then `up`): the
 *   rerun holds step 1 again, its gate fails, and the split from before the rollout is
 *   restored, never the half-way one; the next run leaves it so;
 * - the CLI alone killed (`timeout -s KILL pulumi up`): the dynamic-provider plugin lives
 *   on as an orphan, and must stop at its next safe point instead of deploying the next
 *   step with no engine to record it; the next `up` goes on from what serves;
 * - after a killed `up`, a plain `up` is refused by the stack's lock, as the README says.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator, startEmulator } from "../../emulator";
import { RoutineCodeDeployment } from "../../sdk";
import { asSet, diagnostics, emulatorCredentials, kill, liveSplit, StackProcess, TestStack, waitFor } from "./harness";

const A = "1723599747213377175";
const B = "1723599747213377176";
const only = (v: string) => [{ codeVersion: v, percentage: 100 }];
const split = (a: string, pa: number, b: string, pb: number) => [
    { codeVersion: a, percentage: pa },
    { codeVersion: b, percentage: pb },
];

describe("e2e: a rollout killed mid-walk, then what a pipeline runs next", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    const stacks: TestStack[] = [];

    before(async () => {
        emulator = await startEmulator({
            routines: { "kill-tree": [A, B], "kill-refresh": [A, B], "kill-cli": [A, B], "kill-gate": [A, B] },
        });
    });
    after(async () => {
        for (const stack of stacks) {
            for (const p of stack.processes()) kill(p);
            await stack.dispose();
        }
        await emulator?.close();
    });

    /** A stack serving A in production, whose program then declares B with `rollout`. */
    async function rolloutStack(routine: string, rollout: Record<string, unknown>): Promise<TestStack> {
        const declared: { production: any } = { production: { codeVersions: only(A) } };
        const stack = await TestStack.create(
            async () => {
                const production = new RoutineCodeDeployment("production", { name: routine, env: "production", ...declared.production });
                return { codeVersions: production.codeVersions, rolloutState: production.rolloutState };
            },
            { config: { "esa:endpoint": emulator.endpoint }, env: emulatorCredentials(), projectName: `interrupted-${routine}` },
        );
        stacks.push(stack);
        await stack.up();
        declared.production = { codeVersions: only(B), rollout };
        return stack;
    }

    const deployments = (routine: string) =>
        emulator.requests().filter((r) => r.action === "CreateRoutineCodeDeployment" && r.params.Name === routine).length;

    /** Starts `up` and waits until `live` serves; the run is still going (holding). */
    async function upUntilLive(stack: TestStack, routine: string, live: { codeVersion: string; percentage: number }[]) {
        const run = stack.up().then(
            () => undefined,
            (error: Error) => error,
        );
        await waitFor(
            `${JSON.stringify(live)} to serve`,
            () => JSON.stringify(liveSplit(emulator, routine, "production")) === JSON.stringify(asSet(live)),
            120_000,
        );
        // Wrapped: an async function returning the promise itself would wait for the run.
        return { run };
    }

    /** As `timeout -s KILL pulumi up`: the CLI only, its plugins left running. */
    async function killCliAlone(stack: TestStack, run: Promise<unknown>): Promise<void> {
        const cli = stack.processes().find((p) => path.basename(p.argv[0]) === "pulumi" && p.argv.includes("up"));
        assert.ok(cli, JSON.stringify(stack.processes()));
        kill(cli);
        await run;
    }

    /** The dynamic-provider plugin, however Pulumi started it. */
    const isProvider = (p: StackProcess) =>
        p.argv.some((a) => a.includes("dynamic-provider") || a.includes("pulumi-resource-pulumi-nodejs"));

    const failing = { steps: [25, 75], bakeSeconds: 20, gates: [{ name: "smoke", command: "echo 'p99 too high'; exit 1" }] };

    it("whole tree killed at step 1 of a failing candidate; `cancel`, then `up --refresh`: step 1 held again, gate fails, the split from before is restored", async () => {
        const routine = "kill-tree";
        const stack = await rolloutStack(routine, failing);
        const { run } = await upUntilLive(stack, routine, split(A, 75, B, 25));
        for (const p of stack.processes()) kill(p);
        assert.ok((await run) instanceof Error, "the killed `up` fails");
        await waitFor("the killed processes to be gone", () => stack.processes().length === 0, 10_000);
        const before = deployments(routine);

        // The lock the killed run left refuses the next `up` until `pulumi cancel`.
        await assert.rejects(stack.up({ refresh: true }), /currently locked/);
        await stack.cancel();

        const rerun = await stack.up({ refresh: true }).then(
            () => assert.fail("the rerun must fail: the candidate fails its gate"),
            (error: Error) => error,
        );
        assert.match(String(rerun), /gate "smoke" failed/);
        assert.match(String(rerun), new RegExp(`Restored ${A}: 100%`));
        assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(A)), "the split from before the rollout serves");
        assert.equal(
            deployments(routine) - before,
            1,
            "step 1 held again, not deployed again, and never 75 %: the restore is the one deployment",
        );
        const [resource] = await stack.deployments();
        assert.equal(resource.outputs.rolloutState.status, "failed");
        assert.deepEqual(asSet(resource.outputs.rolloutState.from), asSet(only(A)));
        assert.deepEqual(asSet(resource.outputs.codeVersions), asSet(only(A)));

        // The next pipeline run changes nothing and says why.
        const next = await stack.up({ refresh: true });
        assert.equal(deployments(routine) - before, 1);
        assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(A)));
        assert.ok(
            diagnostics(next).some((m) => m.includes("failed and is not started again")),
            next.output,
        );
        // A refresh tells the same, never a new rollout's plan.
        const refresh = await stack.refresh();
        assert.ok(!refresh.output.includes(`rollout of ${B} from`), refresh.output);
    });

    it("whole tree killed at step 1; `cancel`, `refresh`, then `up`: the same", async () => {
        const routine = "kill-refresh";
        const stack = await rolloutStack(routine, failing);
        const { run } = await upUntilLive(stack, routine, split(A, 75, B, 25));
        for (const p of stack.processes()) kill(p);
        await run;
        await waitFor("the killed processes to be gone", () => stack.processes().length === 0, 10_000);
        const before = deployments(routine);

        await stack.cancel();
        await stack.refresh();
        const preview = await stack.preview();
        assert.ok(
            diagnostics(preview).some((m) => m.includes("is step 1/3 of the rollout") && m.includes(`a failed gate restores ${A}: 100%`)),
            preview.output,
        );
        await assert.rejects(stack.up(), /gate "smoke" failed/);
        assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(A)));
        assert.equal(deployments(routine) - before, 1);
    });

    it("the CLI alone killed during a hold: the orphaned provider deploys nothing more and exits; the next `up` goes on from what serves", async () => {
        const routine = "kill-cli";
        const stack = await rolloutStack(routine, { steps: [25, 75], bakeSeconds: 4, gates: [{ name: "smoke", command: "true" }] });
        const { run } = await upUntilLive(stack, routine, split(A, 75, B, 25));
        await killCliAlone(stack, run);
        assert.ok(stack.processes().some(isProvider), "the provider outlives its CLI");

        // Well past the hold (4 s) and the next safe point: nothing more deployed, the orphan gone.
        await waitFor("the orphaned provider to exit", () => !stack.processes().some(isProvider), 30_000);
        assert.deepEqual(
            liveSplit(emulator, routine, "production"),
            asSet(split(A, 75, B, 25)),
            "step 2 was not deployed without an engine",
        );
        for (const p of stack.processes()) kill(p);

        await stack.cancel();
        const before = deployments(routine);
        const up = await stack.up();
        assert.equal(up.outputs.rolloutState.status, "succeeded");
        assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(B)));
        assert.equal(deployments(routine) - before, 2, "step 1 held again (not redeployed), then 75 % and 100 %");
    });

    it("the CLI alone killed during a failing gate: the orphaned provider rolls back, then exits instead of lingering", async () => {
        const routine = "kill-gate";
        const marker = path.join(os.tmpdir(), `esa-gate-started-${process.pid}`);
        const stack = await rolloutStack(routine, {
            steps: [25, 75],
            bakeSeconds: 1,
            gates: [{ name: "slow-smoke", command: `touch ${JSON.stringify(marker)}; sleep 5; exit 1`, timeoutSeconds: 30 }],
        });
        const { run } = await upUntilLive(stack, routine, split(A, 75, B, 25));
        await waitFor("the gate to start", () => fs.existsSync(marker), 30_000);
        await killCliAlone(stack, run);
        // The gate fails 5 s in; the rollback takes the candidate off; then the process ends.
        await waitFor("the orphaned provider to exit", () => !stack.processes().some(isProvider), 40_000);
        assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(A)), "the failing candidate was taken off");
        fs.rmSync(marker, { force: true });
    });
});
