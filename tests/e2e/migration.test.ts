/**
 * Moving a deployment from the official `alicloud.esa.RoutineCodeDeployment` (README,
 * "Migration"): the split is live already, deployed by the other tool; after the old
 * resource is dropped from its stack, this package's resource declares the same split.
 * The ids are the same format (`<routine name>:<env>`), so an existing deployment can
 * also be looked up by the id the alicloud provider imports with.
 *
 * Not covered: `{ import: "<name>:<env>" }`. Pulumi's Node.js dynamic-provider plugin
 * cannot import (it reads the missing properties of an import request and fails before
 * any provider code runs; pulumi/pulumi#3550, #16175), so adoption is the way over.
 */
import { strict as assert } from "assert";
import { Emulator, startEmulator } from "../../emulator";
import { RoutineCodeDeployment } from "../../sdk";
import { asSet, emulatorCredentials, liveSplit, steps, TestStack } from "./harness";

const ROUTINE = "hello-edge";
const V1 = "1723599747213377175";
const V2 = "1723599747213377176";
const PRODUCTION = [
    { codeVersion: V1, percentage: 80 },
    { codeVersion: V2, percentage: 20 },
];
const STAGING = [{ codeVersion: V2, percentage: 100 }];

describe("e2e: moving over from alicloud.esa.RoutineCodeDeployment", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    let stack: TestStack;
    let lookUpStaging = false;
    /** The deployments made by the other tool, before this package is used. */
    const earlier: Record<string, string> = {};

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2] } });
        earlier.production = emulator.setDeployment(ROUTINE, "production", PRODUCTION);
        earlier.staging = emulator.setDeployment(ROUTINE, "staging", STAGING);
        stack = await TestStack.create(
            async () => {
                const production = new RoutineCodeDeployment("hello", { name: ROUTINE, env: "production", codeVersions: PRODUCTION });
                const outputs: Record<string, unknown> = { deploymentId: production.deploymentId };
                if (lookUpStaging) {
                    const staging = RoutineCodeDeployment.get("staging", `${ROUTINE}:staging`);
                    Object.assign(outputs, {
                        stagingName: staging.name,
                        stagingEnv: staging.env,
                        stagingSplit: staging.codeVersions,
                        stagingDeploymentId: staging.deploymentId,
                    });
                }
                return outputs;
            },
            { config: { "esa:endpoint": emulator.endpoint }, env: emulatorCredentials() },
        );
    });

    after(async () => {
        await stack?.dispose();
        await emulator?.close();
    });

    beforeEach(() => emulator.clearRequests());

    it("declaring the live split adopts it on `pulumi up`: one GetRoutine, no deployment, the same DeploymentId", async () => {
        const up = await stack.up();
        assert.deepEqual(
            steps(up).map((s) => s.op),
            ["create"],
        );
        assert.deepEqual(emulator.countByAction(), { GetRoutine: 1 });
        assert.equal(up.outputs.deploymentId, earlier.production);
        const [resource] = await stack.deployments();
        assert.equal(resource.id, `${ROUTINE}:production`);
        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), asSet(PRODUCTION));
    });

    it("`RoutineCodeDeployment.get` with the alicloud import id `<name>:<env>` reads the live deployment", async () => {
        lookUpStaging = true;
        const up = await stack.up();
        assert.deepEqual(
            steps(up)
                .map((s) => s.op)
                .sort(),
            ["read", "same"],
        );
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, undefined);
        assert.equal(up.outputs.stagingName, ROUTINE);
        assert.equal(up.outputs.stagingEnv, "staging");
        assert.deepEqual(asSet(up.outputs.stagingSplit), asSet(STAGING));
        assert.equal(up.outputs.stagingDeploymentId, earlier.staging);
    });
});
