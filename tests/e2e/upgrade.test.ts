/**
 * Upgrading the package (SPEC §7): a stack deployed with one release, then a newer
 * release of the implementation installed in the project (same inputs, different
 * provider code). Pulumi keeps the provider's code in the state; ours stores only a
 * loader, so the upgrade must show no diff, and `refresh` and `destroy` (which run the
 * code from the state) must run the newly installed implementation.
 *
 * The "newer release" is a copy of the built package whose provider marks its `read`
 * and `delete` through the engine's log, the same channel the provider already uses.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Emulator, startEmulator } from "../../emulator";
import { asSet, diagnostics, emulatorCredentials, liveSplit, steps, TestStack } from "./harness";

const ROUTINE = "upgrade-edge";
const V1 = "1723599747213377175";
const SPLIT = [{ codeVersion: V1, percentage: 100 }];
const MARKER = "implementation v2";

/** Appended to the copy's dist/provider/index.js. */
const PATCH = `
// e2e: a newer release of the implementation, recognisable in the engine's log.
{
    const { engineLog } = require("./engine/log");
    const provider = exports.provider;
    const read = provider.read.bind(provider);
    const remove = provider.delete.bind(provider);
    provider.read = async (id, props) => {
        engineLog("warning", "${MARKER}: read " + id);
        return read(id, props);
    };
    provider.delete = async (id, props) => {
        engineLog("warning", "${MARKER}: delete " + id);
        return remove(id, props);
    };
}
`;

describe("e2e: a newer release of the package in an existing stack", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    let stack: TestStack;
    let storedProvider: string;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1] } });
        stack = await TestStack.create(
            async () => {
                // As a consumer's program: the package as installed in the project, whichever release that is.
                const { RoutineCodeDeployment } = stack.requirePackage();
                const deployment = new RoutineCodeDeployment("web", { name: ROUTINE, env: "production", codeVersions: SPLIT });
                return { deploymentId: deployment.deploymentId };
            },
            { config: { "esa:endpoint": emulator.endpoint }, env: emulatorCredentials() },
        );
    });

    after(async () => {
        await stack?.dispose();
        await emulator?.close();
    });

    it("a stack deployed with the current release stores only a small loader of the installed package as provider code", async () => {
        await stack.up();
        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), asSet(SPLIT));
        storedProvider = (await stack.deployments())[0].outputs.__provider;
        assert.equal(typeof storedProvider, "string");
        assert.ok(storedProvider.length < 1024, `${storedProvider.length} characters of provider code in every resource's state`);
        assert.ok(storedProvider.includes("esa-routine-deployment/provider"), storedProvider);
    });

    it("after installing a release with new provider code, `pulumi preview` shows no changes", async () => {
        stack.installPackageCopy((dir) => fs.appendFileSync(path.join(dir, "dist", "provider", "index.js"), PATCH));
        emulator.clearRequests();
        const preview = await stack.preview();
        assert.deepEqual(preview.changeSummary, { same: 2 });
        assert.deepEqual(
            steps(preview).map((s) => s.op),
            ["same"],
        );
        assert.deepEqual(emulator.requests(), []);
    });

    it("`pulumi refresh` runs the newly installed implementation, not a copy from the state", async () => {
        const refresh = await stack.refresh();
        assert.ok(
            diagnostics(refresh, "warning").some((m) => m.includes(`${MARKER}: read ${ROUTINE}:production`)),
            refresh.output,
        );
        assert.match(refresh.output, new RegExp(`${MARKER}: read`));
        // The state still holds the same small loader: nothing of either release's code.
        const [resource] = await stack.deployments();
        assert.equal(resource.outputs.__provider, storedProvider);
        assert.equal(resource.inputs.__provider, storedProvider);
        assert.ok(!storedProvider.includes(MARKER));
    });

    it("`pulumi destroy` runs the newly installed implementation", async () => {
        const destroy = await stack.destroy();
        assert.ok(
            diagnostics(destroy, "warning").some((m) => m.includes(`${MARKER}: delete ${ROUTINE}:production`)),
            destroy.output,
        );
        assert.match(destroy.output, /removed from the stack only/);
        assert.deepEqual(await stack.deployments(), []);
        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), asSet(SPLIT));
    });
});
