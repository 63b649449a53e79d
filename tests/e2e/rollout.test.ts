/**
 * Progressive rollout (SPEC §10) end to end: the real Pulumi CLI, the dynamic provider in
 * its own process, the emulator's API and its edge (which answers each request from the
 * version the live split picks, with per-version behaviour set here).
 *
 * - continuous: a healthy candidate walked 10 → 50 → 100 % within one `up`, HTTP and
 *   command gates passing; the ESA calls per step and the hold's overshoot measured;
 * - a candidate answering 5xx: the HTTP gate fails, the split from before is restored,
 *   the `up` fails naming gate, step and what it saw; the next `up` does not start it
 *   again; `rollout.retry` does;
 * - stepwise: one step per bare `up`, nothing before the hold is over, the preview says
 *   when; a probe of the staging environment (GetRoutineStagingEnvIp, Host header);
 * - a change made elsewhere during the hold stops the walk and is left in place.
 */
import { strict as assert } from "assert";
import { Emulator, startEmulator } from "../../emulator";
import { RoutineCodeDeployment } from "../../sdk";
import { asSet, diagnostics, emulatorCredentials, liveSplit, steps, TestStack, waitFor } from "./harness";

const A = "1723599747213377175";
const B = "1723599747213377176";
const C = "1723599747213377177";
const only = (v: string) => [{ codeVersion: v, percentage: 100 }];
const split = (a: string, pa: number, b: string, pb: number) => [
    { codeVersion: a, percentage: pa },
    { codeVersion: b, percentage: pb },
];

describe("e2e: progressive rollout through the real CLI against the emulator's edge", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    const stacks: TestStack[] = [];

    before(async () => {
        emulator = await startEmulator({ routines: { "walk-edge": [A, B, C], "step-edge": [A, B], "drift-edge": [A, B] } });
        assert.ok(emulator.edgeUrl, "the emulator serves an edge");
    });
    after(async () => {
        for (const stack of stacks) await stack.dispose();
        await emulator?.close();
    });

    /** A stack whose program declares `state.production` (and `state.staging` when set) for `routine`. */
    async function stackFor(routine: string, state: { production: any; staging?: any }): Promise<TestStack> {
        const stack = await TestStack.create(
            async () => {
                const staging =
                    state.staging && new RoutineCodeDeployment("staging", { name: routine, env: "staging", codeVersions: state.staging });
                const production = new RoutineCodeDeployment(
                    "production",
                    { name: routine, env: "production", ...state.production },
                    { dependsOn: staging ? [staging] : [] },
                );
                return { codeVersions: production.codeVersions, rolloutState: production.rolloutState };
            },
            { config: { "esa:endpoint": emulator.endpoint }, env: emulatorCredentials(), projectName: `rollout-${routine}` },
        );
        stacks.push(stack);
        return stack;
    }

    const host = (routine: string) => ({ Host: `${routine}.example.test` });

    describe("continuous: the whole walk within one `up`", () => {
        const routine = "walk-edge";
        const state: { production: any } = { production: { codeVersions: only(A) } };
        let stack: TestStack;
        const rollout = (extra: Record<string, unknown> = {}) => ({
            steps: [10, 50],
            bakeSeconds: 1,
            gates: [
                {
                    name: "edge-health",
                    // 100 samples: a candidate at 10 % answers none of them in only 0.9^100 ≈ 3e-5 of
                    // runs (with 20, 12 % of runs would pass step 1 and fail only at step 2).
                    http: { url: `${emulator.edgeUrl}/health`, headers: host(routine), samples: 100, expectBody: routine },
                },
                {
                    name: "facts",
                    command: `test "$ESA_ROLLOUT_ROUTINE/$ESA_ROLLOUT_ENV" = "${routine}/production" && test -n "$ESA_ROLLOUT_CANDIDATE"`,
                },
            ],
            ...extra,
        });

        before(async () => {
            stack = await stackFor(routine, state);
            await stack.up();
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(A)));
        });

        it("previews the steps to come, then walks a healthy candidate 10 → 50 → 100 % in one `up`, 3 ESA calls per step, holds honoured to well within a second", async () => {
            state.production = { codeVersions: only(B), rollout: rollout() };
            const preview = await stack.preview();
            assert.equal(preview.changeSummary.update, 1, JSON.stringify(preview.changeSummary));
            assert.ok(
                diagnostics(preview).some(
                    (m) =>
                        m.includes(`rollout of ${B}`) &&
                        m.includes("10% (hold 1 s) → 50% (hold 1 s) → 100%") &&
                        m.includes("gates edge-health, facts"),
                ),
                preview.output,
            );

            emulator.clearRequests();
            emulator.clearEdgeCounts();
            const up = await stack.up();
            const calls = emulator.countByAction();
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(B)));
            assert.equal(up.outputs.rolloutState.status, "succeeded");
            assert.deepEqual(up.outputs.codeVersions, only(B));
            assert.equal(calls.CreateRoutineCodeDeployment, 3, JSON.stringify(calls));
            assert.equal(calls.GetRoutine, 6, `per step: a fresh read before it and a read-after-write; ${JSON.stringify(calls)}`);
            // The probes reached both versions while they shared traffic.
            const served = emulator.edgeCounts()[routine]?.production ?? {};
            assert.ok((served[B]?.requests ?? 0) > 0 && (served[A]?.requests ?? 0) > 0, JSON.stringify(served));

            const history = up.outputs.rolloutState.history as { candidatePercentage: number; bakedMs?: number; bakeSeconds: number }[];
            assert.deepEqual(
                history.map((h) => h.candidatePercentage),
                [10, 50, 100],
            );
            const overshoots = history.filter((h) => h.bakedMs !== undefined).map((h) => h.bakedMs! - h.bakeSeconds * 1000);
            assert.equal(overshoots.length, 2);
            for (const overshoot of overshoots) assert.ok(overshoot >= 0 && overshoot < 1000, `hold overshoot ${overshoot} ms`);
            console.log(`      hold overshoot per step: ${overshoots.join(", ")} ms; ESA calls for 3 steps: ${JSON.stringify(calls)}`);
        });

        it("a candidate answering 5xx fails the HTTP gate: the split from before is restored and the `up` fails naming gate, step and what it saw", async () => {
            emulator.setVersionBehaviour(routine, C, { errorRate: 1 });
            state.production = { codeVersions: only(C), rollout: rollout() };
            const error: any = await stack.up().then(
                () => assert.fail("the up must fail"),
                (e) => e,
            );
            assert.match(
                error.message,
                new RegExp(`Rollout of ${C} to routine "${routine}" \\(production\\) failed at step 1/3 \\(${C} at 10%\\)`),
            );
            assert.match(error.message, new RegExp(`gate "edge-health" failed: .*status 500 from version ${C}`));
            assert.match(error.message, new RegExp(`Restored ${B}: 100%`));
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(B)));

            const [resource] = await stack.deployments();
            assert.deepEqual(resource.outputs.codeVersions, only(B), "the state says what is live");
            assert.equal(resource.outputs.rolloutState.status, "failed");
            assert.equal(resource.outputs.rolloutState.failedCandidate, C);
        });

        it("the next `up` does not start the failed rollout again; a new rollout.retry does", async () => {
            const deployments = emulator.countByAction().CreateRoutineCodeDeployment;
            // The engine runs an update of a resource whose last update failed; the rollout makes it deploy nothing.
            const again = await stack.up();
            assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, deployments, "nothing deployed");
            assert.ok(
                diagnostics(again, "warning").some((m) => m.includes(`rollout of ${C}`) && m.includes("not started again")),
                again.output,
            );
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(B)));

            emulator.setVersionBehaviour(routine, C, undefined);
            state.production = { codeVersions: only(C), rollout: rollout({ retry: "fixed-upstream" }) };
            const retried = await stack.up();
            assert.equal(retried.outputs.rolloutState.status, "succeeded");
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(C)));
        });
    });

    describe("stepwise: one step per bare `up`", () => {
        const routine = "step-edge";
        const state: { production: any; staging?: any } = { production: { codeVersions: only(A) }, staging: only(B) };
        let stack: TestStack;

        before(async () => {
            stack = await stackFor(routine, state);
            await stack.up();
        });

        it("the first `up` moves to the first step; a bare `up` before the hold is over changes nothing and the preview says from when; then one step per `up`", async () => {
            state.production = {
                codeVersions: only(B),
                rollout: {
                    steps: [50],
                    // Long enough for a preview and a bare \`up\` to run within it on a busy machine.
                    bakeSeconds: 15,
                    mode: "stepwise",
                    // The candidate on staging answers before production gets more of it.
                    gates: [
                        {
                            name: "staging-probe",
                            http: {
                                url: `http://${routine}.example.test:${new URL(emulator.edgeUrl!).port}/`,
                                target: "staging",
                                samples: 5,
                                expectBody: B,
                            },
                        },
                    ],
                },
            };
            const first = await stack.up();
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(split(A, 50, B, 50)));
            const recorded = first.outputs.rolloutState;
            assert.equal(recorded.status, "in-progress");
            assert.equal(recorded.step, 1);
            assert.equal(recorded.steps, 2);
            assert.equal(Date.parse(recorded.nextAt) - Date.parse(recorded.since), 15_000);

            const preview = await stack.preview();
            assert.deepEqual(preview.changeSummary, { same: 3 }, preview.output);
            assert.ok(
                diagnostics(preview).some((m) => m.includes(`holds until ${recorded.nextAt}`) && m.includes(`move ${B} to 100%`)),
                preview.output,
            );
            const early = await stack.up();
            assert.ok(steps(early).every((s) => s.op === "same"));
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(split(A, 50, B, 50)));

            await waitFor("the hold to pass", () => Date.now() >= Date.parse(recorded.nextAt), 30_000);
            emulator.clearRequests();
            const second = await stack.up();
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(only(B)));
            assert.equal(second.outputs.rolloutState.status, "succeeded");
            const probe = second.outputs.rolloutState.gates[0];
            assert.equal(probe.passed, true, probe.detail);
            assert.match(probe.detail, /staging address 127\.0\.0\.2/);
            // One step of a stepwise rollout: a read, the staging address for the probe, the deployment and its read-after-write.
            assert.deepEqual(emulator.countByAction(), { GetRoutine: 2, GetRoutineStagingEnvIp: 1, CreateRoutineCodeDeployment: 1 });
            assert.ok((emulator.edgeCounts()[routine]?.staging?.[B]?.requests ?? 0) >= 5, JSON.stringify(emulator.edgeCounts()));
        });
    });

    describe("a change made elsewhere during the rollout", () => {
        const routine = "drift-edge";
        const state: { production: any } = { production: { codeVersions: only(A) } };
        let stack: TestStack;

        before(async () => {
            stack = await stackFor(routine, state);
            await stack.up();
        });

        it("stops the walk, leaves that change in place, fails the `up` saying so and records what is live", async () => {
            state.production = { codeVersions: only(B), rollout: { steps: [10, 50], bakeSeconds: 3 } };
            emulator.clearRequests();
            const run = stack.up().then(
                () => undefined,
                (e: Error) => e,
            );
            // The first step is live and read back (so the change lands during its hold, not before its read-after-write guard).
            await waitFor(
                "the first step to go live and be confirmed",
                () => {
                    const requests = emulator.requests();
                    const deployed = requests.findIndex((r) => r.action === "CreateRoutineCodeDeployment");
                    return deployed >= 0 && requests.slice(deployed + 1).some((r) => r.action === "GetRoutine");
                },
                60_000,
            );
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(split(A, 90, B, 10)));
            emulator.setDeployment(routine, "production", split(A, 70, B, 30));
            const error = await run;
            assert.ok(error instanceof Error, "the up must fail");
            assert.match(error.message, /was changed elsewhere during the rollout/);
            assert.match(error.message, new RegExp(`${A}: 70%, ${B}: 30%`));
            assert.deepEqual(liveSplit(emulator, routine, "production"), asSet(split(A, 70, B, 30)));
            const [resource] = await stack.deployments();
            assert.equal(resource.outputs.rolloutState.status, "stopped");
            assert.deepEqual(asSet(resource.outputs.codeVersions), asSet(split(A, 70, B, 30)));
        });
    });
});
