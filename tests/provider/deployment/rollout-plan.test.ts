/**
 * The step planner (SPEC §10), by property: for any live split, any declared target and
 * any steps, every split the walk sets is valid under SPEC §2 (checked by the same
 * validation `check` runs), the walk ends at the target, and the candidate's share only
 * grows on the way.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { locate, planRollout } from "../../../provider/deployment/rollout/plan";
import { RolloutStep } from "../../../provider/deployment/rollout/types";
import { sameSplit } from "../../../provider/deployment/split";
import { CodeVersionSplit } from "../../../provider/deployment/types";
import { checkInputs } from "../../../provider/deployment/check";

const VERSIONS = ["1723599747213377175", "1723599747213377176", "1723599747213377177", "1723599747213377178", "42"];

/** A split valid under SPEC §2: one version at 100, or two distinct versions adding up to 100. */
const split: fc.Arbitrary<CodeVersionSplit[]> = fc.oneof(
    fc.constantFrom(...VERSIONS).map((v) => [{ codeVersion: v, percentage: 100 }]),
    fc
        .tuple(fc.uniqueArray(fc.constantFrom(...VERSIONS), { minLength: 2, maxLength: 2 }), fc.integer({ min: 1, max: 99 }))
        .map(([[a, b], p]) => [
            { codeVersion: a, percentage: p },
            { codeVersion: b, percentage: 100 - p },
        ]),
);

const steps: fc.Arbitrary<RolloutStep[]> = fc
    .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 })
    .chain((percentages) =>
        fc.tuple(
            ...percentages
                .sort((a, b) => a - b)
                .map((p) => fc.integer({ min: 0, max: 600 }).map((bakeSeconds) => ({ percentage: p, bakeSeconds }))),
        ),
    );

const share = (s: readonly CodeVersionSplit[], v: string) => s.find((e) => e.codeVersion === v)?.percentage ?? 0;

describe("rollout step planner (property-based)", () => {
    it("any live split, any target, any steps: every planned split is valid, the walk ends at the target, the candidate's share only grows", () => {
        fc.assert(
            fc.property(split, split, steps, (from, target, declared) => {
                const plan = planRollout(from, target, declared);
                if (sameSplit(from, target)) {
                    assert.equal(plan, undefined);
                    return;
                }
                assert.ok(plan);
                let previous = share(from, plan.candidate);
                plan.steps.forEach((step, index) => {
                    assert.equal(step.step, index + 1);
                    const { failures } = checkInputs({ name: "r", env: "production", codeVersions: step.split });
                    assert.deepEqual(failures, [], `step ${step.step} ${JSON.stringify(step.split)} is not a valid split`);
                    assert.equal(share(step.split, plan.candidate), step.candidatePercentage);
                    assert.ok(step.candidatePercentage > previous, `the candidate goes from ${previous}% to ${step.candidatePercentage}%`);
                    previous = step.candidatePercentage;
                    // No version that was not live gets traffic before the last step, except the candidate.
                    if (index < plan.steps.length - 1) {
                        for (const e of step.split) assert.ok(e.codeVersion === plan.candidate || share(from, e.codeVersion) > 0);
                    }
                });
                assert.ok(sameSplit(plan.steps[plan.steps.length - 1].split, target), "the walk ends at the target");
                // Each planned split is found again as that step (how a resumed run knows where it is).
                for (const step of plan.steps) assert.equal(locate(plan, from, step.split), step.step);
                assert.equal(locate(plan, from, from), 0);
            }),
            { numRuns: 2000 },
        );
    });

    it("walks the declared steps between the live share and the target; a step at the target's share holds and gates the last split", () => {
        const A = VERSIONS[0];
        const B = VERSIONS[1];
        const plan = planRollout(
            [{ codeVersion: A, percentage: 100 }],
            [{ codeVersion: B, percentage: 100 }],
            [
                { percentage: 10, bakeSeconds: 60 },
                { percentage: 50, bakeSeconds: 120 },
                { percentage: 100, bakeSeconds: 30 },
            ],
        )!;
        assert.equal(plan.candidate, B);
        assert.equal(plan.stable, A);
        assert.deepEqual(
            plan.steps.map((s) => [s.candidatePercentage, s.bakeSeconds, s.verify]),
            [
                [10, 60, true],
                [50, 120, true],
                [100, 30, true],
            ],
        );
        // Without a final step, the target is set and the rollout is done.
        const short = planRollout(
            [{ codeVersion: A, percentage: 100 }],
            [{ codeVersion: B, percentage: 100 }],
            [{ percentage: 10, bakeSeconds: 60 }],
        )!;
        assert.deepEqual(
            short.steps.map((s) => [s.candidatePercentage, s.verify]),
            [
                [10, true],
                [100, false],
            ],
        );
        // Already at 30 %: the 10 % step is behind, so the walk goes 50 → 100.
        const resumed = planRollout(
            [
                { codeVersion: A, percentage: 70 },
                { codeVersion: B, percentage: 30 },
            ],
            [{ codeVersion: B, percentage: 100 }],
            [
                { percentage: 10, bakeSeconds: 1 },
                { percentage: 50, bakeSeconds: 1 },
            ],
        )!;
        assert.deepEqual(
            resumed.steps.map((s) => s.candidatePercentage),
            [50, 100],
        );
    });
});
