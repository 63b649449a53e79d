/**
 * Building a code version and deploying it in one `pulumi up`: the version id is the
 * output of another resource, unknown while previewing. The official resource needs two
 * applies for this (ANCHORS.md); ours must preview it as "known after apply" and deploy
 * the resolved id in the same run.
 *
 * The "build" is a test-only dynamic resource whose create commits the routine's staging
 * code through the real `CommitRoutineStagingCode` action (official SDK, signed request),
 * as a build step in a user's program would.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Emulator, startEmulator } from "../../emulator";
import { RoutineCodeDeployment } from "../../sdk";
import { asSet, emulatorCredentials, liveSplit, steps, TestStack } from "./harness";

const ROUTINE = "build-edge";
const PREVIOUS = "1723599747213377175";

interface CodeVersionCommitArgs {
    routine: pulumi.Input<string>;
    /** Where ESA is (the emulator); credentials come from the environment, as for the package's provider. */
    endpoint: pulumi.Input<string>;
    /** Stands for the code: a new value commits a new version (replacement). */
    source: pulumi.Input<string>;
}

/**
 * Serialized by Pulumi into the state and run by the engine's dynamic-provider process:
 * it must be self-contained (no captured clients or modules; `require` inside).
 */
const codeVersionCommitProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: any, news: any) {
        const replaces = ["routine", "endpoint", "source"].filter((key) => olds[key] !== news[key]);
        return { changes: replaces.length > 0, replaces };
    },
    async create(inputs: any) {
        const esa = require("@alicloud/esa20240910");
        const { $OpenApiUtil } = require("@alicloud/openapi-core");
        const url = new URL(inputs.endpoint);
        const client = new esa.default(
            new $OpenApiUtil.Config({
                accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
                accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
                endpoint: url.host,
                protocol: url.protocol.replace(":", ""),
                regionId: "cn-hangzhou",
            }),
        );
        const response = await client.commitRoutineStagingCode(
            new esa.CommitRoutineStagingCodeRequest({ name: inputs.routine, codeDescription: inputs.source }),
        );
        const codeVersion = String(response.body.codeVersion);
        return { id: codeVersion, outs: { ...inputs, codeVersion } };
    },
    async delete() {
        // Committed versions stay, as they do in ESA after a build is superseded.
    },
};

class CodeVersionCommit extends pulumi.dynamic.Resource {
    declare readonly codeVersion: pulumi.Output<string>;
    constructor(name: string, args: CodeVersionCommitArgs, opts?: pulumi.CustomResourceOptions) {
        super(codeVersionCommitProvider, name, { ...args, codeVersion: undefined }, opts, "e2e", "CodeVersionCommit");
    }
}

describe("e2e: a code version built and deployed in one `pulumi up`", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    let stack: TestStack;
    let source = "console.log('v1')";

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [PREVIOUS] } });
        stack = await TestStack.create(
            async () => {
                const build = new CodeVersionCommit("build", { routine: ROUTINE, endpoint: emulator.endpoint, source });
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
