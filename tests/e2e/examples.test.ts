/**
 * Every program in `examples/` and the root `Pulumi.yaml` quickstart runs `pulumi up`
 * and `pulumi destroy` cleanly against the emulator, with nothing configured but the
 * emulator's endpoint and test AccessKey pair: the emulator is seeded as
 * `npm run emulator` seeds it, which is what the examples' defaults are written for.
 *
 * Each program is copied into a fresh project directory whose `node_modules` holds this
 * package, as in a consumer's project, and run as an inline program under its own
 * project name (so `new pulumi.Config()` reads the namespace its Pulumi.yaml declares).
 * Examples are discovered, not listed: a new one is tested without editing this file.
 * The root quickstart's `main` is an example's program; that program runs once, under
 * the root project.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PulumiFn } from "@pulumi/pulumi/automation";
import { Emulator, startEmulator } from "../../emulator";
import { DEMO_ROUTINES } from "../../emulator/cli";
import { asSet, DEPLOYMENT_TYPE, diagnostics, emulatorCredentials, liveSplit, repoRoot, steps, TestStack } from "./harness";

interface ExampleProject {
    /** As shown in test names, e.g. `examples/canary`. */
    title: string;
    projectName: string;
    /** The program's entry file. */
    main: string;
}

/** Top-level `name:` and `main:` of a Pulumi.yaml (the only keys needed here). */
function readProject(file: string): { name: string; main?: string } {
    const text = fs.readFileSync(file, "utf8");
    const field = (key: string) => text.match(new RegExp(`^${key}:\\s*["']?([^"'\\s#]+)`, "m"))?.[1];
    const name = field("name");
    if (!name) throw new Error(`${file} has no name`);
    return { name, main: field("main") };
}

function discoverProjects(): ExampleProject[] {
    const projects: ExampleProject[] = [];
    const root = readProject(path.join(repoRoot, "Pulumi.yaml"));
    projects.push({ title: "the root Pulumi.yaml quickstart", projectName: root.name, main: path.join(repoRoot, root.main ?? "index.ts") });
    const examples = path.join(repoRoot, "examples");
    for (const entry of fs.readdirSync(examples, { withFileTypes: true })) {
        const dir = path.join(examples, entry.name);
        if (!entry.isDirectory() || !fs.existsSync(path.join(dir, "Pulumi.yaml"))) continue;
        const project = readProject(path.join(dir, "Pulumi.yaml"));
        const main = path.join(dir, project.main ?? "index.ts");
        // The root quickstart runs an example's program: one run covers both.
        const same = projects.find((p) => path.resolve(p.main) === path.resolve(main));
        if (same) same.title += ` (examples/${entry.name})`;
        else projects.push({ title: `examples/${entry.name}`, projectName: project.name, main });
    }
    return projects;
}

describe("e2e: the examples run against the emulator", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    const projects = discoverProjects();

    before(async () => {
        emulator = await startEmulator({ routines: DEMO_ROUTINES });
    });

    after(async () => {
        await emulator?.close();
    });

    it("finds the quickstart and the examples", () => {
        assert.ok(fs.existsSync(projects[0].main), `${projects[0].main} (main of the root Pulumi.yaml) does not exist`);
        assert.ok(fs.readdirSync(path.join(repoRoot, "examples")).length > 0, "no example found in examples/");
    });

    for (const project of projects) {
        it(`${project.title}: \`pulumi up\` deploys what it declares and \`pulumi destroy\` removes it from the stack, without errors or warnings`, async () => {
            emulator.reset();
            let program: PulumiFn = async () => {
                throw new Error("program not loaded");
            };
            const stack = await TestStack.create(() => program(), {
                projectName: project.projectName,
                config: { "esa:endpoint": emulator.endpoint },
                env: emulatorCredentials(),
            });
            try {
                // The program as a file of the project, so that its imports resolve from the project's node_modules.
                const main = path.join(stack.projectDir, path.basename(project.main));
                fs.copyFileSync(project.main, main);
                const loaded = require(main);
                program = typeof loaded === "function" ? loaded : loaded.default;
                assert.equal(typeof program, "function", `${project.main} must export a program function`);

                const up = await stack.up();
                assert.deepEqual(diagnostics(up, "error"), []);
                assert.deepEqual(diagnostics(up, "warning"), []);
                const created = steps(up);
                assert.ok(created.length > 0, "the program declares no RoutineCodeDeployment");
                assert.ok(
                    created.every((s) => s.op === "create"),
                    JSON.stringify(created),
                );

                // What the stack records is what ESA serves, for every deployment.
                const resources = await stack.deployments();
                assert.equal(resources.length, created.length);
                for (const r of resources) {
                    const { name, env, codeVersions, deploymentId } = r.outputs;
                    assert.equal(r.id, `${name}:${env}`);
                    assert.deepEqual(liveSplit(emulator, name, env), asSet(codeVersions), `${r.urn}`);
                    assert.equal(emulator.state().routines[name].deployments[env as "staging" | "production"]!.deploymentId, deploymentId);
                }

                const live = emulator.state();
                const destroy = await stack.destroy();
                assert.deepEqual(diagnostics(destroy, "error"), []);
                const warnings = diagnostics(destroy, "warning");
                assert.equal(warnings.length, resources.length, warnings.join("\n"));
                assert.ok(
                    warnings.every((w) => w.includes("removed from the stack only")),
                    warnings.join("\n"),
                );
                assert.deepEqual((await stack.exportState()).resources?.filter((r: any) => r.type === DEPLOYMENT_TYPE) ?? [], []);
                assert.deepEqual(emulator.state(), live);
            } finally {
                await stack.dispose();
            }
        });
    }
});
