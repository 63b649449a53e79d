/**
 * `RoutineCodeVersion` through the provider object the engine calls, against an
 * in-memory ESA: both upload flows, serialized uploads, lost answers, failed uploads and
 * builds (no orphan), quota (clear error, own leftovers, opt-in prune), delete of a
 * serving version, read of a version deleted elsewhere, and check/diff.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createCodeVersionProvider } from "../../../provider";
import { checkCodeVersion } from "../../../provider/code-version/check";
import { diffCodeVersion } from "../../../provider/code-version/diff";
import { readMarker, tagDescription } from "../../../provider/code-version/marker";
import { assetsZip, scriptBytes, storeSource } from "../../../provider/code-version/source";
import { CodeVersionInputs } from "../../../provider/code-version/types";
import { UNKNOWN } from "../../../provider/engine/unknowns";
import { fakeClock } from "../../support/memory-esa";
import { apiError, MemoryRelease } from "../../support/memory-code";

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "code-version-test-"));
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

function setup() {
    const clock = fakeClock(Date.UTC(2026, 10, 22));
    const esa = new MemoryRelease(clock.now).addRoutine("hello");
    const logs: { severity: string; message: string }[] = [];
    const provider = createCodeVersionProvider({
        apiFactory: () => esa,
        clock,
        env: {},
        log: (severity, message) => logs.push({ severity, message }),
    });
    return { esa, clock, logs, provider };
}

/** The inputs `check` makes of a script (or an assets zip), as the SDK class prepares them. */
function inputs(code: string, extra: Record<string, unknown> = {}, assets?: Map<string, Uint8Array>): CodeVersionInputs {
    const prepared = assets ? storeSource("assets", assetsZip(code, assets), cacheDir) : storeSource("script", scriptBytes(code), cacheDir);
    const { inputs: checked, failures } = checkCodeVersion({
        routine: "hello",
        sourceKind: prepared.kind,
        sourceHash: prepared.hash,
        sourceFile: prepared.file,
        owner: "0a1b2c3d",
        ...extra,
    });
    assert.deepEqual(failures, []);
    return checked;
}

describe("RoutineCodeVersion: check and diff", () => {
    it("hashes everything that makes the version; an unknown part makes the hash unknown", () => {
        const base = inputs("export default {}");
        assert.match(base.contentHash, /^[0-9a-f]{64}$/);
        assert.notEqual(inputs("export default {}", { description: "v2" }).contentHash, base.contentHash);
        assert.notEqual(inputs("export default {}", { deployEnv: "production" }).contentHash, base.contentHash);
        assert.equal(inputs("export default {}", { description: UNKNOWN }).contentHash, UNKNOWN);
    });

    it("names the property and what to do on bad input", () => {
        const { failures } = checkCodeVersion({ routine: " x", deployEnv: "Production", timeoutSeconds: -1 });
        const byProperty = Object.fromEntries(failures.map((f) => [f.property, f.reason]));
        assert.match(byProperty.routine, /surrounding whitespace/);
        assert.match(byProperty.deployEnv, /Did you mean "production"/);
        assert.match(byProperty.code, /code is required/);
        assert.match(byProperty.timeoutSeconds, /positive/);
    });

    it("replaces on a content change, ignores the source file's path, updates provider settings in place", () => {
        const a = inputs("one");
        assert.deepEqual(diffCodeVersion(a, inputs("two")).replaces.sort(), ["contentHash", "sourceHash"]);
        assert.deepEqual(diffCodeVersion(a, { ...a, sourceFile: "/elsewhere/x.js" }), { changes: false, replaces: [], changed: [] });
        assert.deepEqual(diffCodeVersion(a, { ...a, pruneUnusedVersions: true }), {
            changes: true,
            replaces: [],
            changed: ["pruneUnusedVersions"],
        });
        assert.deepEqual(diffCodeVersion(a, { ...a, contentHash: UNKNOWN }).replaces, ["contentHash"]);
        assert.deepEqual(diffCodeVersion(a, { ...a, routine: "other" }).replaces, ["routine"]);
    });
});

describe("RoutineCodeVersion: create", () => {
    it("staging flow: the look for an earlier run's version costs no round trip of its own (both requests are in flight at once)", async () => {
        const { esa } = setup();
        let inFlight = 0;
        let most = 0;
        // Each answer waits a turn of the event loop, as a remote one would.
        const remote = new Proxy(esa, {
            get(target, key) {
                const value = (target as any)[key];
                if (typeof value !== "function") return value;
                return async (...args: unknown[]) => {
                    most = Math.max(most, ++inFlight);
                    try {
                        await new Promise((resolve) => setImmediate(resolve));
                        return await value.apply(target, args);
                    } finally {
                        inFlight--;
                    }
                };
            },
        });
        const provider = createCodeVersionProvider({
            apiFactory: () => remote,
            clock: fakeClock(Date.UTC(2026, 10, 22)),
            env: {},
            log: () => {},
        });
        await provider.create(inputs("export default { fetch() {} }"));
        assert.equal(most, 2, "the look and the upload info should be sent together");
        assert.equal(esa.count("ListRoutineCodeVersions"), 1);
    });

    it("staging flow: a look for an earlier run's version beside the upload info, upload, commit with DeployEnv, one status read; outputs a string id", async () => {
        const { esa, provider } = setup();
        const { id, outs } = await provider.create(
            inputs("export default { fetch() {} }", { description: "first", deployEnv: "production" }),
        );
        const actions = esa.calls.map((c) => c.action);
        // The look and the upload info go out together: their order on the wire is free.
        assert.deepEqual(actions.slice(0, 2).sort(), ["GetRoutineStagingCodeUploadInfo", "ListRoutineCodeVersions"]);
        assert.deepEqual(actions.slice(2), ["Upload", "CommitRoutineStagingCode", "GetRoutineCodeVersionInfo"]);
        assert.equal(typeof outs.codeVersion, "string");
        assert.equal(id, `hello:${outs.codeVersion}`);
        assert.equal(outs.status, "available");
        const stored = esa.version("hello", outs.codeVersion)!;
        assert.equal(Buffer.from(stored.code!).toString(), "export default { fetch() {} }");
        assert.equal(stored.deployEnv, "production");
        assert.match(stored.description, /^first \[rd:0a1b2c3d:[0-9a-f]{12}\]$/);
        assert.equal(readMarker(stored.description)!.hash, outs.contentHash.slice(0, 12));
    });

    it("assets flow: creates, uploads the zip, polls until available", async () => {
        const { esa, provider } = setup();
        esa.pollsUntilBuilt = 3;
        const { outs } = await provider.create(inputs("export default {}", {}, new Map([["index.html", Buffer.from("<h1>hi</h1>")]])));
        assert.equal(outs.status, "available");
        assert.equal(outs.sourceKind, "assets");
        assert.equal(esa.count("CreateRoutineWithAssetsCodeVersion"), 1);
        assert.equal(esa.count("GetRoutineCodeVersionInfo"), 3);
        const { unzipSync } = require("fflate");
        const files = unzipSync(esa.version("hello", outs.codeVersion)!.code);
        assert.deepEqual(Object.keys(files).sort(), ["assets/index.html", "routine/index.js"]);
    });

    it("serializes the uploads of one routine: twenty releases at once never interleave, each commits its own code", async () => {
        const { esa, provider } = setup();
        esa.quota = 40;
        const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => provider.create(inputs(`export default ${i}`, { owner: `0000000${i % 10}` }))),
        );
        assert.equal(esa.maxInFlight, 1);
        assert.equal(new Set(results.map((r) => r.outs.codeVersion)).size, 20);
        results.forEach((r, i) =>
            assert.equal(Buffer.from(esa.version("hello", r.outs.codeVersion)!.code!).toString(), `export default ${i}`),
        );
    });

    it("a lost commit answer: finds the committed version instead of committing twice", async () => {
        const { esa, provider } = setup();
        esa.fail({ action: "CommitRoutineStagingCode", afterCommit: true, error: { code: "ECONNRESET", message: "socket hang up" } });
        const { outs } = await provider.create(inputs("export default 1"));
        assert.equal(esa.count("CommitRoutineStagingCode"), 1);
        assert.equal(esa.routines.get("hello")!.versions.length, 1);
        assert.equal(outs.codeVersion, esa.routines.get("hello")!.versions[0].codeVersion);
    });

    it("staging flow: when the look finds this release already made, it is adopted and the upload info asked beside the look goes unused", async () => {
        const { esa, provider } = setup();
        const release = inputs("export default 3", { description: "third" });
        const made = esa.addVersion("hello", tagDescription("third", { owner: release.owner, hash: release.contentHash }));
        const { outs } = await provider.create(release);
        assert.equal(outs.codeVersion, made);
        assert.equal(esa.count("GetRoutineStagingCodeUploadInfo"), 1);
        assert.equal(esa.count("Upload") + esa.count("CommitRoutineStagingCode"), 0, "nothing uploaded or committed");
        assert.equal(esa.count("GetRoutineCodeVersionInfo"), 1, "the unused ticket's id was looked at, to delete it if ESA kept it");
        assert.equal(esa.routines.get("hello")!.versions.length, 1);
    });

    it("staging flow: a look that fails fails the release, with nothing uploaded, whatever the upload info beside it answered", async () => {
        const { esa, provider } = setup();
        esa.fail({
            action: "ListRoutineCodeVersions",
            error: apiError("Forbidden.RAM", "User not authorized to operate on the specified resource.", 403),
        });
        await assert.rejects(provider.create(inputs("export default 4")), /ListRoutineCodeVersions.*Forbidden\.RAM/s);
        assert.equal(esa.count("GetRoutineStagingCodeUploadInfo"), 1);
        assert.equal(esa.count("Upload") + esa.count("CommitRoutineStagingCode"), 0);
        assert.equal(esa.count("GetRoutineCodeVersionInfo"), 1, "the unused ticket's id was looked at, to delete it if ESA kept it");
        assert.deepEqual(esa.routines.get("hello")!.versions, []);
    });

    it("a lost upload answer is sent again (the staging slot is overwritten)", async () => {
        const { esa, provider } = setup();
        esa.fail({ action: "Upload", afterCommit: true, error: { code: "ECONNRESET", message: "socket hang up" } });
        const { outs } = await provider.create(inputs("export default 2"));
        assert.equal(esa.count("Upload"), 2);
        assert.equal(Buffer.from(esa.version("hello", outs.codeVersion)!.code!).toString(), "export default 2");
    });

    it("a failed assets upload leaves no init version behind", async () => {
        const { esa, provider } = setup();
        esa.fail({ action: "Upload", error: apiError("AccessDenied", "Invalid according to Policy: Policy expired.", 403) });
        await assert.rejects(provider.create(inputs("x", {}, new Map([["a.txt", Buffer.from("a")]]))), /AccessDenied/);
        assert.deepEqual(esa.routines.get("hello")!.versions, []);
    });

    it("an assets release first deletes the init version an interrupted release of the same resource left", async () => {
        const { esa, provider } = setup();
        const leftover = esa.addVersion("hello", "[rd:0a1b2c3d:000000000000]", { status: "init" });
        const foreign = esa.addVersion("hello", "another tool's build", { status: "init" });
        const { outs } = await provider.create(inputs("x", {}, new Map([["a.txt", Buffer.from("a")]])));
        const left = esa.routines.get("hello")!.versions.map((v) => v.codeVersion);
        assert.deepEqual(left, [foreign, outs.codeVersion]);
        assert.ok(!left.includes(leftover));
    });

    it("a failed build fails with its status and deletes the version", async () => {
        const { esa, provider } = setup();
        esa.buildOutcome = "BuildFailed";
        await assert.rejects(provider.create(inputs("x", {}, new Map([["a.txt", Buffer.from("a")]]))), /status is "BuildFailed".*deleted/s);
        assert.deepEqual(esa.routines.get("hello")!.versions, []);
    });

    it("a source file that changed since the program ran is refused", async () => {
        const { provider } = setup();
        const planned = inputs("planned");
        const tampered = { ...planned, sourceHash: "f".repeat(64) };
        await assert.rejects(provider.create(tampered), /changed since the program ran/);
    });
});

describe("RoutineCodeVersion: errors", () => {
    it("say what to do, carry the RequestId, and never the AccessKey secret", async () => {
        const clock = fakeClock(Date.UTC(2026, 10, 22));
        const esa = new MemoryRelease(clock.now);
        const secret = "s3cr3t-AccessKey-value-123";
        const provider = createCodeVersionProvider({
            apiFactory: () => esa,
            clock,
            env: { ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAI5tTestKeyId", ALIBABA_CLOUD_ACCESS_KEY_SECRET: secret },
            log: () => undefined,
        });
        await assert.rejects(provider.create(inputs("x", { routine: "missing" })), (error: Error) => {
            assert.match(error.message, /ListRoutineCodeVersions for routine "missing" failed: RoutineNotExist/);
            assert.match(error.message, /a Routine resource in this stack/);
            assert.match(error.message, /RequestId: REQ-RoutineNotExist/);
            return true;
        });
        esa.addRoutine("hello");
        esa.fail({ action: "CommitRoutineStagingCode", error: apiError("InvalidParameter", `bad signature for ${secret}`) });
        await assert.rejects(provider.create(inputs("x")), (error: Error) => {
            assert.ok(!error.message.includes(secret), error.message);
            assert.match(error.message, /deployEnv/);
            return true;
        });
    });
});

describe("RoutineCodeVersion: quota", () => {
    function fullRoutine() {
        const ctx = setup();
        ctx.esa.quota = 3;
        const old = ctx.esa.addVersion("hello", "old", { ageMs: 3_600_000 });
        const serving = ctx.esa.addVersion("hello", "live", { serve: "production", ageMs: 1_800_000 });
        const newer = ctx.esa.addVersion("hello", "newer", { ageMs: 60_000 });
        return { ...ctx, old, serving, newer };
    }

    it("fails with the versions that serve nothing, oldest first", async () => {
        const { provider, old, serving, newer, esa } = fullRoutine();
        const error = await provider.create(inputs("new")).then(
            () => assert.fail("expected the quota error"),
            (e) => e as Error,
        );
        assert.match(error.message, /no room for another code version/);
        assert.ok(error.message.indexOf(old) < error.message.indexOf(newer), error.message);
        assert.ok(!error.message.includes(serving));
        assert.match(error.message, /pruneUnusedVersions: true/);
        assert.equal(esa.count("DeleteRoutineCodeVersion"), 0);
    });

    it("with pruneUnusedVersions, deletes the oldest unused version only, never a serving one", async () => {
        const { provider, old, serving, newer, esa } = fullRoutine();
        const { outs } = await provider.create(inputs("new", { pruneUnusedVersions: true }));
        const left = esa.routines.get("hello")!.versions.map((v) => v.codeVersion);
        assert.deepEqual(left, [serving, newer, outs.codeVersion]);
        assert.ok(!left.includes(old));
    });

    it("deletes this resource's own earlier versions that serve nothing without being asked", async () => {
        const { esa, provider } = setup();
        esa.quota = 3;
        const first = await provider.create(inputs("v1"));
        const second = await provider.create(inputs("v2"));
        esa.addVersion("hello", "someone else's");
        // v1 was kept while it served; it serves nothing now; v2 is the one in the state.
        const asked = esa.count("GetRoutineStagingCodeUploadInfo");
        const third = await provider.create(inputs("v3"));
        // The upload info asked beside the look served the refused round; the round after making room asked again.
        assert.equal(esa.count("GetRoutineStagingCodeUploadInfo") - asked, 2);
        const left = esa.routines.get("hello")!.versions.map((v) => v.codeVersion);
        assert.ok(!left.includes(first.outs.codeVersion));
        assert.ok(left.includes(second.outs.codeVersion) && left.includes(third.outs.codeVersion));
    });
});

describe("RoutineCodeVersion: read and delete", () => {
    it("records no machine path among its outputs; outputs an older release wrote with one lose it at the next refresh or update", async () => {
        const { provider } = setup();
        const made = inputs("x");
        const { id, outs } = await provider.create(made);
        assert.ok(!("sourceFile" in outs));
        const older = { ...outs, sourceFile: made.sourceFile };
        assert.ok(!("sourceFile" in (await provider.read(id, older)).props));
        assert.ok(!("sourceFile" in (await provider.update(id, older, { ...made, pruneUnusedVersions: true })).outs));
    });

    it("read notices a version deleted elsewhere", async () => {
        const { esa, provider } = setup();
        const { id, outs } = await provider.create(inputs("x"));
        assert.equal((await provider.read(id, outs)).id, id);
        await esa.deleteCodeVersion("hello", outs.codeVersion);
        assert.equal((await provider.read(id, outs)).id, "");
    });

    it("keeps a serving version with a warning, and deletes an unused one", async () => {
        const { esa, provider, logs } = setup();
        const a = await provider.create(inputs("a"));
        const b = await provider.create(inputs("b", { owner: "99999999" }));
        esa.serve("hello", "production", [a.outs.codeVersion]);
        await provider.delete(a.id, a.outs);
        await provider.delete(b.id, b.outs);
        assert.ok(esa.version("hello", a.outs.codeVersion));
        assert.equal(esa.version("hello", b.outs.codeVersion), undefined);
        assert.ok(logs.some((l) => l.severity === "warning" && /not deleted in ESA now: it serves traffic in production/.test(l.message)));
    });

    it("a later delete of the same resource removes its earlier kept versions once they serve nothing", async () => {
        const { esa, provider } = setup();
        const v1 = await provider.create(inputs("v1"));
        esa.serve("hello", "production", [v1.outs.codeVersion]);
        const v2 = await provider.create(inputs("v2"));
        await provider.delete(v1.id, v1.outs); // replaced while serving: kept
        assert.ok(esa.version("hello", v1.outs.codeVersion));
        esa.serve("hello", "production", [v2.outs.codeVersion]);
        const v3 = await provider.create(inputs("v3"));
        await provider.delete(v2.id, v2.outs); // v2 serves: kept; v1 serves nothing any more: deleted
        assert.equal(esa.version("hello", v1.outs.codeVersion), undefined);
        assert.ok(esa.version("hello", v2.outs.codeVersion));
        assert.ok(esa.version("hello", v3.outs.codeVersion));
    });

    it("a version already gone, or a routine gone, counts as deleted", async () => {
        const { esa, provider } = setup();
        const a = await provider.create(inputs("a"));
        await esa.deleteCodeVersion("hello", a.outs.codeVersion);
        await provider.delete(a.id, a.outs);
        esa.routines.delete("hello");
        await provider.delete(a.id, a.outs);
    });
});
