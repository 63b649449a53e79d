/**
 * Releasing from source through the real Pulumi CLI when things go wrong or get big
 * (SPEC §9): destroy keeps a serving version and deletes the others; a full version
 * quota fails with the list of unused versions, then the opt-in prune makes room; a
 * failed build fails the `up` and leaves no version; lost answers of the upload and the
 * commit make exactly one version; twenty versions of one routine in one `up` each
 * carry their own code (uploads serialized).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Emulator, sdkConfig, startEmulator } from "../../emulator";
import { RoutineCodeDeployment, RoutineCodeVersion } from "../../sdk";
import { diagnostics, emulatorCredentials, TestStack } from "./harness";

describe("e2e: releases that fail, are destroyed, or come twenty at once", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    const stacks: TestStack[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-release-faults-"));

    async function stackOf(program: () => Promise<any>, name: string): Promise<TestStack> {
        const stack = await TestStack.create(program, {
            config: { "esa:endpoint": emulator.endpoint, "esa:timeoutSeconds": "60" },
            env: emulatorCredentials(),
            projectName: `esa-release-${name}`,
        });
        stacks.push(stack);
        return stack;
    }
    /** The routine's versions, oldest first. */
    const versionsOf = (routine: string) =>
        emulator
            .state()
            .routines[routine].versions.map((v) => v.codeVersion)
            .sort();

    before(async () => {
        emulator = await startEmulator({
            routines: { "keep-edge": [], "quota-edge": [], "repeat-edge": [], "build-edge": [], "lost-edge": [], "many-edge": [] },
            buildDelayMs: 100,
        });
    });
    after(async () => {
        for (const stack of stacks) await stack.dispose();
        await emulator?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("destroy keeps the version that serves traffic (with a warning) and deletes the other", async () => {
        const stack = await stackOf(async () => {
            const serving = new RoutineCodeVersion("serving", { routine: "keep-edge", code: "export default 'serving'" });
            const idle = new RoutineCodeVersion("idle", {
                routine: "keep-edge",
                code: new pulumi.asset.StringAsset("export default 'idle'"),
            });
            new RoutineCodeDeployment("production", {
                name: "keep-edge",
                env: "production",
                codeVersions: [{ codeVersion: serving.codeVersion, percentage: 100 }],
            });
            return { serving: serving.codeVersion, idle: idle.codeVersion };
        }, "keep");
        const { outputs } = await stack.up();
        const run = await stack.destroy();
        assert.deepEqual(versionsOf("keep-edge"), [outputs.serving]);
        assert.ok(diagnostics(run, "warning").some((m) => m.includes(outputs.serving) && /not deleted in ESA now/.test(m)));
    });

    it("a full quota fails with the versions that serve nothing; pruneUnusedVersions then deletes only the oldest", async () => {
        emulator.setVersionQuota(3);
        try {
            const oldest = emulator.createVersion("quota-edge", { description: "oldest", code: "1" });
            const serving = emulator.createVersion("quota-edge", { description: "serving", code: "2" });
            const newer = emulator.createVersion("quota-edge", { description: "newer", code: "3" });
            emulator.setDeployment("quota-edge", "production", [{ codeVersion: serving, percentage: 100 }]);
            let prune = false;
            const stack = await stackOf(async () => {
                const version = new RoutineCodeVersion("code", {
                    routine: "quota-edge",
                    code: "export default 'new'",
                    pruneUnusedVersions: prune,
                });
                return { codeVersion: version.codeVersion };
            }, "quota");
            await assert.rejects(stack.up(), (error: any) => {
                assert.match(error.message, /no room for another code version/);
                assert.match(error.message, new RegExp(`${oldest}[\\s\\S]*${newer}`));
                assert.match(error.message, /pruneUnusedVersions: true/);
                return true;
            });
            assert.deepEqual(versionsOf("quota-edge"), [oldest, serving, newer]);
            prune = true;
            const { outputs } = await stack.up();
            assert.deepEqual(versionsOf("quota-edge"), [serving, newer, outputs.codeVersion]);
        } finally {
            emulator.setVersionQuota(10);
        }
    });

    it("repeated releases never fill the quota by themselves: each promotes the last canary, the older ones go", async () => {
        emulator.setVersionQuota(3);
        try {
            let code = "export default 'release 1'";
            let stable: string | undefined;
            const stack = await stackOf(async () => {
                const version = new RoutineCodeVersion("code", { routine: "repeat-edge", code });
                new RoutineCodeDeployment("production", {
                    name: "repeat-edge",
                    env: "production",
                    codeVersions: stable
                        ? [
                              { codeVersion: stable, percentage: 90 },
                              { codeVersion: version.codeVersion, percentage: 10 },
                          ]
                        : [{ codeVersion: version.codeVersion, percentage: 100 }],
                });
                return { codeVersion: version.codeVersion };
            }, "repeat");
            for (let release = 1; release <= 4; release++) {
                code = `export default 'release ${release}'`;
                const { outputs } = await stack.up();
                assert.ok(versionsOf("repeat-edge").length <= 3, `release ${release}: ${versionsOf("repeat-edge")}`);
                // Without the cleanup of kept predecessors, the fourth release finds no room.
                stable = outputs.codeVersion;
            }
            assert.equal(versionsOf("repeat-edge").length, 2);
        } finally {
            emulator.setVersionQuota(10);
        }
    });

    it("a failed build fails the `up` with its status and leaves no version", async () => {
        const assets = path.join(dir, "public");
        fs.mkdirSync(assets, { recursive: true });
        fs.writeFileSync(path.join(assets, "index.html"), "<h1>hello</h1>");
        const stack = await stackOf(async () => {
            const version = new RoutineCodeVersion("site", {
                routine: "build-edge",
                code: "export default {}",
                assets: new pulumi.asset.FileArchive(assets),
            });
            return { codeVersion: version.codeVersion };
        }, "build");
        emulator.failNextBuild("build-edge", "BuildFailed");
        await assert.rejects(stack.up(), /status is "BuildFailed"/);
        assert.deepEqual(versionsOf("build-edge"), []);
        const { outputs } = await stack.up();
        assert.deepEqual(versionsOf("build-edge"), [outputs.codeVersion]);
    });

    it("lost answers of the upload and of the commit make exactly one version", async () => {
        const stack = await stackOf(async () => {
            const version = new RoutineCodeVersion("code", { routine: "lost-edge", code: "export default 'lost'" });
            return { codeVersion: version.codeVersion };
        }, "lost");
        emulator.clearRequests();
        emulator.injectFault({ action: "PostObject", kind: "lostResponse" });
        emulator.injectFault({ action: "CommitRoutineStagingCode", kind: "lostResponse" });
        const { outputs } = await stack.up();
        assert.deepEqual(versionsOf("lost-edge"), [outputs.codeVersion]);
        assert.equal(emulator.requests().filter((r) => r.action === "CommitRoutineStagingCode").length, 1);
    });

    it("twenty versions of one routine in one `up`: each commits its own code", async () => {
        emulator.setVersionQuota(25);
        try {
            const stack = await stackOf(async () => {
                const outputs: Record<string, pulumi.Output<string>> = {};
                for (let i = 0; i < 20; i++) {
                    outputs[`v${i}`] = new RoutineCodeVersion(`v${i}`, {
                        routine: "many-edge",
                        code: `export default 'release ${i}'`,
                    }).codeVersion;
                }
                return outputs;
            }, "many");
            const { outputs } = await stack.up({ parallel: 20 });
            assert.equal(new Set(Object.values(outputs)).size, 20);
            assert.equal(versionsOf("many-edge").length, 20);
            for (let i = 0; i < 20; i++) assert.equal(await routineCode("many-edge", outputs[`v${i}`]), `export default 'release ${i}'`);
        } finally {
            emulator.setVersionQuota(10);
        }
    });

    /** A version's code as GetRoutineCodeVersion returns it (Base64), through the official SDK. */
    async function routineCode(routine: string, codeVersion: string): Promise<string> {
        const esa = require("@alicloud/esa20240910");
        const { $OpenApiUtil } = require("@alicloud/openapi-core");
        const client = new esa.default(new $OpenApiUtil.Config(sdkConfig(emulator)));
        const response = await client.getRoutineCodeVersion(new esa.GetRoutineCodeVersionRequest({ name: routine, codeVersion }));
        return Buffer.from(String(response.body.routineCode), "base64").toString("utf8");
    }
});
