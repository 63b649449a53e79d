/**
 * Releasing from source through the real Pulumi CLI against the emulator over HTTPS
 * (SPEC §9): the program of `examples/release-from-source` (a `Routine`, a
 * `RoutineCodeVersion` from a source file, staging at 100 %, a production canary) goes
 * from nothing to production in one `up`; a code edit previews one new version and both
 * deployment updates together and makes exactly that in the next `up`; a no-op preview
 * sends nothing; the state holds no source.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_ACCESS_KEY_SECRET, Emulator, startEmulator } from "../../emulator";
import { Routine, RoutineCodeDeployment, RoutineCodeVersion } from "../../sdk";
import { diagnostics, emulatorCredentials, liveSplit, steps, TestStack } from "./harness";

const VERSION_TYPE = "pulumi-nodejs:dynamic/esa:RoutineCodeVersion";
const ROUTINE_TYPE = "pulumi-nodejs:dynamic/esa:Routine";
const ROUTINE = "release-edge";

/** The example's program, with the source file and config given by the test. */
function releaseProgram(sourceFile: string, config: { stableVersion?: string; canaryPercent?: number } = {}) {
    return async () => {
        const routine = new Routine("routine", { name: ROUTINE, description: "Released from source" });
        const version = new RoutineCodeVersion("code", {
            routine: routine.name,
            code: new pulumi.asset.FileAsset(sourceFile),
            description: "routine/index.js",
            deployEnv: "production",
        });
        const staging = new RoutineCodeDeployment("staging", {
            name: routine.name,
            env: "staging",
            codeVersions: [{ codeVersion: version.codeVersion, percentage: 100 }],
        });
        const canary = config.stableVersion ? (config.canaryPercent ?? 10) : 100;
        const production = new RoutineCodeDeployment(
            "production",
            {
                name: routine.name,
                env: "production",
                codeVersions: [
                    { codeVersion: version.codeVersion, percentage: canary },
                    ...(config.stableVersion ? [{ codeVersion: config.stableVersion, percentage: 100 - canary }] : []),
                ],
            },
            { dependsOn: [staging] },
        );
        return { codeVersion: version.codeVersion, production: production.codeVersions };
    };
}

describe("e2e: release from source in one `pulumi up` (HTTPS)", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    let stack: TestStack;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-release-src-"));
    const source = path.join(dir, "index.js");
    const V1 = "export default { fetch() { return new Response('release-v1-7f3a91') } };\n";
    const V2 = "export default { fetch() { return new Response('release-v2-c0ffee') } };\n";
    let first: string;

    before(async () => {
        emulator = await startEmulator({ https: true });
        fs.writeFileSync(source, V1);
        stack = await TestStack.create(releaseProgram(source), {
            config: { "esa:endpoint": emulator.httpsEndpoint!, "esa:timeoutSeconds": "60" },
            env: { ...emulatorCredentials(), NODE_EXTRA_CA_CERTS: emulator.caFile! },
            projectName: "esa-release",
        });
    });
    after(async () => {
        await stack?.dispose();
        await emulator?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("from nothing to a production canary of the source in one `up`", async () => {
        const started = Date.now();
        const run = await stack.up();
        const seconds = (Date.now() - started) / 1000;
        first = run.outputs.codeVersion;
        assert.match(first, /^\d{19}$/);
        assert.deepEqual(liveSplit(emulator, ROUTINE, "staging"), [{ codeVersion: first, percentage: 100 }]);
        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), [{ codeVersion: first, percentage: 100 }]);
        const counts = emulator.countByAction();
        assert.equal(counts.CreateRoutine, 1);
        assert.equal(counts.CommitRoutineStagingCode, 1);
        assert.equal(counts.CreateRoutineCodeDeployment, 2);
        console.log(`      first release: ${seconds.toFixed(1)} s, ESA calls ${JSON.stringify(counts)}`);
    });

    it("the exported state holds the content hash, never the source", async () => {
        const state = await stack.exportState({ showSecrets: true });
        const text = JSON.stringify(state);
        assert.ok(!text.includes("release-v1-7f3a91"), "the source text is in the state");
        const version = state.resources.find((r: any) => r.type === VERSION_TYPE);
        assert.match(version.outputs.contentHash, /^[0-9a-f]{64}$/);
        console.log(`      state of one RoutineCodeVersion: ${JSON.stringify(version).length} bytes`);
    });

    it("a no-op preview sends nothing to ESA", async () => {
        emulator.clearRequests();
        const preview = await stack.preview();
        assert.equal(preview.changeSummary.update ?? 0, 0);
        assert.equal(preview.changeSummary.replace ?? 0, 0);
        assert.deepEqual(emulator.requests(), []);
    });

    it("a refresh finds the version and the routine as recorded: no drift", async () => {
        const preview = await stack.preview({ refresh: true });
        assert.equal(preview.changeSummary.update ?? 0, 0);
        assert.equal(preview.changeSummary.replace ?? 0, 0);
        assert.equal(preview.changeSummary.delete ?? 0, 0);
        assert.equal(preview.changeSummary.create ?? 0, 0);
    });

    it("a code edit: one preview shows the new version and both deployment updates; the next `up` makes exactly those", async () => {
        fs.writeFileSync(source, V2);
        const preview = await stack.preview();
        const replacement = steps(preview, VERSION_TYPE).find((s) => s.op === "create-replacement");
        assert.ok(replacement, "the version is replaced");
        // The reviewer sees what changed: the source, not only a hash.
        assert.ok(replacement.keys?.includes("sourceHash"), JSON.stringify(replacement.keys));
        assert.deepEqual(
            steps(preview).map((s) => s.op),
            ["update", "update"],
        );
        assert.equal(steps(preview, ROUTINE_TYPE)[0]?.op ?? "same", "same");

        emulator.clearRequests();
        const started = Date.now();
        const run = await stack.up();
        const seconds = (Date.now() - started) / 1000;
        const second = run.outputs.codeVersion;
        assert.notEqual(second, first);
        const counts = emulator.countByAction();
        assert.equal(counts.CommitRoutineStagingCode, 1);
        assert.equal(counts.PostObject, 1);
        assert.equal(counts.CreateRoutineCodeDeployment, 2);
        assert.deepEqual(liveSplit(emulator, ROUTINE, "production"), [{ codeVersion: second, percentage: 100 }]);
        // The replaced version served nothing once both deployments moved: deleted.
        assert.deepEqual(
            emulator.state().routines[ROUTINE].versions.map((v) => v.codeVersion),
            [second],
        );
        const at = (action: string) => Date.parse(emulator.requests().find((r) => r.action === action)!.at);
        const versionMs = at("GetRoutineCodeVersionInfo") - at("GetRoutineStagingCodeUploadInfo");
        console.log(
            `      code-edit release: ${seconds.toFixed(1)} s (the version itself: ${versionMs} ms), ESA calls ${JSON.stringify(counts)}`,
        );
    });

    it("a canary from config: the next edit goes to 10 % of production next to the stable version", async () => {
        const stable = emulator.state().routines[ROUTINE].versions[0].codeVersion;
        fs.writeFileSync(source, V1.replace("v1", "v3"));
        stack.setProgram(releaseProgram(source, { stableVersion: stable, canaryPercent: 10 }));
        const run = await stack.up();
        const canary = run.outputs.codeVersion;
        const live = liveSplit(emulator, ROUTINE, "production")!;
        assert.deepEqual(
            live.find((v) => v.codeVersion === canary),
            { codeVersion: canary, percentage: 10 },
        );
        assert.deepEqual(
            live.find((v) => v.codeVersion === stable),
            { codeVersion: stable, percentage: 90 },
        );
        // The stable version still serves: kept, and the run says so.
        assert.ok(emulator.state().routines[ROUTINE].versions.some((v) => v.codeVersion === stable));
        assert.ok(diagnostics(run).some((m) => /not deleted in ESA now/.test(m)));
    });

    it("neither the AccessKey secret nor the source is in any file of the stack or in anything the CLI printed", () => {
        const everything = stack.stateFiles() + stack.transcript.join("\n");
        assert.ok(!everything.includes(DEFAULT_ACCESS_KEY_SECRET), "the secret leaked");
        for (const marker of ["release-v1-7f3a91", "release-v2-c0ffee", "release-v3-7f3a91"])
            assert.ok(!everything.includes(marker), `${marker} leaked`);
    });

    it("destroy deletes the routine the stack created", async () => {
        await stack.destroy();
        assert.equal(emulator.state().routines[ROUTINE], undefined);
        assert.deepEqual((await stack.exportState()).resources ?? [], []);
    });
});

describe("e2e: examples/release-from-source as it is in the repository (HTTPS)", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    let stack: TestStack;
    const exampleDir = path.join(__dirname, "../../examples/release-from-source");

    before(async () => {
        emulator = await startEmulator({ https: true });
        // The example's own program, run as the CLI's inline program: its routine/index.js, its config.
        const program = require(path.join(exampleDir, "index.ts"));
        stack = await TestStack.create(program, {
            config: { "esa:endpoint": emulator.httpsEndpoint!, "esa-release-example:routine": "example-edge" },
            env: { ...emulatorCredentials(), NODE_EXTRA_CA_CERTS: emulator.caFile! },
            projectName: "esa-release-example",
        });
    });
    after(async () => {
        await stack?.dispose();
        await emulator?.close();
    });

    let version: string;

    it("one `up` from nothing: the repository's routine code serves staging and all of production", async () => {
        const { outputs } = await stack.up();
        version = outputs.codeVersion;
        assert.deepEqual(liveSplit(emulator, "example-edge", "staging"), [{ codeVersion: version, percentage: 100 }]);
        assert.deepEqual(liveSplit(emulator, "example-edge", "production"), [{ codeVersion: version, percentage: 100 }]);
        const esa = require("@alicloud/esa20240910");
        const { $OpenApiUtil } = require("@alicloud/openapi-core");
        const client = new esa.default(
            new $OpenApiUtil.Config({ ...sdkCredentials(), endpoint: emulator.host, protocol: "http", regionId: "cn-hangzhou" }),
        );
        const answer = await client.getRoutineCodeVersion(
            new esa.GetRoutineCodeVersionRequest({ name: "example-edge", codeVersion: version }),
        );
        assert.equal(
            Buffer.from(String(answer.body.routineCode), "base64").toString("utf8"),
            fs.readFileSync(path.join(exampleDir, "routine/index.js"), "utf8"),
        );
    });

    it("a canary from config: stableVersion and canaryPercent split production, staging unchanged", async () => {
        const stable = emulator.createVersion("example-edge", { description: "stable", code: "export default {}" });
        await stack.setConfig("esa-release-example:stableVersion", stable);
        await stack.setConfig("esa-release-example:canaryPercent", "25");
        const { outputs } = await stack.up();
        assert.equal(outputs.codeVersion, version, "the code did not change: no new version");
        assert.deepEqual(liveSplit(emulator, "example-edge", "staging"), [{ codeVersion: version, percentage: 100 }]);
        assert.deepEqual(
            liveSplit(emulator, "example-edge", "production"),
            [
                { codeVersion: outputs.codeVersion, percentage: 25 },
                { codeVersion: stable, percentage: 75 },
            ].sort((a, b) => (a.codeVersion < b.codeVersion ? -1 : 1)),
        );
    });
});

function sdkCredentials() {
    const env = emulatorCredentials();
    return { accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID, accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET };
}
