/**
 * The rollout walk (SPEC §10) through the provider object the engine calls, against an
 * in-memory ESA and a clock whose holds pass at once: both modes, gates passing and
 * failing, rollback with partial state, no automatic restart, retry, the emergency
 * controls, an interrupted walk resumed, a change made elsewhere, refresh, and what a
 * preview says.
 */
import { strict as assert } from "assert";
import { createProvider } from "../../../provider";
import { checkInputs } from "../../../provider/deployment/check";
import { DeploymentInputs, DeploymentOutputs } from "../../../provider/deployment/types";
import type { DeploymentApi as EsaApi } from "../../../provider/deployment/api";
import { fakeClock, MemoryEsa } from "../../support/memory-esa";

const A = "1723599747213377175";
const B = "1723599747213377176";
const C = "1723599747213377177";

function setup(config: Record<string, string> = {}) {
    const esa = new MemoryEsa().addRoutine("hello");
    const clock = fakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const logs: { severity: string; message: string }[] = [];
    const provider = createProvider({
        apiFactory: () => esa,
        clock,
        env: {},
        log: (severity, message) => logs.push({ severity, message }),
    });
    // As the engine does for a program's resource: check, then diff with what check returned.
    const diff = provider.diff;
    provider.diff = async (id, olds, news) => diff(id, olds, (await provider.check({}, news)).inputs);
    const configure = (values: Record<string, string>) =>
        provider.configure({ config: { get: (key: string) => values[key], require: (key: string) => values[key] } } as any);
    configure(config);
    return { esa, clock, logs, provider, configure };
}

/** Inputs as `check` leaves them. */
function declared(codeVersions: { codeVersion: string; percentage: number }[], rollout: Record<string, unknown>): DeploymentInputs {
    const { inputs, failures } = checkInputs({ name: "hello", env: "production", codeVersions, rollout });
    assert.deepEqual(failures, []);
    return inputs;
}

const live = (esa: MemoryEsa) =>
    esa.routines
        .get("hello")!
        .get("production")
        ?.codeVersions.map((e) => `${e.codeVersion.slice(-3)}:${e.percentage}`)
        .sort();
const only = (version: string) => [{ codeVersion: version, percentage: 100 }];
const split = (a: string, pa: number, b: string, pb: number) => [
    { codeVersion: a, percentage: pa },
    { codeVersion: b, percentage: pb },
];

async function halted(promise: Promise<unknown>): Promise<{ message: string; properties: DeploymentOutputs }> {
    try {
        await promise;
    } catch (error: any) {
        assert.ok(error.properties, `expected an error carrying the resource's state, got ${error}`);
        return error;
    }
    assert.fail("expected the operation to fail");
}

describe("rollout walk (provider, in-memory ESA)", () => {
    it("continuous: walks 10 → 50 → 100 within one update, three ESA calls per step, and records what is live", async () => {
        const { esa, provider, clock } = setup();
        esa.deployOutOfBand("hello", "production", only(A));
        const olds = { ...declared(only(A), { steps: [10, 50], bakeSeconds: 30 }), deploymentId: "1" };
        const news = declared(only(B), { steps: [10, 50], bakeSeconds: 30 });
        const started = clock.now();
        const { outs } = await provider.update("hello:production", olds, news);
        assert.deepEqual(live(esa), ["176:100"]);
        assert.deepEqual(outs.codeVersions, only(B));
        assert.equal(outs.rolloutState.status, "succeeded");
        assert.equal(outs.rolloutState.candidate, B);
        assert.equal(outs.rolloutState.stable, A);
        assert.deepEqual(
            outs.rolloutState.history.map((h: any) => h.candidatePercentage),
            [10, 50, 100],
        );
        assert.ok(clock.now() - started >= 60_000, "both steps were held 30 s");
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 3);
        assert.equal(esa.count("GetRoutine"), 6, "per step: one fresh read before it, one read-after-write");
    });

    it("stepwise: the first update moves to the first step, later ones wait for the hold, then move one step each", async () => {
        const { esa, provider, clock } = setup();
        esa.deployOutOfBand("hello", "production", only(A));
        const rollout = { steps: [10, 50], bakeSeconds: 60, mode: "stepwise" };
        const news = declared(only(B), rollout);
        let olds: any = { ...declared(only(A), rollout), deploymentId: "1" };

        olds = (await provider.update("hello:production", olds, news)).outs;
        assert.deepEqual(live(esa), ["175:90", "176:10"]);
        assert.equal(olds.rolloutState.status, "in-progress");
        assert.equal(olds.rolloutState.step, 1);
        assert.equal(olds.rolloutState.nextAt, new Date(clock.now() + 60_000).toISOString());

        // Before the hold is over: no change in the preview, nothing moves.
        const early = await provider.diff("hello:production", olds, news);
        assert.equal(early.changes, false);
        clock.advance(59_000);
        assert.equal((await provider.diff("hello:production", olds, news)).changes, false);
        const held = (await provider.update("hello:production", olds, news)).outs;
        assert.deepEqual(live(esa), ["175:90", "176:10"]);
        assert.equal(held.rolloutState.step, 1);

        clock.advance(1_000);
        assert.equal((await provider.diff("hello:production", olds, news)).changes, true);
        const calls = esa.calls.length;
        olds = (await provider.update("hello:production", olds, news)).outs;
        assert.deepEqual(live(esa), ["175:50", "176:50"]);
        assert.equal(olds.rolloutState.step, 2);
        assert.deepEqual(
            esa.calls.slice(calls).map((c) => c.action),
            ["GetRoutine", "CreateRoutineCodeDeployment", "GetRoutine"],
            "a stepwise step costs a read, the deployment, and its read-after-write",
        );

        clock.advance(60_000);
        olds = (await provider.update("hello:production", olds, news)).outs;
        assert.deepEqual(live(esa), ["176:100"]);
        assert.equal(olds.rolloutState.status, "succeeded");
        assert.equal((await provider.diff("hello:production", olds, news)).changes, false);
    });

    it("a failed gate restores the split from before, fails with the gate, the step and what it saw, and is not started again until retry changes", async () => {
        const { esa, provider, logs } = setup();
        esa.deployOutOfBand("hello", "production", only(A));
        const rollout = {
            steps: [10, 50],
            bakeSeconds: 5,
            gates: [{ name: "smoke", command: 'echo "p99 too high at $ESA_ROLLOUT_CANDIDATE_PERCENTAGE%"; exit 3' }],
        };
        const news = declared(only(B), rollout);
        const olds = { ...declared(only(A), rollout), deploymentId: "1" };

        const error = await halted(provider.update("hello:production", olds, news));
        assert.match(error.message, /failed at step 1\/3 \(1723599747213377176 at 10%\)/);
        assert.match(error.message, /gate "smoke" failed: the command exited 3; output: p99 too high at 10%/);
        assert.deepEqual(live(esa), ["175:100"]);
        assert.deepEqual(error.properties.codeVersions, only(A));
        assert.equal(error.properties.rolloutState!.status, "failed");
        assert.equal(error.properties.rolloutState!.failedCandidate, B);

        // The next run: no change planned, nothing deployed, a warning that says why.
        const recorded = error.properties;
        const diff = await provider.diff("hello:production", recorded, news);
        assert.equal(diff.changes, false);
        assert.ok(logs.some((l) => l.severity === "warning" && l.message.includes("not started again")));
        const deploymentsBefore = esa.count("CreateRoutineCodeDeployment");
        const again = await provider.update("hello:production", recorded, news);
        assert.equal(esa.count("CreateRoutineCodeDeployment"), deploymentsBefore);
        assert.deepEqual(again.outs.codeVersions, only(A));

        // Asking for it: a new retry value starts it again (and it fails again: the gate still says no).
        const retried = declared(only(B), { ...rollout, retry: "2" });
        assert.equal((await provider.diff("hello:production", recorded, retried)).changes, true);
        await halted(provider.update("hello:production", recorded, retried));
        assert.equal(esa.count("CreateRoutineCodeDeployment"), deploymentsBefore + 2);
    });

    it("when restoring after a failed gate fails too, the state says the candidate still serves, and the next run restores first", async () => {
        const esa = new MemoryEsa().addRoutine("hello");
        esa.deployOutOfBand("hello", "production", only(A));
        let creates = 0;
        const refuseSecond: EsaApi = {
            getRoutineEnvironments: (name) => esa.getRoutineEnvironments(name),
            createDeployment: async (request) => {
                if (++creates === 2)
                    throw { code: "InvalidParameter", statusCode: 400, requestId: "REQ-restore", data: { Message: "refused" } };
                return esa.createDeployment(request);
            },
        };
        const provider = createProvider({ apiFactory: () => refuseSecond, clock: fakeClock(), env: {}, log: () => {} });
        await provider.configure({ config: { get: () => undefined, require: () => undefined } } as any);
        const rollout = { steps: [10], bakeSeconds: 1, gates: [{ name: "smoke", command: "exit 1" }] };
        const news = declared(only(B), rollout);

        const error = await halted(provider.update("hello:production", { ...declared(only(A), rollout), deploymentId: "1" }, news));
        assert.match(error.message, /gate "smoke" failed.*Restoring 1723599747213377175: 100% failed too: .*InvalidParameter.*REQ-restore/);
        assert.deepEqual(live(esa), ["175:90", "176:10"]);
        assert.deepEqual(error.properties.codeVersions, split(A, 90, B, 10), "the state says what is live");
        assert.equal(error.properties.rolloutState!.status, "failed");

        assert.equal((await provider.diff("hello:production", error.properties, news)).changes, true);
        const { outs } = await provider.update("hello:production", error.properties, news);
        assert.deepEqual(live(esa), ["175:100"]);
        assert.deepEqual(outs.codeVersions, only(A));
        assert.equal(outs.rolloutState.status, "failed");
    });

    it("a split changed elsewhere during a stepwise rollout stops it, records what is live and overwrites nothing", async () => {
        const { esa, provider, clock } = setup();
        esa.deployOutOfBand("hello", "production", only(A));
        const rollout = { steps: [10, 50], bakeSeconds: 10, mode: "stepwise" };
        const news = declared(only(B), rollout);
        const step1 = (await provider.update("hello:production", { ...declared(only(A), rollout), deploymentId: "1" }, news)).outs;
        esa.deployOutOfBand("hello", "production", [
            { codeVersion: A, percentage: 70 },
            { codeVersion: B, percentage: 30 },
        ]);
        clock.advance(10_000);
        const error = await halted(provider.update("hello:production", step1, news));
        assert.match(error.message, /changed elsewhere during the rollout/);
        assert.match(error.message, /1723599747213377175: 70%, 1723599747213377176: 30%/);
        assert.deepEqual(live(esa), ["175:70", "176:30"]);
        assert.equal(error.properties.rolloutState!.status, "stopped");
        assert.deepEqual(error.properties.codeVersions, [
            { codeVersion: A, percentage: 70 },
            { codeVersion: B, percentage: 30 },
        ]);
    });

    it("a step found live that the state does not know (the run was killed) is resumed there and held again in full", async () => {
        const { esa, provider, logs } = setup();
        const rollout = { steps: [10, 50], bakeSeconds: 20 };
        // The killed run had set step 2; the state still records the split from before.
        esa.deployOutOfBand("hello", "production", [
            { codeVersion: A, percentage: 50 },
            { codeVersion: B, percentage: 50 },
        ]);
        const { outs } = await provider.update(
            "hello:production",
            { ...declared(only(A), rollout), deploymentId: "1" },
            declared(only(B), rollout),
        );
        assert.ok(logs.some((l) => l.message.includes("step 2/3") && l.message.includes("resuming")));
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 1, "only the last step is deployed");
        assert.equal(outs.rolloutState.status, "succeeded");
        assert.deepEqual(
            outs.rolloutState.history.map((h: any) => [h.candidatePercentage, h.bakedMs]),
            [
                [50, 20_000],
                [100, undefined],
            ],
        );
    });

    it("the next step of a recorded rollout found live (it landed after the run gave up) is resumed there, not stopped", async () => {
        const { esa, provider, logs, clock } = setup();
        esa.deployOutOfBand("hello", "production", only(A));
        const rollout = { steps: [10, 50], bakeSeconds: 10, mode: "stepwise" };
        const news = declared(only(B), rollout);
        const step1 = (await provider.update("hello:production", { ...declared(only(A), rollout), deploymentId: "1" }, news)).outs;
        // The run that moved to step 2 gave up before ESA answered; ESA carried it out.
        esa.deployOutOfBand("hello", "production", split(A, 50, B, 50));
        clock.advance(10_000);
        const { outs } = await provider.update("hello:production", step1, news);
        assert.ok(
            logs.some((l) => l.message.includes("step 2/3") && l.message.includes("gave up")),
            JSON.stringify(logs),
        );
        assert.equal(outs.rolloutState.status, "in-progress");
        assert.equal(outs.rolloutState.step, 2);
        assert.deepEqual(live(esa), ["175:50", "176:50"], "held again in full before moving on");
    });

    it("esa:rolloutAction promote:<candidate> finishes now; abort:<candidate> settles on the split from before; another candidate's action is ignored", async () => {
        const rollout = { steps: [10, 50], bakeSeconds: 60, mode: "stepwise" };
        const news = declared(only(B), rollout);
        for (const verb of ["promote", "abort"] as const) {
            const { esa, provider, configure } = setup();
            esa.deployOutOfBand("hello", "production", only(A));
            const step1 = (await provider.update("hello:production", { ...declared(only(A), rollout), deploymentId: "1" }, news)).outs;

            configure({ "esa:rolloutAction": `${verb}:${C}` });
            assert.equal(
                (await provider.diff("hello:production", step1, news)).changes,
                false,
                "an action for another candidate changes nothing",
            );

            configure({ "esa:rolloutAction": `${verb}:${B}` });
            assert.equal((await provider.diff("hello:production", step1, news)).changes, true);
            const { outs } = await provider.update("hello:production", step1, news);
            if (verb === "promote") {
                assert.deepEqual(live(esa), ["176:100"]);
                assert.equal(outs.rolloutState.status, "succeeded");
            } else {
                assert.deepEqual(live(esa), ["175:100"]);
                assert.deepEqual(outs.codeVersions, only(A));
                assert.equal(outs.rolloutState.status, "aborted");
                // Settled: the next run plans nothing and deploys nothing.
                configure({});
                assert.equal((await provider.diff("hello:production", outs, news)).changes, false);
            }
            assert.equal(outs.rolloutState.action, verb);
        }
    });

    it("a malformed esa:rolloutAction fails the update instead of being ignored", async () => {
        const { esa, provider } = setup({ "esa:rolloutAction": "abort-now" });
        esa.deployOutOfBand("hello", "production", only(A));
        await assert.rejects(
            provider.update(
                "hello:production",
                { ...declared(only(A), { steps: [10] }), deploymentId: "1" },
                declared(only(B), { steps: [10] }),
            ),
            /esa:rolloutAction is "abort-now".*promote:<candidate version>/,
        );
    });

    it("refresh keeps where the rollout stands; the preview tells the steps to come", async () => {
        const { esa, provider, logs } = setup();
        esa.deployOutOfBand("hello", "production", only(A));
        const rollout = { steps: [10, 50], bakeSeconds: 60, mode: "stepwise", gates: [{ name: "health", command: "true" }] };
        const olds = { ...declared(only(A), rollout), deploymentId: "1" };
        const news = declared(only(B), rollout);
        await provider.diff("hello:production", olds, news);
        assert.ok(
            logs.some(
                (l) =>
                    l.message.includes("10% (hold 60 s) → 50% (hold 60 s) → 100%") &&
                    l.message.includes("gates health") &&
                    l.message.includes("one step per"),
            ),
            JSON.stringify(logs),
        );
        const step1 = (await provider.update("hello:production", olds, news)).outs;
        const refreshed = await provider.read("hello:production", step1);
        assert.deepEqual(refreshed.props.rolloutState, step1.rolloutState);
        assert.deepEqual(refreshed.props.codeVersions, step1.codeVersions);
    });
});

describe("rollout walk: what a refresh cannot erase, and what previews say after it", () => {
    const failing = { steps: [25, 75], bakeSeconds: 0, gates: [{ name: "smoke", command: "exit 1" }] };

    it("a continuous rollout killed at step 1, then `up --refresh`: the step is resumed and a failure restores the split from before, not the half-way one", async () => {
        const { esa, provider, logs } = setup();
        esa.deployOutOfBand("hello", "production", only(A));
        const olds = { ...declared(only(A), failing), deploymentId: "1" };
        const news = declared(only(B), failing);
        // The killed run set step 1 and nothing of it was recorded; the refresh reads it.
        esa.deployOutOfBand("hello", "production", split(A, 75, B, 25));
        const refreshed = (await provider.read("hello:production", olds)).props as DeploymentOutputs;
        assert.deepEqual(refreshed.codeVersions, split(A, 75, B, 25), "the refresh reports what is live");
        assert.deepEqual(refreshed.recordedSplit, only(A), "and keeps what the last `up` left serving");

        logs.length = 0;
        assert.equal((await provider.diff("hello:production", refreshed, news)).changes, true);
        assert.ok(
            logs.some((l) => l.message.includes("is step 1/3 of the rollout") && l.message.includes(`a failed gate restores ${A}: 100%`)),
            JSON.stringify(logs),
        );
        const calls = esa.count("CreateRoutineCodeDeployment");
        const { properties } = await halted(provider.update("hello:production", refreshed, news));
        assert.deepEqual(live(esa), ["175:100"], "the split from before the rollout serves again");
        assert.equal(
            esa.count("CreateRoutineCodeDeployment") - calls,
            1,
            "step 1 held again, not deployed again; the restore is the one deployment",
        );
        assert.deepEqual(properties.rolloutState!.from, only(A));
        assert.deepEqual(properties.codeVersions, only(A));
        assert.deepEqual(properties.recordedSplit, only(A));

        // The next pipeline run, refreshed again: nothing deployed, the candidate stays out.
        const again = (await provider.read("hello:production", properties)).props as DeploymentOutputs;
        assert.equal((await provider.diff("hello:production", again, news)).changes, false);
    });

    it("a rollout whose create was killed at a step (nothing recorded) resumes it and restores the other version alone on failure", async () => {
        const { esa, provider } = setup();
        esa.deployOutOfBand("hello", "production", split(A, 75, B, 25));
        const { properties } = await halted(provider.create(declared(only(B), failing)));
        assert.deepEqual(live(esa), ["175:100"]);
        assert.equal(properties.rolloutState!.status, "failed");
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 1, "only the restore");
    });

    it("after a stepwise rollout failed its gate, a refresh's preview says it is not started again, not the plan of a new one", async () => {
        const { esa, provider, logs, clock } = setup();
        esa.deployOutOfBand("hello", "production", only(A));
        const stepwise = { ...failing, bakeSeconds: 10, mode: "stepwise" };
        const news = declared(only(B), stepwise);
        const step1 = (await provider.update("hello:production", { ...declared(only(A), stepwise), deploymentId: "1" }, news)).outs;
        clock.advance(10_000);
        const { properties } = await halted(provider.update("hello:production", step1, news));
        const refreshed = (await provider.read("hello:production", properties)).props as DeploymentOutputs;
        logs.length = 0;
        assert.equal((await provider.diff("hello:production", refreshed, news)).changes, false);
        const said = logs.map((l) => l.message).join("\n");
        assert.match(said, /the rollout of \d+ to .* failed and is not started again/);
        assert.doesNotMatch(said, /rollout of \d+ from/);
    });

    it("after a console rollback during a hold, the drift review says the next `up` stops the rollout, and it does", async () => {
        const { esa, provider, logs, clock } = setup();
        esa.deployOutOfBand("hello", "production", only(A));
        const stepwise = { steps: [20, 60], bakeSeconds: 60, mode: "stepwise" };
        const news = declared(only(B), stepwise);
        const step1 = (await provider.update("hello:production", { ...declared(only(A), stepwise), deploymentId: "1" }, news)).outs;
        esa.deployOutOfBand("hello", "production", only(A));
        clock.advance(60_000);
        const refreshed = (await provider.read("hello:production", step1)).props as DeploymentOutputs;
        logs.length = 0;
        assert.equal((await provider.diff("hello:production", refreshed, news)).changes, true);
        const said = logs.map((l) => l.message).join("\n");
        assert.match(said, /serves again .*the next `up` stops the rollout/);
        assert.doesNotMatch(said, /will move/);
        const { properties, message } = await halted(provider.update("hello:production", refreshed, news));
        assert.equal(properties.rolloutState!.status, "stopped");
        assert.match(message, /back to where the rollout of \d+ started/);
        assert.deepEqual(live(esa), ["175:100"]);
    });

    it("a walk whose engine is gone stops at its next safe point: during the hold, before the next step", async () => {
        const esa = new MemoryEsa().addRoutine("hello");
        esa.deployOutOfBand("hello", "production", only(A));
        const clock = fakeClock(Date.parse("2026-01-01T00:00:00Z"));
        let gone = false;
        const provider = createProvider({ apiFactory: () => esa, clock, env: {}, log: () => undefined, engineGone: async () => gone });
        await provider.configure({ config: { get: () => undefined } } as any);
        const rollout = { steps: [10, 50], bakeSeconds: 60 };
        // The engine goes away 20 s into step 1's hold.
        const sleep = clock.sleep;
        clock.sleep = async (ms: number) => {
            await sleep(ms);
            if (esa.count("CreateRoutineCodeDeployment") === 1 && ms > 0) gone = true;
        };
        await assert.rejects(
            provider.update("hello:production", { ...declared(only(A), rollout), deploymentId: "1" }, declared(only(B), rollout)),
            /engine that started this run is gone: stopped during the hold of step 1\/3/,
        );
        assert.deepEqual(live(esa), ["175:90", "176:10"], "ESA left as it was");
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 1);
        assert.ok(
            clock.sleeps.every((ms) => ms <= 5_000),
            "the hold is watched at least every 5 s",
        );
    });
});

describe("rollout walk: a killed run's split is never what a failure restores", () => {
    const failingGate = [{ name: "smoke", command: "exit 1" }];

    it("steps changed after a killed run: the walk still starts from the recorded split, and a failure restores it", async () => {
        const { esa, provider } = setup();
        esa.deployOutOfBand("hello", "production", split(A, 90, B, 10));
        const olds = { ...declared(only(A), { steps: [10, 50, 100] }), deploymentId: "1" };
        const news = declared(only(B), { steps: [25, 100], bakeSeconds: 0, gates: failingGate });
        const { properties } = await halted(provider.update("hello:production", olds, news));
        assert.deepEqual(live(esa), ["175:100"], "not the killed run's 90/10");
        assert.deepEqual(properties.rolloutState!.from, only(A));
    });

    it("another candidate declared after a killed run: the killed run's candidate does not come back with a failure", async () => {
        const { esa, provider, logs } = setup();
        esa.deployOutOfBand("hello", "production", split(A, 50, C, 50));
        const olds = { ...declared(only(A), { steps: [10, 50] }), deploymentId: "1" };
        const news = declared(only(B), { steps: [10, 50], bakeSeconds: 0, gates: failingGate });
        logs.length = 0;
        await provider.diff("hello:production", { ...olds, codeVersions: split(A, 50, C, 50), recordedSplit: only(A) }, news);
        assert.ok(
            logs.some((l) => l.message.includes(`rollout of ${B} from ${A}: 100%`) && l.message.includes("never recorded")),
            JSON.stringify(logs),
        );
        const { properties } = await halted(provider.update("hello:production", olds, news));
        assert.deepEqual(live(esa), ["175:100"]);
        assert.deepEqual(properties.rolloutState!.from, only(A));
    });
});

describe("rollout walk: what a refresh says", () => {
    it("a refresh's diff (the refreshed state against the inputs recorded at the last up, no check) says nothing of a rollout", async () => {
        const esa = new MemoryEsa().addRoutine("hello");
        esa.deployOutOfBand("hello", "production", only(A));
        const logs: string[] = [];
        const provider = createProvider({
            apiFactory: () => esa,
            clock: fakeClock(),
            env: {},
            log: (_severity: string, message: string) => void logs.push(message),
        });
        await provider.configure({ config: { get: () => undefined } } as any);
        const recordedInputs = declared(only(B), { steps: [10, 50] });
        const refreshed = { ...recordedInputs, codeVersions: only(A), deploymentId: "1" };
        await provider.diff("hello:production", refreshed, recordedInputs);
        assert.equal(logs.length, 0, JSON.stringify(logs));
        await provider.check({}, recordedInputs);
        await provider.diff("hello:production", refreshed, recordedInputs);
        assert.ok(
            logs.some((m) => m.includes(`rollout of ${B} from`)),
            JSON.stringify(logs),
        );
    });
});
