/**
 * `Routine` and `RoutineCodeVersion` against the local emulator through the official
 * SDK and a real multipart upload: real signing, the real wire format of both upload
 * flows, real error shapes, and the emulator's faults (lost answers, a failed build, the
 * version quota).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createCodeVersionProvider, createRoutineProvider } from "../../../provider";
import { checkCodeVersion } from "../../../provider/code-version/check";
import { assetsZip, scriptBytes, storeSource } from "../../../provider/code-version/source";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, Emulator, startEmulator } from "../../../emulator";

const credentials = { ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_ACCESS_KEY_SECRET };
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "code-version-emulator-"));

describe("Routine and RoutineCodeVersion ↔ emulator through the official SDK", function () {
    this.timeout(30_000);
    let emulator: Emulator;
    const logs: string[] = [];

    function providers(endpoint = emulator.endpoint) {
        const config: Record<string, string> = { "esa:endpoint": endpoint, "esa:timeoutSeconds": "10" };
        const configure = { config: { get: (k: string) => config[k], require: (k: string) => config[k] } } as any;
        const log = (_severity: string, message: string) => logs.push(message);
        const versions = createCodeVersionProvider({ env: credentials, log });
        const routines = createRoutineProvider({ env: credentials, log });
        void versions.configure(configure);
        void routines.configure(configure);
        return { versions, routines };
    }

    function inputs(code: string, extra: Record<string, unknown> = {}, assets?: Map<string, Uint8Array>) {
        const prepared = assets
            ? storeSource("assets", assetsZip(code, assets), cacheDir)
            : storeSource("script", scriptBytes(code), cacheDir);
        return checkCodeVersion({
            routine: "hello-edge",
            sourceKind: prepared.kind,
            sourceHash: prepared.hash,
            sourceFile: prepared.file,
            owner: "0a1b2c3d",
            ...extra,
        }).inputs;
    }

    before(async () => {
        emulator = await startEmulator({ routines: { "hello-edge": [] }, buildDelayMs: 50 });
    });
    beforeEach(() => {
        emulator.reset();
        logs.length = 0;
    });
    after(async () => {
        await emulator.close();
        fs.rmSync(cacheDir, { recursive: true, force: true });
    });

    it("staging flow: a look for an earlier run's version, then four calls; the code and DeployEnv arrive, the id is the commit's", async () => {
        const { versions } = providers();
        const { outs } = await versions.create(
            inputs("export default { fetch() { return new Response('hi') } }", { deployEnv: "production" }),
        );
        assert.deepEqual(emulator.countByAction(), {
            ListRoutineCodeVersions: 1,
            GetRoutineStagingCodeUploadInfo: 1,
            PostObject: 1,
            CommitRoutineStagingCode: 1,
            GetRoutineCodeVersionInfo: 1,
        });
        const commit = emulator.requests().find((r) => r.action === "CommitRoutineStagingCode")!;
        assert.equal(commit.params.DeployEnv, "production");
        const stored = emulator.state().routines["hello-edge"].versions.find((v) => v.codeVersion === outs.codeVersion)!;
        assert.equal(stored.status.toLowerCase(), "available");
        assert.ok(stored.hasCode);
        assert.match(outs.codeVersion, /^\d{19}$/);
    });

    it("assets flow: the zip is built and the version waited for", async () => {
        const { versions } = providers();
        const { outs } = await versions.create(inputs("export default {}", {}, new Map([["index.html", Buffer.from("<h1>hi</h1>")]])));
        assert.equal(outs.status, "available");
        const stored = emulator.state().routines["hello-edge"].versions.find((v) => v.codeVersion === outs.codeVersion)!;
        assert.deepEqual(stored.assets, ["index.html"]);
        assert.ok(emulator.countByAction().GetRoutineCodeVersionInfo >= 1);
    });

    it("a failed build fails the create with its status and leaves no version", async () => {
        const { versions } = providers();
        emulator.failNextBuild("hello-edge", "BuildFailed");
        await assert.rejects(versions.create(inputs("bad", {}, new Map([["a.txt", Buffer.from("a")]]))), /status is "BuildFailed"/);
        assert.deepEqual(emulator.state().routines["hello-edge"].versions, []);
    });

    it("lost answers of the upload and of the commit: exactly one version", async () => {
        const { versions } = providers();
        emulator.injectFault({ action: "PostObject", kind: "lostResponse" });
        emulator.injectFault({ action: "CommitRoutineStagingCode", kind: "lostResponse" });
        const { outs } = await versions.create(inputs("export default 1"));
        const all = emulator.state().routines["hello-edge"].versions;
        assert.deepEqual(
            all.map((v) => v.codeVersion),
            [outs.codeVersion],
        );
        assert.equal(emulator.countByAction().CommitRoutineStagingCode, 1);
    });

    it("a lost answer of the assets upload: the version is still built, once", async () => {
        const { versions } = providers();
        emulator.injectFault({ action: "PostObject", kind: "lostResponse" });
        const { outs } = await versions.create(inputs("x", {}, new Map([["a.txt", Buffer.from("a")]])));
        assert.equal(outs.status, "available");
        assert.deepEqual(
            emulator.state().routines["hello-edge"].versions.map((v) => v.codeVersion),
            [outs.codeVersion],
        );
    });

    it("a lost answer of CreateRoutineWithAssetsCodeVersion leaves no init orphan", async () => {
        const { versions } = providers();
        emulator.injectFault({ action: "CreateRoutineWithAssetsCodeVersion", kind: "lostResponse" });
        const { outs } = await versions.create(inputs("x", {}, new Map([["a.txt", Buffer.from("a")]])));
        assert.deepEqual(
            emulator.state().routines["hello-edge"].versions.map((v) => v.codeVersion),
            [outs.codeVersion],
        );
    });

    it("quota: a clear error listing unused versions, then the opt-in prune keeps serving versions", async () => {
        const { versions } = providers();
        emulator.setVersionQuota(3);
        const old = emulator.createVersion("hello-edge", { description: "old", code: "1" });
        const live = emulator.createVersion("hello-edge", { description: "live", code: "2" });
        emulator.createVersion("hello-edge", { description: "newer", code: "3" });
        emulator.setDeployment("hello-edge", "production", [{ codeVersion: live, percentage: 100 }]);
        await assert.rejects(versions.create(inputs("new")), (e: Error) => {
            assert.match(e.message, /no room for another code version/);
            assert.match(e.message, new RegExp(old));
            assert.ok(!e.message.includes(live));
            return true;
        });
        const { outs } = await versions.create(inputs("new", { pruneUnusedVersions: true }));
        const left = emulator.state().routines["hello-edge"].versions.map((v) => v.codeVersion);
        assert.ok(!left.includes(old) && left.includes(live) && left.includes(outs.codeVersion));
    });

    it("delete keeps a serving version with a warning and deletes an unused one; read sees a deleted version gone", async () => {
        const { versions } = providers();
        const a = await versions.create(inputs("a"));
        const b = await versions.create(inputs("b"));
        emulator.setDeployment("hello-edge", "production", [{ codeVersion: a.outs.codeVersion, percentage: 100 }]);
        await versions.delete(a.id, a.outs);
        assert.ok(logs.some((m) => /not deleted in ESA now/.test(m)));
        emulator.deleteVersion("hello-edge", b.outs.codeVersion);
        assert.equal((await versions.read(b.id, b.outs)).id, "");
        await versions.delete(b.id, b.outs);
        assert.deepEqual(
            emulator.state().routines["hello-edge"].versions.map((v) => v.codeVersion),
            [a.outs.codeVersion],
        );
    });

    it("Routine: create, refuse an existing one, adopt it, destroy deletes only what the stack created", async () => {
        const { routines } = providers();
        const created = await routines.create({ name: "fresh-routine", description: "made here" });
        assert.equal(created.outs.createdByStack, true);
        await assert.rejects(routines.create({ name: "hello-edge" }), /already exists.*adoptExisting/s);
        const adopted = await routines.create({ name: "hello-edge", adoptExisting: true });
        await routines.delete(adopted.id, adopted.outs);
        await routines.delete(created.id, created.outs);
        const names = Object.keys(emulator.state().routines);
        assert.ok(names.includes("hello-edge") && !names.includes("fresh-routine"));
    });

    it("Routine: GetErService must say Running before a routine is created", async () => {
        const { routines } = providers();
        emulator.setErServiceStatus("NotOpened");
        await assert.rejects(routines.create({ name: "closed-routine" }), /Edge Routine service is "NotOpened"/);
        assert.equal(emulator.countByAction().CreateRoutine ?? 0, 0);
    });
});
