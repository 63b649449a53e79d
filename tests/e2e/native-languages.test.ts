/**
 * The native plugin from a program in each language of `./languages` (YAML needs no SDK:
 * the YAML language host reads the plugin's schema; Python and Go use the SDKs generated
 * from it): the real CLI, the plugin named in Pulumi.yaml, two emulators. One table: the
 * same program (`./languages/program.ts`) and the same changes in every language.
 *
 * One stack per language, change after change, as a user makes them: a split
 * that adds up to 110 is refused at preview with the property named and no request sent;
 * a release from source (`fn::fileAsset`), a canary and an explicit provider that reaches
 * another ESA account (the second emulator, which accepts only that account's key, given
 * as a secret) in one `up`; an in-place update; a reordered split that is no change;
 * drift shown by `preview --refresh` and recorded by `refresh`; a gated rollout whose gate
 * fails rolls the candidate back; destroy. Neither the state nor any output of the CLI
 * holds the source text or the secret.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { Emulator, startEmulator } from "../../emulator";
import { emulatorCredentials, Project, PulumiSession, repoRoot, StackRun } from "../../scripts/toolchain";
import { liveSplit, steps } from "./harness";
import { LANGUAGES } from "./languages";
import { A, B, Declared, SECOND_KEY_ID } from "./languages/program";
import { requireLanguageHost } from "./native";

const SOURCE_MARKER = "native-source-marker-6f1d";
const SECOND_SECRET = "second-account-secret-7c2e9a";
const TYPE = "esa:index:RoutineCodeDeployment";
const PLUGIN_DIR = path.join(repoRoot, "bin");

for (const language of LANGUAGES) {
    describe(`native plugin: a ${language.runtime} program`, function () {
        this.timeout(15 * 60_000);
        let emulator: Emulator;
        let other: Emulator;
        let session: PulumiSession;
        let project: Project;
        /** Everything the CLI printed, for the secret and source scan. */
        const printed: string[] = [];
        const declare = (declared: Declared) => {
            for (const [file, text] of Object.entries(language.files(declared, PLUGIN_DIR))) {
                fs.mkdirSync(path.dirname(path.join(project.dir, file)), { recursive: true });
                fs.writeFileSync(path.join(project.dir, file), text);
            }
        };
        const keep = <T extends { output: string }>(run: T): T => {
            printed.push(run.output);
            return run;
        };

        before(async function () {
            requireLanguageHost(language.runtime);
            emulator = await startEmulator({ port: 0, routines: { "hello-edge": [A, B] } });
            other = await startEmulator({ port: 0, routines: { "hello-edge": [A, B] }, accessKeys: { [SECOND_KEY_ID]: SECOND_SECRET } });
            session = PulumiSession.create({ env: emulatorCredentials() });
            const dir = path.join(session.dir, "program");
            fs.mkdirSync(path.join(dir, "routine"), { recursive: true });
            fs.writeFileSync(
                path.join(dir, "routine", "index.js"),
                `export default { fetch() { return new Response("${SOURCE_MARKER}"); } };\n`,
            );
            project = new Project(session, dir);
            declare({
                canary: [
                    [A, 50],
                    [B, 60],
                ],
            });
            Object.assign(session.env, (await language.prepare(dir, PLUGIN_DIR)) ?? {});
            await session.login();
            await project.stackInit("dev");
            await project.setConfig("esa:endpoint", emulator.endpoint);
            await project.setConfig("otherEndpoint", other.endpoint);
            await project.setConfig("otherSecretKey", SECOND_SECRET, { secret: true });
        });

        after(async () => {
            await emulator?.close();
            await other?.close();
            session?.dispose();
        });

        it("refuses a split that adds up to 110 at preview, naming the property, without a request", async () => {
            const run = keep(await project.preview({ allowFailure: true }));
            assert.notEqual(run.exitCode, 0);
            assert.match(run.output, /codeVersions/);
            assert.match(run.output, /add up to 110, but must add up to exactly 100/);
            assert.deepEqual(emulator.requests(), []);
            assert.deepEqual(other.requests(), []);
        });

        it("releases from source, deploys a canary and reaches a second account through an explicit provider, in one up", async () => {
            declare({
                canary: [
                    [A, 90],
                    [B, 10],
                ],
            });
            const run = keep(await project.up());
            assert.match(run.output, /created/);
            assert.deepEqual(liveSplit(emulator, "hello-edge", "production"), [
                { codeVersion: A, percentage: 90 },
                { codeVersion: B, percentage: 10 },
            ]);
            const outputs = await project.outputs();
            assert.match(outputs.version, /^\d{19}$/);
            assert.deepEqual(liveSplit(emulator, "hello-edge", "staging"), [{ codeVersion: outputs.version, percentage: 100 }]);
            // The second account's ESA, reached only with the explicit provider's key.
            assert.deepEqual(liveSplit(other, "hello-edge", "production"), [{ codeVersion: B, percentage: 100 }]);
        });

        it("updates the split in place, and a reordered split is no change", async () => {
            declare({
                canary: [
                    [A, 50],
                    [B, 50],
                ],
            });
            const run = keep(await project.up({ events: true }));
            assert.deepEqual(
                steps(run, TYPE)
                    .filter((s) => s.op !== "same")
                    .map((s) => [s.op, s.urn.split("::").pop()]),
                [["update", "canary"]],
            );
            assert.deepEqual(liveSplit(emulator, "hello-edge", "production"), [
                { codeVersion: A, percentage: 50 },
                { codeVersion: B, percentage: 50 },
            ]);
            declare({
                canary: [
                    [B, 50],
                    [A, 50],
                ],
            });
            emulator.clearRequests();
            keep(await project.preview({ args: ["--expect-no-changes"] }));
            assert.equal(emulator.countByAction().CreateRoutineCodeDeployment ?? 0, 0);
        });

        it("shows drift in preview --refresh, and refresh records it", async () => {
            emulator.setDeployment("hello-edge", "production", [{ codeVersion: A, percentage: 100 }]);
            const preview = keep(await project.preview({ refresh: true, diff: true }));
            assert.match(preview.output, /canary/);
            assert.match(preview.output, /~ 1 to update/);
            keep(await project.refresh());
            const canary = (await project.exportState()).resources.find((r: any) => r.urn.endsWith("::canary"));
            assert.deepEqual(canary.outputs.codeVersions, [{ codeVersion: A, percentage: 100 }]);
            keep(await project.up());
            assert.deepEqual(liveSplit(emulator, "hello-edge", "production"), [
                { codeVersion: A, percentage: 50 },
                { codeVersion: B, percentage: 50 },
            ]);
        });

        it("rolls a candidate whose gate fails back to the split from before", async () => {
            declare({
                canary: [[B, 100]],
                rollout: { steps: [{ percentage: 75, bakeSeconds: 1 }], gates: [{ name: "smoke", command: { run: "exit 3" } }] },
            });
            emulator.clearRequests();
            const run = keep(await project.up({ allowFailure: true }));
            assert.notEqual(run.exitCode, 0);
            assert.match(run.output, /gate "smoke" failed/);
            // The step to 75 %, then the restore.
            assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 2);
            assert.deepEqual(liveSplit(emulator, "hello-edge", "production"), [
                { codeVersion: A, percentage: 50 },
                { codeVersion: B, percentage: 50 },
            ]);
            const canary = (await project.exportState()).resources.find((r: any) => r.urn.endsWith("::canary"));
            assert.equal(canary.outputs.rolloutState.status, "failed");
        });

        it("keeps the source text and the secret out of the state and the CLI's output", async () => {
            const exported = JSON.stringify(await project.exportState());
            const backend = readTree(session.backendDir);
            for (const [where, text] of [
                ["stack export", exported],
                ["backend files", backend],
                ["CLI output", printed.join("\n")],
            ] as const) {
                assert.ok(!text.includes(SOURCE_MARKER), `the source text is in the ${where}`);
                assert.ok(!text.includes(SECOND_SECRET), `the secret is in the ${where}`);
            }
            // The explicit provider's secretKey is recorded, encrypted.
            assert.match(exported, /secretKey[^}]*ciphertext/);
        });

        it("destroys the stack, leaving ESA serving", async () => {
            const run: StackRun = keep(await project.destroy());
            assert.match(run.output, /deleted/);
            assert.equal((await project.exportState()).resources ?? undefined, undefined);
            assert.deepEqual(liveSplit(other, "hello-edge", "production"), [{ codeVersion: B, percentage: 100 }]);
        });
    });
}

function readTree(dir: string): string {
    const texts: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) texts.push(readTree(full));
        else if (entry.isFile()) texts.push(fs.readFileSync(full, "utf8"));
    }
    return texts.join("\n");
}
