/**
 * Faults during a progressive rollout (SPEC §5, §10): the ESA calls a walk makes between
 * its steps — the next step's CreateRoutineCodeDeployment, the GetRoutine reads that
 * confirm it and check nobody else changed the split, the restore after a failed gate,
 * and GetRoutineStagingEnvIp for a probe of the staging environment — hit by the
 * emulator's faults in the middle of a walk, through the deployment provider in-process.
 *
 * The fault is injected by the gate of step 1 (a command that posts it to the emulator's
 * admin path), so it hits exactly the calls after that step. For every case: what the
 * user gets (the walk finishes, or the `up` fails naming the call, with its RequestId or
 * saying no answer came), that the state the failure carries says what is live, and that
 * the next `pulumi up` (update from that state) ends with the target serving, or with the
 * split from before the rollout when a gate failed. Each step is deployed once.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { CodeVersionSplit, DeploymentInputs, DeploymentOutputs } from "../../../provider/deployment/types";
import { checkInputs } from "../../../provider/deployment/check";
import { Emulator, FaultSpec, startEmulator } from "../../../emulator";
import { providerRun } from "../../support/provider-run";

const A = "1723599747213377175";
const B = "1723599747213377176";
const ROUTINE = "rollout-matrix";
const ID = `${ROUTINE}:production`;
const FROM: CodeVersionSplit[] = [{ codeVersion: A, percentage: 100 }];
const TARGET: CodeVersionSplit[] = [{ codeVersion: B, percentage: 100 }];
const STEP_1: CodeVersionSplit[] = [
    { codeVersion: A, percentage: 90 },
    { codeVersion: B, percentage: 10 },
];
const DEPLOY = "CreateRoutineCodeDeployment";

interface Case {
    name: string;
    /** Posted by step 1's gate, after step 1 went live. */
    faults: FaultSpec[];
    /** Step 1's gate fails (exit 1) after posting the faults. */
    gateFails?: boolean;
    /** Also probe the staging environment (GetRoutineStagingEnvIp); its faults are injected up front. */
    staging?: FaultSpec[];
    timeoutSeconds?: number;
    /** A request that answers after the client gave up: waited for before the re-run. */
    late?: string;
    expect:
        | { outcome: "succeeded"; deployments: number }
        | {
              outcome: "failed";
              says: RegExp[];
              /** The split the failure's state records, which must be the live one. */
              recorded: CodeVersionSplit[];
              /** What serves once the next run is done. */
              after: CodeVersionSplit[];
          };
}

/**
 * Throttling of a step's deployment is paced by the process's rate limiter (the deployment
 * fault matrix covers it); here the walk's own handling of each kind of outcome is the point.
 */
const CASES: Case[] = [
    {
        name: "serviceUnavailable ×2 on step 2's deployment",
        faults: [{ action: DEPLOY, kind: "serviceUnavailable", count: 2 }],
        expect: { outcome: "succeeded", deployments: 3 },
    },
    {
        name: "lostResponse on step 2's deployment",
        faults: [{ action: DEPLOY, kind: "lostResponse" }],
        expect: { outcome: "succeeded", deployments: 3 },
    },
    {
        name: "connectionReset ×1 on the next GetRoutine",
        faults: [{ action: "GetRoutine", kind: "connectionReset" }],
        expect: { outcome: "succeeded", deployments: 3 },
    },
    {
        name: "throttling ×2 on GetRoutineStagingEnvIp (staging probe)",
        faults: [],
        staging: [{ action: "GetRoutineStagingEnvIp", kind: "throttling", count: 2 }],
        expect: { outcome: "succeeded", deployments: 3 },
    },
    {
        name: "throttling on step 2's deployment past the 1 s deadline",
        faults: [{ action: DEPLOY, kind: "throttling", count: 10_000 }],
        timeoutSeconds: 1,
        expect: {
            outcome: "failed",
            says: [
                /^ESA CreateRoutineCodeDeployment for routine "rollout-matrix" \(production\) failed: Throttling\.User/,
                /\(RequestId: [0-9A-F-]{36}\)/,
            ],
            recorded: STEP_1,
            after: TARGET,
        },
    },
    {
        // ESA deploys step 2 after the client gave up: the state says step 1, ESA serves step 2.
        name: "latency 1.3 s on step 2's deployment (past the 1 s deadline)",
        faults: [{ action: DEPLOY, kind: "latency", latencyMs: 1_300 }],
        timeoutSeconds: 1,
        late: DEPLOY,
        expect: {
            outcome: "failed",
            says: [/^ESA CreateRoutineCodeDeployment .*RequestTimeout/, /no RequestId: the request got no answer from ESA/],
            recorded: STEP_1,
            // The next run finds step 2 of its own plan serving and goes on from there.
            after: TARGET,
        },
    },
    {
        name: "a failed gate, then throttling on the restore past the 1 s deadline",
        faults: [{ action: DEPLOY, kind: "throttling", count: 10_000 }],
        gateFails: true,
        timeoutSeconds: 1,
        expect: {
            outcome: "failed",
            says: [
                /gate "step-1" failed/,
                /Restoring 1723599747213377175: 100% failed too: ESA CreateRoutineCodeDeployment .*Throttling\.User/,
                /run `pulumi up` again, which restores it first/,
            ],
            // The candidate still serves: the state must say so, and the next run restores.
            recorded: STEP_1,
            after: FROM,
        },
    },
];

interface Line {
    name: string;
    outcome: string;
    calls: number;
    deployments: number;
    rerun: string;
    ms: number;
}

describe("rollout fault matrix: faults between the steps of a walk (in-process, official SDK, emulator)", function () {
    this.timeout(20_000);
    let emulator: Emulator;
    const lines: Line[] = [];
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-faults-"));

    /**
     * Step 1's gate: posts `faults` to the emulator the first time it runs (a re-run that
     * holds step 1 again runs it again), then passes (or fails).
     */
    const injectingGate = (faults: FaultSpec[], exit: number, once: string) => {
        const post =
            'fetch(process.argv[1],{method:"POST",headers:{"content-type":"application/json"},body:process.argv[2]})' +
            ".then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))";
        const url = `${emulator.endpoint}/__emulator/faults`;
        return {
            name: "step-1",
            command:
                `if [ "$ESA_ROLLOUT_STEP" = 1 ]; then ` +
                (faults.length
                    ? `if [ ! -e '${once}' ]; then : > '${once}'; "${process.execPath}" -e '${post}' '${url}' '${JSON.stringify(faults)}' || exit 9; fi; `
                    : "") +
                `exit ${exit}; fi`,
        };
    };

    function declared(codeVersions: CodeVersionSplit[], c: Case): DeploymentInputs {
        const once = path.join(scratch, `${CASES.indexOf(c)}.injected`);
        const gates: unknown[] = [injectingGate(c.faults, c.gateFails ? 1 : 0, once)];
        if (c.staging) {
            gates.push({
                name: "staging",
                http: { url: `http://${ROUTINE}.example.test:${new URL(emulator.edgeUrl!).port}/`, target: "staging", samples: 2 },
            });
        }
        const rollout = { steps: [10, 50], bakeSeconds: 0, gates };
        const { inputs, failures } = checkInputs({ name: ROUTINE, env: "production", codeVersions, rollout });
        assert.deepEqual(failures, []);
        return inputs;
    }

    const provider = (timeoutSeconds = 5) =>
        providerRun({ config: { "esa:endpoint": emulator.endpoint, "esa:timeoutSeconds": String(timeoutSeconds) } });

    const live = () => emulator.state().routines[ROUTINE].deployments.production;
    const asSet = (split: readonly CodeVersionSplit[] | undefined) => (split ?? []).map((v) => `${v.codeVersion}=${v.percentage}`).sort();
    const deployed = () => emulator.requests().filter((r) => r.action === DEPLOY && r.status === 200).length;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [A, B] } });
    });
    after(async () => {
        await emulator?.close();
        fs.rmSync(scratch, { recursive: true, force: true });
        const header = ["case", "outcome", "calls", "deployments", "re-run", "ms"];
        const rows = lines.map((l) => [l.name, l.outcome, l.calls, l.deployments, l.rerun, l.ms].map(String));
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
        console.log(
            "\n  Rollout fault matrix (10 → 50 → 100 %, bake 0 s; deployments = CreateRoutineCodeDeployment that ESA carried out)\n",
        );
        console.log(
            [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].map((l) => `  ${l}`).join("\n"),
        );
        console.log(`\n  ${lines.length} rollout fault cases passed (of ${CASES.length}).\n`);
    });

    for (const c of CASES) {
        it(`${c.name} → ${c.expect.outcome}${c.expect.outcome === "failed" ? ", the state says what is live, the next run converges" : ""}`, async () => {
            emulator.reset();
            const olds: DeploymentOutputs = { ...declared(FROM, c), deploymentId: emulator.setDeployment(ROUTINE, "production", FROM) };
            if (c.staging) emulator.setDeployment(ROUTINE, "staging", TARGET);
            emulator.clearRequests();
            for (const fault of c.staging ?? []) emulator.injectFault(fault);
            const news = declared(TARGET, c);

            const started = Date.now();
            let result: any;
            let error: any;
            try {
                result = await (await provider(c.timeoutSeconds)).update(ID, olds, news);
            } catch (e) {
                error = e;
            }
            const ms = Date.now() - started;
            if (c.late) {
                const until = Date.now() + 5_000;
                while (!emulator.requests().some((r) => r.action === c.late && r.fault === "latency")) {
                    assert.ok(Date.now() < until, "the delayed request was never answered");
                    await new Promise((resolve) => setTimeout(resolve, 25));
                }
            }
            const calls = emulator.requests().length;
            const deployments = deployed();
            assert.ok(
                emulator.requests().some((r) => r.fault !== undefined),
                "the fault was injected and hit a call",
            );

            let rerun = "-";
            if (c.expect.outcome === "succeeded") {
                assert.equal(error, undefined, `expected the walk to finish, got: ${error?.message}`);
                assert.deepEqual(asSet(live()?.codeVersions), asSet(TARGET), "the target serves");
                assert.deepEqual(asSet(result.outs.codeVersions), asSet(TARGET), "the outputs say what serves");
                assert.equal(result.outs.deploymentId, live()!.deploymentId);
                assert.equal(result.outs.rolloutState.status, "succeeded");
                assert.equal(deployments, c.expect.deployments, "each step deployed once");
            } else {
                assert.ok(error, `expected a failure, got ${JSON.stringify(result?.outs?.rolloutState)}`);
                for (const says of c.expect.says) assert.match(error.message, says);
                assert.ok(ms < (c.timeoutSeconds ?? 5) * 1000 * 2 + 3_000, `gave up after ${ms} ms`);
                const recorded: DeploymentOutputs = error.properties;
                assert.ok(recorded, "the failure carries the resource's state");
                assert.deepEqual(asSet(recorded.codeVersions), asSet(c.expect.recorded), "the state records the split it knew was live");
                if (!c.late) {
                    assert.deepEqual(asSet(live()?.codeVersions), asSet(c.expect.recorded), "and that split is what serves");
                    assert.equal(recorded.deploymentId, live()!.deploymentId);
                }

                // --- the next `pulumi up` ------------------------------------------------------
                emulator.clearFaults();
                emulator.clearRequests();
                const p = await provider();
                const diff = await p.diff(ID, recorded, news);
                const state = diff.changes ? (await p.update(ID, recorded, news)).outs : recorded;
                assert.deepEqual(asSet(live()?.codeVersions), asSet(c.expect.after), "what serves after the next run");
                assert.deepEqual(asSet(state.codeVersions), asSet(live()?.codeVersions), "the next run's state says what serves");
                assert.equal(state.deploymentId, live()!.deploymentId);
                rerun = `${diff.changes ? state.rolloutState?.status : "no change"} (${deployed()} deployments)`;
            }
            lines.push({
                name: c.name,
                outcome: error ? "failed" : "succeeded",
                calls,
                deployments,
                rerun,
                ms,
            });
        });
    }
});
