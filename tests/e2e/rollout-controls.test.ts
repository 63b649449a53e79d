/**
 * A rollout's emergency controls and interruptions, end to end through the real CLI:
 *
 * - a stepwise rollout whose command gate fails at step 2: rolled back, the gate's output
 *   shown; `esa-routine-deployment rollout promote` (the CLI shipped with the package)
 *   ships the candidate anyway on the next `up`; a new candidate's rollout is ended by
 *   `rollout abort`, settling on the split from before as the recorded truth;
 * - `pulumi up` SIGKILLed (CLI and provider) while a step holds: the next `up` finds that
 *   step live, resumes there and completes the walk, deploying no step twice.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { Emulator, startEmulator } from "../../emulator";
import { RoutineCodeDeployment } from "../../sdk";
import {
    asSet,
    diagnostics,
    emulatorCredentials,
    liveSplit,
    PASSPHRASE,
    pulumiBinDir,
    repoRoot,
    StackProcess,
    steps,
    TestStack,
    waitFor,
} from "./harness";

const A = "1723599747213377175";
const B = "1723599747213377176";
const C = "1723599747213377177";
const only = (v: string) => [{ codeVersion: v, percentage: 100 }];
const split = (a: string, pa: number, b: string, pb: number) => [
    { codeVersion: a, percentage: pa },
    { codeVersion: b, percentage: pb },
];
const execFileAsync = promisify(execFile);

describe("e2e: rollout controls and interruptions", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    const stacks: TestStack[] = [];

    before(async () => {
        emulator = await startEmulator({ routines: { "ctl-edge": [A, B, C], "kill-edge": [A, B] } });
    });
    after(async () => {
        for (const stack of stacks) {
            for (const p of stack.processes()) kill(p);
            await stack.dispose();
        }
        await emulator?.close();
    });

    async function stackFor(routine: string, state: { production: any }): Promise<TestStack> {
        const stack = await TestStack.create(
            async () => {
                const production = new RoutineCodeDeployment("production", { name: routine, env: "production", ...state.production });
                return { codeVersions: production.codeVersions, rolloutState: production.rolloutState };
            },
            { config: { "esa:endpoint": emulator.endpoint }, env: emulatorCredentials(), projectName: `rollout-${routine}` },
        );
        stacks.push(stack);
        return stack;
    }

    /** The package's CLI (`npx esa-routine-deployment …`), run in the stack's project as a pipeline step would. */
    async function cli(stack: TestStack, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
        return execFileAsync(process.execPath, [path.join(repoRoot, "dist/provider/cli/main.js"), ...args, "--stack", "test"], {
            cwd: stack.projectDir,
            env: {
                ...process.env,
                PATH: `${pulumiBinDir()}${path.delimiter}${process.env.PATH}`,
                PULUMI_HOME: stack.homeDir,
                PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
                PULUMI_SKIP_UPDATE_CHECK: "true",
            },
        });
    }

    describe("finish-now and abort, from a pipeline", () => {
        const routine = "ctl-edge";
        const state: { production: any } = { production: { codeVersions: only(A) } };
        let stack: TestStack;
        const rollout = {
            steps: [10, 50],
            bakeSeconds: 1,
            mode: "stepwise",
            gates: [
                {
                    name: "error-budget",
                    command:
                        'echo "step $ESA_ROLLOUT_STEP: $ESA_ROLLOUT_CANDIDATE at $ESA_ROLLOUT_CANDIDATE_PERCENTAGE%"; test "$ESA_ROLLOUT_STEP" -lt 2',
                },
            ],
        };
        const afterHold = async () => {
            const [resource] = await stack.deployments();
            const nextAt = Date.parse(resource.outputs.rolloutState.nextAt);
            await waitFor("the hold to pass", () => Date.now() >= nextAt, 10_000);
        };

        before(async () => {
            stack = await stackFor(routine, state);
            await stack.up();
        });

        it("a command gate failing at step 2 rolls back and shows its output; `rollout status` tells where it stands", async () => {
            state.production = { codeVersions: only(B), rollout };
            await stack.up();
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(split(A, 90, B, 10)));
            const status = await cli(stack, "rollout", "status");
            assert.match(
                status.stdout,
                new RegExp(`production \\(${routine}:production\\): in-progress, candidate ${B} at 10%, stable ${A}`),
            );
            assert.match(status.stdout, /step 1\/3 since .* \(stepwise\); moves on from /);

            await afterHold();
            await stack.up();
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(split(A, 50, B, 50)));

            await afterHold();
            const error: any = await stack.up().then(
                () => assert.fail("the up must fail"),
                (e) => e,
            );
            assert.match(error.message, /failed at step 2\/3/);
            assert.match(error.message, new RegExp(`gate "error-budget" failed: .* exited 1; output: step 2: ${B} at 50%`));
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(A)));
        });

        it("`rollout promote` ships the failed candidate anyway on the next `up`, skipping the remaining steps and gates", async () => {
            const promote = await cli(stack, "rollout", "promote");
            assert.match(promote.stdout, new RegExp(`Set esa:rolloutAction to promote:${B}`));
            const up = await stack.up();
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(B)));
            assert.equal(up.outputs.rolloutState.status, "succeeded");
            assert.equal(up.outputs.rolloutState.action, "promote");
            await cli(stack, "rollout", "clear");
        });

        it("`rollout abort` ends a new candidate's rollout on the split from before, recorded as the truth: later `up`s change nothing", async () => {
            state.production = { codeVersions: only(C), rollout };
            await stack.up();
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(split(B, 90, C, 10)));

            const abort = await cli(stack, "rollout", "abort");
            assert.match(abort.stdout, new RegExp(`Set esa:rolloutAction to abort:${C}`));
            const aborted = await stack.up();
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(B)));
            assert.equal(aborted.outputs.rolloutState.status, "aborted");
            assert.deepEqual(aborted.outputs.codeVersions, only(B));

            const deployments = emulator.countByAction().CreateRoutineCodeDeployment;
            const settled = await stack.up();
            assert.deepEqual(
                steps(settled).map((s) => s.op),
                ["same"],
            );
            assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, deployments);
            assert.ok(
                diagnostics(settled, "warning").some((m) => m.includes("aborted")),
                settled.output,
            );
        });
    });

    describe("SIGKILL mid-hold", () => {
        const routine = "kill-edge";
        const state: { production: any } = { production: { codeVersions: only(A) } };
        let stack: TestStack;

        before(async () => {
            stack = await stackFor(routine, state);
            await stack.up();
        });

        it("the next `up` recognises the live split as a step of the rollout, resumes there and completes it, deploying no step twice", async () => {
            state.production = { codeVersions: only(B), rollout: { steps: [10, 50], bakeSeconds: 2 } };
            emulator.clearRequests();
            const run = stack.up().then(
                () => undefined,
                (e: Error) => e,
            );
            await waitFor(
                "the first step to go live",
                () => JSON.stringify(liveSplit(emulator, routine, "production")) === JSON.stringify(asSet(split(A, 90, B, 10))),
                60_000,
            );
            // As a CI runner cancelling the job: the CLI and the provider, at once, mid-hold.
            for (const p of stack.processes()) kill(p);
            assert.ok((await run) instanceof Error, "the killed up fails");
            await waitFor("the killed processes to be gone", () => stack.processes().length === 0, 10_000);
            assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 1);
            await stack.cancel();

            const resumed = await stack.up();
            assert.ok(
                diagnostics(resumed).some((m) => m.includes("step 1/3") && m.includes("resuming")),
                resumed.output,
            );
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(B)));
            assert.equal(resumed.outputs.rolloutState.status, "succeeded");
            assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 3, "steps 10 %, 50 %, 100 %: each deployed once");
        });
    });
});

function kill(p: StackProcess): void {
    try {
        process.kill(p.pid, "SIGKILL");
    } catch {
        // Already gone.
    }
}
