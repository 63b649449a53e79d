/**
 * A CI job cancelled in the middle of `pulumi up`: the CLI and its dynamic-provider
 * process are SIGKILLed while ESA is still processing the CreateRoutineCodeDeployment
 * request (held by an injected latency). ESA carries the deployment out anyway; nobody
 * hears the answer. The stack is left with the file backend's lock and a pending CREATE.
 *
 * Recovery is what Pulumi v3.257 offers a non-interactive pipeline: `pulumi cancel`
 * (removes the lock), `pulumi refresh --clear-pending-creates` (drops the pending
 * operation, which `up` alone would carry forward), and `pulumi up`, whose create must
 * adopt the deployment that landed instead of deploying it a second time.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { Emulator, startEmulator } from "../../emulator";
import { RoutineCodeDeployment } from "../../sdk";
import { asSet, DEPLOYMENT_TYPE, diagnostics, emulatorCredentials, kill, liveSplit, steps, TestStack, waitFor } from "./harness";

const ROUTINE = "kill-edge";
const V1 = "1723599747213377175";
const V2 = "1723599747213377176";
const DECLARED = [
    { codeVersion: V1, percentage: 90 },
    { codeVersion: V2, percentage: 10 },
];
const URN = `urn:pulumi:test::esa-e2e::${DEPLOYMENT_TYPE}::production`;
/** How long the emulator holds the deployment request before carrying it out. */
const HOLD_MS = 4_000;

describe("e2e: `pulumi up` killed while the deployment is in flight", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    let stack: TestStack;
    let landed: string;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2] } });
        stack = await TestStack.create(
            async () => {
                const production = new RoutineCodeDeployment("production", { name: ROUTINE, env: "production", codeVersions: DECLARED });
                return { deploymentId: production.deploymentId };
            },
            { config: { "esa:endpoint": emulator.endpoint }, env: emulatorCredentials() },
        );
    });

    after(async () => {
        // Should a step fail before its kill, nothing of this stack may outlive the suite.
        for (const p of stack?.processes() ?? []) kill(p);
        await stack?.dispose();
        await emulator?.close();
    });

    /** The emulator's pending injected faults, from its admin path: a fault is taken when its request arrives. */
    const pendingFaults = async (): Promise<unknown[]> => {
        const response = await fetch(`${emulator.endpoint}/__emulator/faults`);
        return ((await response.json()) as { faults: unknown[] }).faults;
    };

    it("SIGKILL of the CLI and its provider mid-deployment leaves a locked stack with a pending create, while ESA carries the deployment out", async () => {
        emulator.injectFault({ action: "CreateRoutineCodeDeployment", kind: "latency", latencyMs: HOLD_MS });
        const run = stack.up().then(
            () => undefined,
            (error: Error) => error,
        );

        // The request has arrived (its fault taken) and is being held: kill now.
        await waitFor(
            "the CreateRoutineCodeDeployment request to reach the emulator",
            async () => (await pendingFaults()).length === 0,
            120_000,
        );
        const processes = stack.processes();
        const cli = processes.find((p) => path.basename(p.argv[0]) === "pulumi" && p.argv.includes("up"));
        const provider = processes.find((p) => p.argv.some((a) => a.includes("pulumi-resource-pulumi-nodejs")));
        assert.ok(cli, `no pulumi up among ${JSON.stringify(processes)}`);
        assert.ok(provider, `no dynamic-provider process among ${JSON.stringify(processes)}`);
        assert.equal(provider.ppid, cli.pid, "the provider is the CLI's child");
        // As a CI runner cancelling the job: the whole process tree, at once, no grace.
        for (const p of processes) kill(p);
        await waitFor("the killed processes to be gone", () => stack.processes().length === 0, 10_000);

        const error = await run;
        assert.ok(error instanceof Error, "the killed `pulumi up` must fail");
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, undefined, "killed before ESA answered");

        // ESA finishes what it was asked, answer or not.
        await waitFor(
            "the held deployment to be carried out",
            () => emulator.countByAction().CreateRoutineCodeDeployment === 1,
            HOLD_MS + 10_000,
        );
        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), asSet(DECLARED));
        landed = emulator.state().routines[ROUTINE].deployments.production!.deploymentId;

        const state = await stack.exportState();
        assert.deepEqual(
            (state.pending_operations ?? []).map((op: any) => [op.type, op.resource.urn]),
            [["creating", URN]],
        );
        assert.deepEqual(await stack.deployments(), []);
        assert.deepEqual(
            stack.locks().map((l) => l.pid),
            [cli.pid],
            "the killed run's lock stays behind",
        );
    });

    it("`pulumi cancel`, `pulumi refresh --clear-pending-creates` and `pulumi up` converge to the declared split, adopting the deployment that landed", async () => {
        await stack.cancel();
        assert.deepEqual(stack.locks(), []);

        await stack.refresh({ clearPendingCreates: true });
        assert.deepEqual((await stack.exportState()).pending_operations ?? [], []);

        const up = await stack.up();
        assert.deepEqual(
            steps(up).map((s) => s.op),
            ["create"],
        );
        // The re-run deploys nothing: it reads, finds the declared split live, and adopts it.
        // Across the killed run and the recovery, ESA made exactly one deployment.
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 1, JSON.stringify(emulator.countByAction()));
        assert.ok(
            diagnostics(up).some((m) => m.includes(`already serves`) && m.includes(`deployment ${landed}: adopted`)),
            up.output,
        );

        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), asSet(DECLARED));
        const resources = await stack.deployments();
        assert.equal(resources.length, 1);
        assert.equal(resources[0].id, `${ROUTINE}:production`);
        assert.equal(resources[0].outputs.deploymentId, landed);
        assert.equal(up.outputs.deploymentId, landed);
        assert.deepEqual((await stack.exportState()).pending_operations ?? [], []);
    });
});
