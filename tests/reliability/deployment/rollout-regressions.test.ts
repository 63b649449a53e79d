/**
 * Four defects of the rollout the reliability tests found (rollout-faults.test.ts,
 * rollout-security.test.ts), kept as regression tests now that they are fixed (SPEC §5,
 * §6, §10):
 *
 * 1. A gate's shown output was scrubbed of the secrets of the credentials the provider
 *    USES only. With the credentials in stack config (they win over the environment,
 *    SPEC §6) and another AccessKey pair in the environment (a pipeline that exports one
 *    for its other tools), a gate that prints its environment put that secret in the error
 *    of the `up` and in the stack state (`rolloutState.gates[].detail`).
 * 2. A step whose deployment landed after the client gave up (a timeout past the
 *    deadline; likewise a CLI killed while a stepwise `up` deploys its next step) was
 *    taken by the next `up` for a change made elsewhere: the rollout stopped and needed
 *    rollout.retry, although what served was the next split of its own plan.
 * 3. The HTTP gate's timeout did not bound the staging address lookup
 *    (GetRoutineStagingEnvIp had its own 60 s deadline): a slow answer held a gate
 *    declared with `timeoutSeconds: 1` for as long as it took.
 * 4. Once the gate stopped waiting for that lookup, the lookup went on, retrying a
 *    throttled or failing GetRoutineStagingEnvIp for up to 60 s in the background.
 */
import { strict as assert } from "assert";
import type { DeploymentInputs, DeploymentOutputs } from "../../../provider/deployment/types";
import { checkInputs } from "../../../provider/deployment/check";
import { Emulator, FaultSpec, startEmulator } from "../../../emulator";
import { providerRun } from "../../support/provider-run";

const A = "1723599747213377175";
const B = "1723599747213377176";
const ROUTINE = "gap-rollout";
const UNIQUE = `${process.pid}x${Date.now().toString(36)}`;
const STS = {
    accessKeyId: `STS.NGateGap${UNIQUE}`,
    accessKeySecret: `gap-sts-secret-${UNIQUE}`,
    securityToken: `CAIS-gap-token-${UNIQUE}`,
};
/** An AccessKey pair in the environment, which the stack config's credentials override. */
const ENV_PAIR = { ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAI5tGapEnvKey0001", ALIBABA_CLOUD_ACCESS_KEY_SECRET: `gap-env-secret-${UNIQUE}` };

describe("rollout regressions: credentials in the environment, a step that landed late, the staging lookup's timeout", function () {
    this.timeout(20_000);
    let emulator: Emulator;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [A, B] }, stsCredentials: [STS] });
        // The emulator accepts its default test pair too (stsCredentials adds to it).
    });
    after(() => emulator?.close());

    it("1. credentials from stack config, another AccessKey pair in the environment: a gate that prints its environment does not show that secret", async () => {
        emulator.reset();
        const saved = Object.fromEntries(Object.keys(ENV_PAIR).map((k) => [k, process.env[k]]));
        Object.assign(process.env, ENV_PAIR);
        let error: any;
        try {
            const provider = await providerRun({
                env: process.env,
                config: {
                    "esa:endpoint": emulator.endpoint,
                    "alicloud:accessKey": STS.accessKeyId,
                    "alicloud:secretKey": STS.accessKeySecret,
                    "alicloud:securityToken": STS.securityToken,
                },
            });
            const declared = (codeVersions: { codeVersion: string; percentage: number }[]): DeploymentInputs => {
                const rollout = { steps: [50], bakeSeconds: 0, gates: [{ name: "debug", command: "env | grep ALIBABA_CLOUD; exit 1" }] };
                const { inputs, failures } = checkInputs({ name: ROUTINE, env: "production", codeVersions, rollout });
                assert.deepEqual(failures, []);
                return inputs;
            };
            const live = [{ codeVersion: A, percentage: 100 }];
            const olds: DeploymentOutputs = { ...declared(live), deploymentId: emulator.setDeployment(ROUTINE, "production", live) };
            await provider.update(`${ROUTINE}:production`, olds, declared([{ codeVersion: B, percentage: 100 }])).catch((e) => (error = e));
        } finally {
            for (const [k, v] of Object.entries(saved)) {
                if (v === undefined) delete process.env[k];
                else process.env[k] = v;
            }
        }
        assert.ok(error, "the gate failed the rollout");
        assert.match(error.message, /gate "debug" failed: .*ALIBABA_CLOUD_ACCESS_KEY_SECRET=/s, "the gate's output is shown");
        assert.ok(
            emulator.requests().every((r) => r.accessKeyId === STS.accessKeyId),
            "the stack config's credentials were used",
        );
        const shown = `${error.message}\n${JSON.stringify(error.properties)}`;
        assert.ok(
            !shown.includes(ENV_PAIR.ALIBABA_CLOUD_ACCESS_KEY_SECRET),
            "the environment's AccessKey secret is shown in the error or the state",
        );
    });
    /** The deployment provider of one `pulumi` run, with the emulator's own test credentials. */
    const run = (timeoutSeconds = 5) =>
        providerRun({ config: { "esa:endpoint": emulator.endpoint, "esa:timeoutSeconds": String(timeoutSeconds) } });
    const declaredWith = (codeVersions: { codeVersion: string; percentage: number }[], rollout: Record<string, unknown>) => {
        const { inputs, failures } = checkInputs({ name: ROUTINE, env: "production", codeVersions, rollout });
        assert.deepEqual(failures, []);
        return inputs;
    };

    it("2. a stepwise step whose deployment landed after the client gave up is resumed by the next up, not stopped as changed elsewhere", async () => {
        emulator.reset();
        const rollout = { steps: [10, 50], bakeSeconds: 0, mode: "stepwise" };
        const from = [{ codeVersion: A, percentage: 100 }];
        const news = declaredWith([{ codeVersion: B, percentage: 100 }], rollout);
        const first: DeploymentOutputs = {
            ...declaredWith(from, rollout),
            deploymentId: emulator.setDeployment(ROUTINE, "production", from),
        };
        const step1 = (await (await run()).update(`${ROUTINE}:production`, first, news)).outs;
        assert.equal(step1.rolloutState?.step, 1);

        // The next `up` deploys step 2; ESA carries it out after the client gave up.
        emulator.injectFault({ action: "CreateRoutineCodeDeployment", kind: "latency", latencyMs: 1_300 });
        const failed: any = await (await run(1)).update(`${ROUTINE}:production`, step1, news).catch((e) => e);
        assert.match(String(failed?.message), /RequestTimeout/);
        const until = Date.now() + 5_000;
        while (!emulator.requests().some((r) => r.action === "CreateRoutineCodeDeployment" && r.fault === "latency")) {
            assert.ok(Date.now() < until, "the delayed deployment was never answered");
            await new Promise((resolve) => setTimeout(resolve, 25));
        }
        const live = emulator.state().routines[ROUTINE].deployments.production!.codeVersions;
        assert.deepEqual(live.map((v) => v.percentage).sort(), [50, 50], "step 2 serves");

        // The `up` after: step 2 of this very rollout serves; it goes on from there.
        const next: any = await (await run()).update(`${ROUTINE}:production`, failed.properties, news).catch((e) => e);
        assert.ok(!(next instanceof Error), `the next up failed: ${next?.message}`);
        assert.notEqual(next.outs.rolloutState?.status, "stopped");
    });

    /**
     * A one-step rollout from A to B in production whose gate (`timeoutSeconds`) probes
     * the staging environment, with `fault` on GetRoutineStagingEnvIp: the outcome of the
     * provider's update (its result, or the error it threw).
     */
    const stagingGateRollout = async (fault: FaultSpec, timeoutSeconds = 1): Promise<any> => {
        emulator.reset();
        const edgePort = new URL(emulator.edgeUrl!).port;
        const rollout = {
            steps: [50],
            bakeSeconds: 0,
            gates: [
                {
                    name: "staging",
                    timeoutSeconds,
                    http: { url: `http://${ROUTINE}.example.test:${edgePort}/`, target: "staging", samples: 1 },
                },
            ],
        };
        const from = [{ codeVersion: A, percentage: 100 }];
        const target = [{ codeVersion: B, percentage: 100 }];
        emulator.setDeployment(ROUTINE, "staging", target);
        const olds: DeploymentOutputs = {
            ...declaredWith(from, rollout),
            deploymentId: emulator.setDeployment(ROUTINE, "production", from),
        };
        emulator.injectFault(fault);
        return (await run()).update(`${ROUTINE}:production`, olds, declaredWith(target, rollout)).catch((e) => e);
    };

    it("3. an HTTP gate on staging with timeoutSeconds: 1 takes no longer than about that when GetRoutineStagingEnvIp is slow", async () => {
        const outcome = await stagingGateRollout({ action: "GetRoutineStagingEnvIp", kind: "latency", latencyMs: 3_000 });
        const state = outcome instanceof Error ? (outcome as any).properties?.rolloutState : outcome.outs.rolloutState;
        const gate = state?.gates?.[0];
        assert.ok(gate, "the gate ran");
        assert.ok(gate.durationMs <= 2_000, `the gate took ${gate.durationMs} ms with timeoutSeconds: 1`);
        // Let the emulator answer the slow request before the file closes it.
        await new Promise((resolve) => setTimeout(resolve, 2_500));
    });

    it("4. once a staging gate gives up, nothing goes on asking GetRoutineStagingEnvIp (it used to retry for 60 s)", async () => {
        // Throttled, the process's limiter slows the lookup's retries to one every second or two.
        const outcome = await stagingGateRollout({ action: "GetRoutineStagingEnvIp", kind: "throttling", count: 10_000 }, 2);
        assert.ok(outcome instanceof Error, "the gate failed");
        const asked = () => emulator.requests().filter((r) => r.action === "GetRoutineStagingEnvIp").length;
        // (The answer to a request sent just before the deadline is logged a moment later.)
        await new Promise((resolve) => setTimeout(resolve, 100));
        const atGiveUp = asked();
        assert.ok(atGiveUp >= 1, "the lookup was tried");
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        assert.equal(asked(), atGiveUp, "GetRoutineStagingEnvIp was still being asked after the gate gave up");
    });
});
