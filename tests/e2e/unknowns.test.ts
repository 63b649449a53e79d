/**
 * Building a code version and deploying it in one `pulumi up`: the version id is the
 * output of another resource, unknown while previewing. The official resource needs two
 * applies for this (ANCHORS.md); ours must preview it as "known after apply" and deploy
 * the resolved id in the same run.
 *
 * The build is the package's own `RoutineCodeVersion`: its create uploads the source and
 * commits it through the real upload flow (official SDK, signed requests, the form upload).
 */
import { strict as assert } from "assert";
import { Emulator, startEmulator } from "../../emulator";
import { RoutineCodeDeployment, RoutineCodeVersion } from "../../sdk";
import { asSet, emulatorCredentials, liveSplit, steps, TestStack } from "./harness";

const ROUTINE = "build-edge";
const PREVIOUS = "1723599747213377175";

describe("e2e: a code version built and deployed in one `pulumi up`", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    let stack: TestStack;
    let source = "console.log('v1')";

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [PREVIOUS] } });
        stack = await TestStack.create(
            async () => {
                const build = new RoutineCodeVersion("build", { routine: ROUTINE, code: source });
                const staging = new RoutineCodeDeployment("staging", {
                    name: ROUTINE,
                    env: "staging",
                    codeVersions: [{ codeVersion: build.codeVersion, percentage: 100 }],
                });
                return { built: build.codeVersion, deploymentId: staging.deploymentId };
            },
            { config: { "esa:endpoint": emulator.endpoint }, env: emulatorCredentials() },
        );
    });

    after(async () => {
        await stack?.dispose();
        await emulator?.close();
    });

    beforeEach(() => emulator.clearRequests());

    /** The code versions the emulator's routine has. */
    const versions = () =>
        emulator
            .state()
            .routines[ROUTINE].versions.map((v) => v.codeVersion)
            .sort();

    it("the first preview shows the version to deploy as computed, succeeds, and builds or deploys nothing", async () => {
        const preview = await stack.preview();
        assert.deepEqual(preview.changeSummary, { create: 3 });
        assert.deepEqual(
            steps(preview).map((s) => s.op),
            ["create"],
        );
        // The CLI's rendering of a value known only after apply.
        assert.match(preview.output, /codeVersion: \[unknown\]/);
        assert.deepEqual(emulator.requests(), []);
        assert.deepEqual(versions(), [PREVIOUS]);
    });

    it("one `pulumi up` commits the version and deploys the resolved id", async () => {
        const up = await stack.up();
        assert.deepEqual(emulator.countByAction().CommitRoutineStagingCode, 1);
        assert.deepEqual(emulator.countByAction().CreateRoutineCodeDeployment, 1);
        const built = up.outputs.built;
        assert.match(built, /^\d{19}$/);
        assert.deepEqual(versions(), [PREVIOUS, built].sort());
        assert.deepEqual(liveSplit(emulator, ROUTINE, "staging"), [{ codeVersion: built, percentage: 100 }]);
        const [resource] = await stack.deployments();
        assert.deepEqual(asSet(resource.outputs.codeVersions), [{ codeVersion: built, percentage: 100 }]);
        assert.equal(resource.outputs.deploymentId, up.outputs.deploymentId);
    });

    it("after a code change, the preview shows an in-place update to a computed version, and one `up` deploys the new build", async () => {
        const [before] = await stack.deployments();
        const previous = before.outputs.codeVersions[0].codeVersion;
        source = "console.log('v2')";

        const preview = await stack.preview();
        assert.deepEqual(preview.changeSummary, { replace: 1, update: 1, same: 1 });
        assert.deepEqual(
            steps(preview).map((s) => s.op),
            ["update"],
        );
        assert.match(preview.output, new RegExp(`codeVersion: "${previous}" => \\[unknown\\]`));
        assert.deepEqual(emulator.requests(), []);

        emulator.clearRequests();
        const up = await stack.up();
        assert.deepEqual(emulator.countByAction().CommitRoutineStagingCode, 1);
        assert.deepEqual(emulator.countByAction().CreateRoutineCodeDeployment, 1);
        const built = up.outputs.built;
        assert.notEqual(built, previous);
        assert.deepEqual(liveSplit(emulator, ROUTINE, "staging"), [{ codeVersion: built, percentage: 100 }]);
        assert.deepEqual(asSet((await stack.deployments())[0].outputs.codeVersions), [{ codeVersion: built, percentage: 100 }]);
    });
});
