/**
 * The package as a consumer gets it: `npm pack`, install the tarball into a fresh
 * Pulumi TypeScript project that has nothing to do with this repository, type-check the
 * program against the published `.d.ts`, then `up`, `preview` and `destroy` it with the
 * real Pulumi CLI against the emulator. Proves the published files, the types and the
 * provider loader stored in the state work from `node_modules`.
 */
import { strict as assert } from "assert";
import { execFile, execFileSync } from "child_process";
import { promisify } from "util";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, Emulator, startEmulator } from "../../emulator";
import { serializedProvider } from "../../provider/engine/shim";
import { pulumiBinDir, repoRoot } from "../e2e/harness";

const A = "1723599747213377175";
const B = "1723599747213377176";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { RoutineCodeDeployment, RoutineCodeDeploymentArgs } from "esa-routine-deployment";

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

/** Runs the program with the consumer's own @pulumi/pulumi Automation API, as an inline program. */
const RUNNER = `const path = require("path");
const { LocalWorkspace, PulumiCommand } = require("@pulumi/pulumi/automation");
(async () => {
    const [binDir, backend, home, endpoint] = process.argv.slice(2);
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: "dev", projectName: "consumer", program: require(path.join(__dirname, "index.js")) },
        {
            workDir: __dirname,
            pulumiHome: home,
            pulumiCommand: await PulumiCommand.get({ root: path.dirname(binDir) }),
            secretsProvider: "passphrase",
            projectSettings: { name: "consumer", runtime: "nodejs", backend: { url: "file://" + backend } },
            envVars: { PATH: binDir + path.delimiter + process.env.PATH, PULUMI_CONFIG_PASSPHRASE: "consumer", PULUMI_SKIP_UPDATE_CHECK: "true" },
        },
    );
    await stack.setConfig("esa:endpoint", { value: endpoint });
    const up = await stack.up();
    const state = (await stack.exportStack()).deployment;
    const preview = await stack.preview();
    const destroy = await stack.destroy();
    console.log(JSON.stringify({
        outputs: Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value])),
        resources: state.resources.filter((r) => r.type.includes("RoutineCodeDeployment")),
        previewChanges: preview.changeSummary,
        destroyOutput: destroy.stdout,
    }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe("consumer install from the packed tarball", function () {
    this.timeout(15 * 60_000);
    let dir: string;
    let emulator: Emulator;
    let pack: { filename: string; size: number; entryCount: number; files: { path: string }[] };

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-consumer-"));
        emulator = await startEmulator({ routines: { "hello-edge": [A, B] } });
        pack = JSON.parse(
            execFileSync("npm", ["pack", "--json", "--pack-destination", dir], {
                cwd: repoRoot,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "ignore"],
            }),
        )[0];
        console.log(`      tarball: ${pack.filename}, ${pack.size} bytes, ${pack.entryCount} files`);
    });
    after(async () => {
        await emulator?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("ships compiled JavaScript and types only: no sources, tests or scripts", () => {
        const files = pack.files.map((f) => f.path);
        assert.ok(files.includes("dist/index.js") && files.includes("dist/index.d.ts") && files.includes("dist/provider/index.js"));
        assert.ok(files.includes("dist/emulator/index.js"));
        const stray = files.filter((f) => !/^(dist\/.*\.(js|d\.ts)|package\.json|README\.md|CHANGELOG\.md|LICENSE)$/.test(f));
        assert.deepEqual(stray, []);
    });

    it("installs into a fresh project, type-checks, and runs up / preview / destroy with the real CLI", async () => {
        const project = path.join(dir, "project");
        fs.mkdirSync(project);
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, main: "index.js" }));
        fs.writeFileSync(path.join(project, "index.ts"), PROGRAM);
        fs.writeFileSync(path.join(project, "run.js"), RUNNER);
        const pulumiVersion = require("@pulumi/pulumi/package.json").version;
        execFileSync(
            "npm",
            ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(dir, pack.filename), `@pulumi/pulumi@${pulumiVersion}`],
            {
                cwd: project,
                stdio: "ignore",
            },
        );
        assert.ok(
            !fs.lstatSync(path.join(project, "node_modules/esa-routine-deployment")).isSymbolicLink(),
            "installed from the tarball, not linked",
        );

        // The published .d.ts files are enough to type-check a strict program.
        const tsc = path.join(repoRoot, "node_modules/.bin/tsc");
        execFileSync(tsc, ["--strict", "--module", "commonjs", "--target", "es2022", "--esModuleInterop", "--skipLibCheck", "index.ts"], {
            cwd: project,
            encoding: "utf8",
        });

        const binDir = pulumiBinDir();
        for (const state of ["backend", "home"]) fs.mkdirSync(path.join(dir, state));
        // Asynchronously: the emulator answering the provider lives in this process.
        const { stdout: output } = await promisify(execFile)(
            process.execPath,
            ["run.js", binDir, path.join(dir, "backend"), path.join(dir, "home"), emulator.endpoint],
            {
                cwd: project,
                encoding: "utf8",
                env: {
                    ...process.env,
                    ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID,
                    ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_ACCESS_KEY_SECRET,
                },
            },
        );
        const result = JSON.parse(output.trim().split("\n").at(-1)!);
        assert.equal(result.outputs.id, "hello-edge:production");
        assert.equal(typeof result.outputs.deploymentId, "string");
        assert.equal(result.resources.length, 1);
        assert.equal(result.resources[0].inputs.__provider, serializedProvider, "the state stores the loader, not the implementation");
        assert.deepEqual(result.previewChanges, { same: 2 });
        assert.match(result.destroyOutput, /removed from the stack only/);
        assert.deepEqual(
            emulator
                .state()
                .routines["hello-edge"].deployments.production!.codeVersions.map((v) => v.percentage)
                .sort(),
            [10, 90],
        );
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 1);
    });
});
