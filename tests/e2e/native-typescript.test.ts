/**
 * TypeScript programs on the native path (`esa-routine-deployment/native`), through the
 * real CLI and the plugin named in the project's settings:
 * - the canary: created, updated in place, a reordered split no change; no loader
 *   (`__provider`) in the state;
 * - a dynamic stack moved to the native path by `pulumi import` of the deployment's id,
 *   without a deployment;
 * - Ctrl-C (SIGINT to `pulumi up`) during a rollout's hold: the plugin's Cancel stops the
 *   walk at its next safe point, the state records what serves and where the rollout
 *   stands, and the next `up` goes on to the target.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { Emulator, startEmulator } from "../../emulator";
import { RoutineCodeDeployment as DynamicDeployment } from "../../sdk";
import * as native from "../../sdk/native";
import { emulatorCredentials, liveSplit, repoRoot, TestStack, waitFor } from "./harness";
import { requireLanguageHost } from "./native";

const A = "1723599747213377175";
const B = "1723599747213377176";
const TYPE = "esa:index:RoutineCodeDeployment";
const split = (a: number, b: number) =>
    [
        { codeVersion: A, percentage: a },
        { codeVersion: B, percentage: b },
    ].filter((s) => s.percentage > 0);

describe("native plugin: TypeScript programs", function () {
    this.timeout(10 * 60_000);
    let emulator: Emulator;
    const stacks: TestStack[] = [];

    before(async () => {
        requireLanguageHost("nodejs");
        emulator = await startEmulator({
            port: 0,
            routines: { "native-canary": [A, B], "native-moved": [A, B], "native-cancel": [A, B] },
        });
    });

    after(async () => {
        for (const stack of stacks) await stack.dispose();
        await emulator?.close();
    });

    const stackFor = async (name: string, program: () => Promise<Record<string, unknown>>) => {
        const stack = await TestStack.create(program, {
            config: { "esa:endpoint": emulator.endpoint },
            env: emulatorCredentials(),
            projectName: name,
            plugins: [{ name: "esa", path: path.join(repoRoot, "bin") }],
        });
        stacks.push(stack);
        return stack;
    };
    const deployments = (routine: string) =>
        emulator.requests().filter((r) => r.action === "CreateRoutineCodeDeployment" && r.params.Name === routine).length;

    it("deploys a canary, updates it in place, and a reordered split is no change; no loader in the state", async () => {
        let declared = split(90, 10);
        const stack = await stackFor("native-canary", async () => {
            const d = new native.RoutineCodeDeployment("production", { name: "native-canary", env: "production", codeVersions: declared });
            return { live: d.codeVersions };
        });
        await stack.up();
        assert.deepEqual(liveSplit(emulator, "native-canary", "production"), split(90, 10));
        declared = split(50, 50);
        const update = await stack.up();
        assert.equal(update.summary.resourceChanges?.update, 1);
        assert.deepEqual(liveSplit(emulator, "native-canary", "production"), split(50, 50));
        declared = [...split(50, 50)].reverse();
        const preview = await stack.preview();
        assert.deepEqual(preview.changeSummary, { same: 2 });
        const resource = (await stack.exportState()).resources.find((r: any) => r.type === TYPE);
        assert.equal(resource.inputs.__provider, undefined);
        assert.equal(resource.outputs.__provider, undefined);
        assert.equal(deployments("native-canary"), 2);
    });

    it("moves a dynamic stack to the native path with `pulumi import`, deploying nothing", async () => {
        let useNative = false;
        const args = { name: "native-moved", env: "production" as const, codeVersions: split(80, 20) };
        const stack = await stackFor("native-moved", async () => {
            const d = useNative ? new native.RoutineCodeDeployment("production", args) : new DynamicDeployment("production", args);
            return { live: d.codeVersions };
        });
        await stack.up();
        const before = deployments("native-moved");
        const dynamicUrn = (await stack.exportState()).resources.find((r: any) => r.type.startsWith("pulumi-nodejs:dynamic/")).urn;

        // As the README says: forget the dynamic resource, import the same deployment by its id, switch the program.
        await stack.pulumi(["state", "delete", dynamicUrn, "--yes"]);
        await stack.automation.import({
            resources: [{ type: TYPE, name: "production", id: "native-moved:production" }],
            protect: false,
            generateCode: false,
        });
        useNative = true;
        const preview = await stack.preview();
        assert.deepEqual(preview.changeSummary, { same: 2 });
        await stack.up();
        assert.equal(deployments("native-moved"), before, "moving the stack deployed nothing");
        const types = (await stack.exportState()).resources.map((r: any) => r.type);
        assert.ok(types.includes(TYPE) && !types.some((t: string) => t.startsWith("pulumi-nodejs:dynamic/")), types.join(", "));
        assert.deepEqual(liveSplit(emulator, "native-moved", "production"), split(80, 20));
    });

    it("Ctrl-C during a rollout's hold stops it at a safe point, recorded; the next `up` goes on to the target", async () => {
        let declared: Record<string, unknown> = { codeVersions: split(100, 0) };
        const stack = await stackFor("native-cancel", async () => {
            const d = new native.RoutineCodeDeployment("production", { name: "native-cancel", env: "production", ...(declared as any) });
            return { live: d.codeVersions, rolloutState: d.rolloutState };
        });
        await stack.up();
        declared = { codeVersions: split(0, 100), rollout: { steps: [{ percentage: 50, bakeSeconds: 20 }] } };
        const run = stack.up().then(
            () => undefined,
            (error: Error) => error,
        );
        await waitFor(
            "step 1 to serve",
            () => JSON.stringify(liveSplit(emulator, "native-cancel", "production")) === JSON.stringify(split(50, 50)),
            120_000,
        );
        const cli = stack.processes().find((p) => path.basename(p.argv[0]) === "pulumi" && p.argv.includes("up"));
        assert.ok(cli, JSON.stringify(stack.processes()));
        const interruptedAt = Date.now();
        process.kill(cli.pid, "SIGINT");
        const failure = await run;
        assert.ok(failure instanceof Error, "the cancelled `up` fails");
        assert.ok(
            Date.now() - interruptedAt < 15_000,
            `the walk stopped within its safe-point interval (${Date.now() - interruptedAt} ms)`,
        );
        assert.match(String(failure.message), /cancelled/);
        assert.deepEqual(liveSplit(emulator, "native-cancel", "production"), split(50, 50));
        assert.equal(deployments("native-cancel"), 2, "the first deployment and step 1, nothing after the cancel");
        const state = (await stack.exportState()).resources.find((r: any) => r.type === TYPE).outputs;
        assert.deepEqual(state.codeVersions, split(50, 50));
        assert.equal(state.rolloutState.status, "in-progress");
        assert.equal(state.rolloutState.step, 1);

        await stack.up();
        assert.deepEqual(liveSplit(emulator, "native-cancel", "production"), split(0, 100));
        assert.equal(deployments("native-cancel"), 3, "the target, once");
        const after = (await stack.exportState()).resources.find((r: any) => r.type === TYPE).outputs;
        assert.equal(after.rolloutState.status, "succeeded");
    });
});
