/**
 * One stack's life, as a team rolling out an edge routine lives it: a program with
 * mistakes, the first deployment, reviews that must not touch anything, a canary step,
 * someone editing the split in the console, a move to another environment, `destroy`,
 * and the routine deleted behind Pulumi's back.
 *
 * The `it`s are consecutive steps on one stack and one emulator (each CLI run costs
 * seconds): they run in order and each starts from where the previous one left off.
 */
import { strict as assert } from "assert";
import { Emulator, startEmulator } from "../../emulator";
import { CodeVersionSplitArgs, RoutineCodeDeployment, RoutineEnvironment } from "../../sdk";
import { asSet, changedValueLines, DEPLOYMENT_TYPE, diagnostics, emulatorCredentials, liveSplit, steps, TestStack } from "./harness";

const ROUTINE = "hello-edge";
const V1 = "1723599747213377175";
const V2 = "1723599747213377176";
const URN = `urn:pulumi:test::esa-e2e::${DEPLOYMENT_TYPE}::web`;

describe("e2e: a RoutineCodeDeployment's life through the Pulumi CLI", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    let stack: TestStack;
    /** What the program declares; each step edits it, as a user edits index.ts. */
    let declared: { env: RoutineEnvironment | string; codeVersions: CodeVersionSplitArgs[] };

    const program = async () => {
        const deployment = new RoutineCodeDeployment("web", {
            name: ROUTINE,
            env: declared.env as RoutineEnvironment,
            codeVersions: declared.codeVersions,
        });
        return { id: deployment.id, deploymentId: deployment.deploymentId, codeVersions: deployment.codeVersions };
    };

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2] } });
        stack = await TestStack.create(program, { config: { "esa:endpoint": emulator.endpoint }, env: emulatorCredentials() });
    });

    after(async () => {
        await stack?.dispose();
        await emulator?.close();
    });

    beforeEach(() => emulator.clearRequests());

    it("a program with invalid input fails at preview with every problem named by property, and nothing is sent to ESA", async () => {
        declared = {
            env: "prod",
            codeVersions: [
                { codeVersion: V1, percentage: 30 },
                { codeVersion: V2, percentage: 30 },
                { codeVersion: "1723599747213377177", percentage: 30 },
            ],
        };
        const failure: any = await stack.preview().then(
            () => assert.fail("the preview of an invalid program succeeded"),
            (error) => error,
        );
        const errors = diagnostics(failure, "error").filter((m) => m.includes("resource 'web'"));
        const about = (property: string) => errors.filter((m) => m.includes(`property ${property} `));
        assert.equal(about("env").length, 1, errors.join("\n"));
        assert.match(about("env")[0], /env "prod" is not an ESA environment.*Did you mean "production"\?/);
        assert.equal(about("codeVersions").length, 2, errors.join("\n"));
        assert.ok(
            about("codeVersions").some((m) => /3 versions with a percentage above 0.*at most 2/.test(m)),
            errors.join("\n"),
        );
        assert.ok(
            about("codeVersions").some((m) => /add up to 90, but must add up to exactly 100/.test(m)),
            errors.join("\n"),
        );
        // What the user reads in the CLI's output says the same.
        assert.match(failure.message, /Did you mean "production"\?/);
        assert.deepEqual(emulator.requests(), []);
        assert.deepEqual(await stack.deployments(), []);
    });

    it("`pulumi up` deploys the declared split once and records deploymentId and the id <name>:<env>", async () => {
        declared = {
            env: "production",
            codeVersions: [
                { codeVersion: V1, percentage: 90 },
                { codeVersion: V2, percentage: 10 },
            ],
        };
        const up = await stack.up();

        assert.deepEqual(emulator.countByAction().CreateRoutineCodeDeployment, 1);
        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), asSet(declared.codeVersions as any));
        const live = emulator.state().routines[ROUTINE].deployments.production!;
        assert.equal(typeof up.outputs.deploymentId, "string");
        assert.equal(up.outputs.deploymentId, live.deploymentId);
        assert.equal(up.outputs.id, `${ROUTINE}:production`);

        const [resource, ...others] = await stack.deployments();
        assert.equal(others.length, 0);
        assert.equal(resource.id, `${ROUTINE}:production`);
        assert.equal(resource.outputs.deploymentId, live.deploymentId);
        assert.deepEqual(asSet(resource.outputs.codeVersions), asSet(declared.codeVersions as any));
    });

    it("an immediate `pulumi preview` reports no changes and sends ESA no request at all", async () => {
        const preview = await stack.preview();
        assert.deepEqual(preview.changeSummary, { same: 2 });
        assert.deepEqual(
            steps(preview).map((s) => s.op),
            ["same"],
        );
        assert.deepEqual(emulator.requests(), []);
    });

    it("the same versions listed in another order are no change, and the preview sends ESA nothing", async () => {
        declared = { ...declared, codeVersions: [...declared.codeVersions].reverse() };
        const preview = await stack.preview();
        assert.deepEqual(preview.changeSummary, { same: 2 });
        assert.deepEqual(
            steps(preview).map((s) => s.op),
            ["same"],
        );
        assert.deepEqual(emulator.requests(), []);
    });

    it("a canary step 90/10 → 50/50 previews as an in-place update showing old and new percentages, and `up` makes exactly one deployment", async () => {
        const before = (await stack.deployments())[0].outputs.deploymentId;
        declared = {
            ...declared,
            codeVersions: [
                { codeVersion: V2, percentage: 50 },
                { codeVersion: V1, percentage: 50 },
            ],
        };

        const preview = await stack.preview();
        assert.equal(preview.changeSummary.update, 1, JSON.stringify(preview.changeSummary));
        assert.equal(preview.changeSummary.replace, undefined, JSON.stringify(preview.changeSummary));
        assert.deepEqual(
            steps(preview).map((s) => [s.op, s.urn]),
            [["update", URN]],
        );
        const changes = changedValueLines(preview.output);
        assert.ok(
            changes.some((l) => /percentage\s*:\s*90 => 50/.test(l)),
            preview.output,
        );
        assert.ok(
            changes.some((l) => /percentage\s*:\s*10 => 50/.test(l)),
            preview.output,
        );
        assert.deepEqual(emulator.requests(), [], "a preview must not call ESA");

        const up = await stack.up();
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 1);
        assert.deepEqual(
            steps(up).map((s) => s.op),
            ["update"],
        );
        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), asSet(declared.codeVersions as any));
        const live = emulator.state().routines[ROUTINE].deployments.production!;
        assert.notEqual(live.deploymentId, before);
        assert.equal(up.outputs.deploymentId, live.deploymentId);
        assert.equal((await stack.deployments())[0].outputs.deploymentId, live.deploymentId);
    });

    // A split changed in the ESA console, behind Pulumi's back.
    const drift = [
        { codeVersion: V1, percentage: 20 },
        { codeVersion: V2, percentage: 80 },
    ];
    let driftId: string;

    it("a split changed in the ESA console shows in `pulumi preview --refresh` as the live split and an update back, and nothing is changed", async () => {
        driftId = emulator.setDeployment(ROUTINE, "production", drift);
        const preview = await stack.preview({ refresh: true });
        assert.equal(preview.changeSummary.update, 1, JSON.stringify(preview.changeSummary));
        assert.equal(preview.changeSummary.replace, undefined);
        assert.deepEqual(
            steps(preview).map((s) => s.op),
            ["refresh", "update"],
        );
        const changes = changedValueLines(preview.output);
        // The refresh part reads 50 → live, the plan goes live → 50.
        for (const line of [
            /percentage\s*:\s*50 => 20/,
            /percentage\s*:\s*50 => 80/,
            /percentage\s*:\s*20 => 50/,
            /percentage\s*:\s*80 => 50/,
        ]) {
            assert.ok(
                changes.some((l) => line.test(l)),
                `${line} not in:\n${preview.output}`,
            );
        }
        assert.ok(
            changes.some((l) => l.includes(`=> "${driftId}"`)),
            preview.output,
        );
        assert.deepEqual(Object.keys(emulator.countByAction()), ["GetRoutine"]);
        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), asSet(drift));
    });

    it("`pulumi refresh` records the split changed in the console in the stack", async () => {
        const refresh = await stack.refresh();
        assert.deepEqual(
            steps(refresh).map((s) => s.op),
            ["refresh"],
        );
        assert.match(refresh.output, /web updated .*\[diff: ~codeVersions/);
        const [resource] = await stack.deployments();
        assert.deepEqual(asSet(resource.outputs.codeVersions), asSet(drift));
        assert.equal(resource.outputs.deploymentId, driftId);
        assert.deepEqual(Object.keys(emulator.countByAction()), ["GetRoutine"]);
    });

    it("`pulumi up` after a console change restores the declared split", async () => {
        const up = await stack.up();
        assert.deepEqual(
            steps(up).map((s) => s.op),
            ["update"],
        );
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 1);
        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), asSet(declared.codeVersions as any));
        const [resource] = await stack.deployments();
        assert.deepEqual(asSet(resource.outputs.codeVersions), asSet(declared.codeVersions as any));
        assert.equal(resource.outputs.deploymentId, emulator.state().routines[ROUTINE].deployments.production!.deploymentId);
    });

    it("changing env previews as a replacement, and `up` deploys to the new env while the old one keeps serving", async () => {
        const production = emulator.state().routines[ROUTINE].deployments.production;
        declared = { ...declared, env: "staging" };

        const preview = await stack.preview();
        assert.equal(preview.changeSummary.replace, 1, JSON.stringify(preview.changeSummary));
        assert.equal(preview.changeSummary.update, undefined);
        const replace = steps(preview).find((s) => s.op === "replace");
        assert.ok(replace, JSON.stringify(steps(preview)));
        assert.deepEqual(replace.keys, ["env"]);
        assert.match(preview.output, /\+-.*RoutineCodeDeployment: \(replace\)/);
        assert.ok(
            changedValueLines(preview.output).some((l) => /env\s*:\s*"production" => "staging"/.test(l)),
            preview.output,
        );
        assert.deepEqual(emulator.requests(), []);

        const up = await stack.up();
        assert.deepEqual(
            steps(up).map((s) => s.op),
            ["create-replacement", "replace", "delete-replaced"],
        );
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 1);
        assert.deepEqual(liveSplit(emulator, ROUTINE, "staging"), asSet(declared.codeVersions as any));
        // ESA cannot withdraw a deployment: production is untouched, and the user is told.
        assert.deepEqual(emulator.state().routines[ROUTINE].deployments.production, production);
        assert.ok(
            diagnostics(up, "warning").some((m) => m.includes(`${ROUTINE}:production removed from the stack only`)),
            up.output,
        );
        const [resource, ...others] = await stack.deployments();
        assert.equal(others.length, 0);
        assert.equal(resource.id, `${ROUTINE}:staging`);
    });

    it("`pulumi destroy` removes the resource from the stack, leaves the live split serving, and says so", async () => {
        const live = emulator.state();
        const destroy = await stack.destroy();
        assert.deepEqual(
            steps(destroy).map((s) => s.op),
            ["delete"],
        );
        assert.deepEqual(await stack.deployments(), []);
        assert.deepEqual(emulator.state(), live);
        assert.deepEqual(emulator.requests(), [], "delete must not call ESA");
        assert.match(
            destroy.output,
            new RegExp(`RoutineCodeDeployment ${ROUTINE}:staging removed from the stack only: ESA cannot withdraw a deployment`),
        );
    });

    it("declaring a split that is already live adopts it on `pulumi up` without deploying again", async () => {
        const live = emulator.state().routines[ROUTINE].deployments.staging!;
        const up = await stack.up();
        assert.deepEqual(
            steps(up).map((s) => s.op),
            ["create"],
        );
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, undefined);
        assert.equal(up.outputs.deploymentId, live.deploymentId);
        assert.ok(
            diagnostics(up).some((m) => /adopted, nothing deployed/.test(m)),
            up.output,
        );
    });

    it("a routine deleted outside Pulumi leaves the stack on `pulumi refresh`", async () => {
        emulator.deleteRoutine(ROUTINE);
        const refresh = await stack.refresh();
        assert.deepEqual(await stack.deployments(), []);
        assert.match(refresh.output, /RoutineCodeDeployment web deleted/);
        assert.deepEqual(Object.keys(emulator.countByAction()), ["GetRoutine"]);
    });
});
