/**
 * Cancel and `customTimeouts` on the native path (`provider/engine/cancel`): a request
 * reaches only the operations in flight (the engine also sends Cancel at every normal
 * shutdown), and a walking rollout stops at its next safe point, its state recording what
 * serves and where it stands, so that the next `up` goes on from there.
 */
import { strict as assert } from "assert";
import { createProvider } from "../../../provider";
import { checkInputs } from "../../../provider/deployment/check";
import { cancelInFlight, stoppable, stopRequested } from "../../../provider/engine/cancel";
import { fakeClock, MemoryEsa } from "../../support/memory-esa";

const A = "1723599747213377175";
const B = "1723599747213377176";

describe("native plugin: Cancel and customTimeouts", () => {
    it("a Cancel when nothing runs (a normal shutdown) stops nothing later", async () => {
        assert.equal(cancelInFlight(), 0);
        assert.equal(await stoppable(undefined, async () => stopRequested()), undefined);
    });

    it("a Cancel reaches the operations in flight, not the ones that start after it", async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const running = stoppable(undefined, async () => {
            await gate;
            return stopRequested();
        });
        assert.equal(cancelInFlight(), 1);
        release();
        assert.match(String(await running), /cancelled/);
        assert.equal(await stoppable(undefined, async () => stopRequested()), undefined);
    });

    it("an operation past its customTimeouts is asked to stop", async () => {
        assert.equal(await stoppable(0, async () => stopRequested()), undefined);
        assert.match(String(await stoppable(5, async () => stopRequested(Date.now() + 6_000))), /customTimeouts \(5 s\) ran out/);
    });

    it("a rollout cancelled during a hold stops there, recording the live step as in progress; the next update goes on to the target", async () => {
        const esa = new MemoryEsa().addRoutine("hello");
        esa.deployOutOfBand("hello", "production", [{ codeVersion: A, percentage: 100 }]);
        const clock = fakeClock(Date.parse("2026-01-01T00:00:00Z"));
        let cancelled = false;
        // The engine's Cancel comes during the first slice of step 1's hold.
        const sleep = clock.sleep;
        clock.sleep = async (ms: number) => {
            if (!cancelled) cancelled = cancelInFlight() > 0;
            return sleep(ms);
        };
        const provider = createProvider({ apiFactory: () => esa, clock, env: {}, log: () => {} });
        const inputs = (codeVersion: string, rollout?: object) =>
            checkInputs({
                name: "hello",
                env: "production",
                codeVersions: [{ codeVersion, percentage: 100 }],
                ...(rollout ? { rollout } : {}),
            }).inputs;
        const olds = { ...inputs(A), deploymentId: "1" };
        const news = inputs(B, { steps: [25, 75], bakeSeconds: 60 });

        const failure: any = await stoppable(undefined, () => provider.update("hello:production", olds, news)).then(
            () => assert.fail("the cancelled update must fail"),
            (error) => error,
        );
        assert.ok(cancelled);
        assert.match(failure.message, /stopped during the hold of step 1\/3: the run was cancelled/);
        const state = failure.properties;
        assert.deepEqual(state.codeVersions, [
            { codeVersion: A, percentage: 75 },
            { codeVersion: B, percentage: 25 },
        ]);
        assert.equal(state.rolloutState.status, "in-progress");
        assert.equal(state.rolloutState.step, 1);
        assert.equal(esa.calls.filter((c) => c.action === "CreateRoutineCodeDeployment").length, 1, "nothing deployed after the cancel");

        const { outs } = await stoppable(undefined, () => provider.update("hello:production", state, news));
        assert.deepEqual(outs.codeVersions, [{ codeVersion: B, percentage: 100 }]);
        assert.equal(outs.rolloutState.status, "succeeded");
        assert.equal(esa.calls.filter((c) => c.action === "CreateRoutineCodeDeployment").length, 3, "75 %, then the target");
    });

    it("a Ctrl-C during a step's gates ends the running gate at once and records the step in progress, without a rollback", async () => {
        const esa = new MemoryEsa().addRoutine("hello");
        esa.deployOutOfBand("hello", "production", [{ codeVersion: A, percentage: 100 }]);
        const provider = createProvider({
            apiFactory: () => esa,
            clock: fakeClock(Date.parse("2026-01-01T00:00:00Z")),
            env: {},
            log: () => {},
        });
        const inputs = (codeVersion: string, rollout?: object) =>
            checkInputs({
                name: "hello",
                env: "production",
                codeVersions: [{ codeVersion, percentage: 100 }],
                ...(rollout ? { rollout } : {}),
            }).inputs;
        const olds = { ...inputs(A), deploymentId: "1" };
        // A gate that would run for a minute, then fail: a Ctrl-C must neither wait for it nor roll back.
        const news = inputs(B, {
            steps: [50],
            bakeSeconds: 1,
            gates: [{ name: "slow", timeoutSeconds: 120, command: "sleep 60; exit 1" }],
        });
        const started = Date.now();
        const running = stoppable(undefined, () => provider.update("hello:production", olds, news));
        setTimeout(() => cancelInFlight(), 500);
        const failure: any = await running.then(
            () => assert.fail("the cancelled update must fail"),
            (error) => error,
        );
        assert.ok(Date.now() - started < 10_000, `the gate was not ended at once (${Date.now() - started} ms)`);
        assert.match(failure.message, /stopped during the gates of step 1\/2: the run was cancelled/);
        assert.equal(failure.properties.rolloutState.status, "in-progress");
        assert.deepEqual(failure.properties.codeVersions, [
            { codeVersion: A, percentage: 50 },
            { codeVersion: B, percentage: 50 },
        ]);
        assert.equal(esa.calls.filter((c) => c.action === "CreateRoutineCodeDeployment").length, 1, "step 1 only: no rollback");
    });
});
