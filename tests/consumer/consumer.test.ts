/**
 * The package as a consumer gets it: `npm pack`, installed from the tarball into a fresh
 * Pulumi TypeScript project that has nothing to do with this repository, the program
 * type-checked against the published `.d.ts`, then `pulumi up`, `preview` and
 * `destroy` in that project with the real CLI and language host against the emulator.
 * Proves the published files, the types and the provider loader stored in the state
 * work from `node_modules`.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator, startEmulator } from "../../emulator";
import { serializedProvider } from "../../provider/engine/shim";
import {
    emulatorCredentials,
    installProject,
    packedPackage,
    Project,
    pulumiBinDir,
    PulumiSession,
    repoRoot,
} from "../../scripts/toolchain";
import { DEPLOYMENT_TYPE } from "../e2e/harness";

const A = "1723599747213377175";
const B = "1723599747213377176";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { RoutineCodeDeployment, RoutineCodeDeploymentArgs } from "esa-routine-deployment";
// The native path's classes type-check under the default (node) module resolution too.
import type { Provider } from "esa-routine-deployment/native";
type NativeProvider = Provider;

export = async () => {
    const config = new pulumi.Config();
    const args: RoutineCodeDeploymentArgs = {
        name: "hello-edge",
        env: "production",
        codeVersions: [
            { codeVersion: "${A}", percentage: 100 - (config.getNumber("canary") ?? 10) },
            { codeVersion: "${B}", percentage: config.getNumber("canary") ?? 10 },
        ],
    };
    const deployment = new RoutineCodeDeployment("production", args);
    return { id: deployment.id, deploymentId: deployment.deploymentId };
};
`;

/** Lists the files `npm pack` puts in the tarball. */
function tarballFiles(tarball: string): string[] {
    return execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map((f) => f.replace(/^package\//, ""));
}

describe("consumer install from the packed tarball", function () {
    this.timeout(15 * 60_000);
    let source: string;
    let emulator: Emulator;
    let tarball: string;

    before(async () => {
        source = fs.mkdtempSync(path.join(os.tmpdir(), "esa-consumer-"));
        emulator = await startEmulator({ routines: { "hello-edge": [A, B] } });
        tarball = packedPackage();
        console.log(`      tarball: ${path.basename(tarball)}, ${fs.statSync(tarball).size} bytes`);
    });
    after(async () => {
        await emulator?.close();
        if (source) fs.rmSync(source, { recursive: true, force: true });
    });

    it("ships compiled JavaScript and types, the native plugin, its schema and the generated SDKs: no sources, tests or scripts", () => {
        const files = tarballFiles(tarball);
        assert.ok(files.includes("dist/index.js") && files.includes("dist/index.d.ts") && files.includes("dist/provider/index.js"));
        assert.ok(files.includes("dist/emulator/index.js"));
        assert.ok(files.includes("bin/pulumi-resource-esa") && files.includes("provider/schema.json"), "the native plugin and its schema");
        assert.ok(files.includes("sdk/python/pyproject.toml") && files.includes("sdk/go/go.mod"), "the Python and Go SDKs");
        const stray = files.filter(
            (f) =>
                !/^(dist\/.*\.(js|d\.ts)|bin\/pulumi-resource-esa|provider\/schema\.json|sdk\/(python|go)\/.*|package\.json|README\.md|CHANGELOG\.md|LICENSE)$/.test(
                    f,
                ),
        );
        assert.deepEqual(stray, []);
    });

    it("installs into a fresh project, type-checks, and runs pulumi up / preview / destroy there", async () => {
        // CONSUMER_PULUMI_VERSION: another @pulumi/pulumi than the pinned one (CI also runs the newest).
        const pulumiVersion = process.env.CONSUMER_PULUMI_VERSION ?? require("@pulumi/pulumi/package.json").version;
        fs.writeFileSync(
            path.join(source, "package.json"),
            JSON.stringify({
                name: "consumer",
                private: true,
                main: "index.ts",
                dependencies: { "@pulumi/pulumi": pulumiVersion },
                devDependencies: { typescript: "^5.0.0", "@types/node": "^20.0.0" },
            }),
        );
        fs.writeFileSync(path.join(source, "Pulumi.yaml"), "name: consumer\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
        fs.writeFileSync(path.join(source, "index.ts"), PROGRAM);
        const installed = await installProject(source);
        const project = new Project(PulumiSession.create({ env: emulatorCredentials() }), installed.dir);
        try {
            const manifest = JSON.parse(fs.readFileSync(path.join(installed.dir, "package.json"), "utf8"));
            assert.match(manifest.dependencies["esa-routine-deployment"], /^file:esa-routine-deployment-.*\.tgz$/);
            assert.ok(
                !fs.lstatSync(path.join(installed.dir, "node_modules/esa-routine-deployment")).isSymbolicLink(),
                "installed from the tarball, not linked",
            );

            // The published .d.ts files are enough to type-check a strict program.
            const tsc = path.join(repoRoot, "node_modules/.bin/tsc");
            execFileSync(
                tsc,
                ["--strict", "--noEmit", "--module", "commonjs", "--target", "es2022", "--esModuleInterop", "--skipLibCheck", "index.ts"],
                { cwd: installed.dir, encoding: "utf8" },
            );

            await project.session.login();
            await project.stackInit("dev");
            await project.setConfig("esa:endpoint", emulator.endpoint);
            const up = await project.up({ args: ["--skip-preview"] });
            const outputs = await project.outputs();
            assert.equal(outputs.id, "hello-edge:production", up.output);
            assert.equal(typeof outputs.deploymentId, "string");
            const resources = ((await project.exportState()).resources ?? []).filter((r: any) => r.type === DEPLOYMENT_TYPE);
            assert.equal(resources.length, 1);
            assert.equal(resources[0].inputs.__provider, serializedProvider, "the state stores the loader, not the implementation");

            await project.preview({ args: ["--expect-no-changes"] });

            // The native plugin from the installed package: `plugin install` into this
            // session's PULUMI_HOME, then a YAML program with no `plugins:` section finds it.
            execFileSync(
                process.execPath,
                [path.join(installed.dir, "node_modules/esa-routine-deployment/dist/provider/cli/main.js"), "plugin", "install"],
                {
                    env: { ...process.env, ...project.session.env, PATH: `${pulumiBinDir()}${path.delimiter}${process.env.PATH}` },
                    encoding: "utf8",
                },
            );
            const yamlDir = path.join(installed.dir, "yaml");
            fs.mkdirSync(yamlDir);
            fs.writeFileSync(
                path.join(yamlDir, "Pulumi.yaml"),
                "name: consumer-yaml\nruntime: yaml\nresources:\n  staging:\n    type: esa:index:RoutineCodeDeployment\n" +
                    `    properties:\n      name: hello-edge\n      env: staging\n      codeVersions:\n        - codeVersion: "${B}"\n          percentage: 100\n`,
            );
            const yaml = new Project(project.session, yamlDir);
            await yaml.stackInit("dev");
            await yaml.setConfig("esa:endpoint", emulator.endpoint);
            await yaml.up();
            assert.deepEqual(emulator.state().routines["hello-edge"].deployments.staging?.codeVersions, [
                { codeVersion: B, percentage: 100 },
            ]);
            await yaml.destroy();

            const destroy = await project.destroy({ args: ["--skip-preview"] });
            assert.match(destroy.output, /removed from the stack only/);
            assert.deepEqual(
                emulator
                    .state()
                    .routines["hello-edge"].deployments.production!.codeVersions.map((v) => v.percentage)
                    .sort(),
                [10, 90],
            );
            assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 2, "production, then staging from the YAML program");
        } finally {
            project.session.dispose();
            fs.rmSync(installed.dir, { recursive: true, force: true });
        }
    });
});
