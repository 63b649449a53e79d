/**
 * Defects the release fault matrix (release-faults.test.ts) found in
 * provider/code-version/lifecycle.ts, kept as regression tests now that they are fixed
 * (SPEC §9: one version per release, lost answers looked for before sending again).
 *
 * A release that failed after ESA made its version left that version behind, and the next
 * `pulumi up` (the engine calls create again: a failed create records nothing) made a
 * second one, costing a slot of the routine's version quota (10, or 5 on some plans):
 * - when the status poll after the commit failed (throttled or timed out until the
 *   deadline), the version it waited for was neither deleted nor looked for again;
 * - when the commit landed after the client gave up, the look for it ran before it
 *   existed, and the next run committed again.
 * The next run now looks first for a version with its exact tag (owner and content hash)
 * and adopts it.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createCodeVersionProvider } from "../../../provider";
import { checkCodeVersion } from "../../../provider/code-version/check";
import { assetsZip, scriptBytes, storeSource } from "../../../provider/code-version/source";
import type { Clock } from "../../../provider/esa/clock";
import { Emulator, startEmulator } from "../../../emulator";

const ROUTINE = "release-gaps";
const KEY_ID = "LTAI5tReleaseGaps0001";
const SECRET = `release-gaps-secret-${process.pid}`;
const SCRIPT = `export default { fetch() { return new Response("gaps ${Date.now()}") } }`;
/** Not `systemClock`: no process-wide rate limiter to teach throttling to. */
const clock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: () => 0.2 };

describe("release regressions: a version made by a failed run is adopted by the next, not made twice", function () {
    this.timeout(20_000);
    let emulator: Emulator;
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "release-gaps-"));

    const provider = (timeoutSeconds: number) => {
        const p = createCodeVersionProvider({
            env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET },
            log: () => {},
            clock,
        });
        const config: Record<string, string> = { "esa:endpoint": emulator.endpoint, "esa:timeoutSeconds": String(timeoutSeconds) };
        void p.configure({ config: { get: (k: string) => config[k] } } as any);
        return p;
    };
    const inputs = (kind: "script" | "assets") => {
        const prepared =
            kind === "assets"
                ? storeSource("assets", assetsZip(SCRIPT, new Map([["a.txt", Buffer.from("a")]])), cacheDir)
                : storeSource("script", scriptBytes(SCRIPT), cacheDir);
        return checkCodeVersion({
            routine: ROUTINE,
            sourceKind: prepared.kind,
            sourceHash: prepared.hash,
            sourceFile: prepared.file,
            owner: "9a9b9c9d",
        }).inputs;
    };
    const versions = () => emulator.state().routines[ROUTINE].versions.map((v) => v.codeVersion);

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [] }, accessKeys: { [KEY_ID]: SECRET }, buildDelayMs: 30, edge: false });
    });
    beforeEach(() => emulator.reset());
    after(async () => {
        await emulator?.close();
        fs.rmSync(cacheDir, { recursive: true, force: true });
    });

    for (const kind of ["script", "assets"] as const) {
        it(`${kind}: the status poll throttled until the deadline after the version was made → the next run leaves exactly one version`, async () => {
            emulator.injectFault({ action: "GetRoutineCodeVersionInfo", kind: "throttling", count: 10_000 });
            await assert.rejects(provider(0.6).create(inputs(kind)), /ESA GetRoutineCodeVersionInfo .*Throttling\.User/);
            emulator.clearFaults();
            const { outs } = await provider(5).create(inputs(kind));
            assert.deepEqual(versions(), [outs.codeVersion], "versions of the routine after the re-run");
        });
    }

    it("script: the commit lands after the client gave up → the next run leaves exactly one version", async () => {
        emulator.injectFault({ action: "CommitRoutineStagingCode", kind: "latency", latencyMs: 1_300 });
        await assert.rejects(provider(1).create(inputs("script")), /ESA CommitRoutineStagingCode .*RequestTimeout/);
        // The commit is carried out when the emulator answers it, after the client gave up.
        const until = Date.now() + 5_000;
        while (!emulator.requests().some((r) => r.action === "CommitRoutineStagingCode" && r.fault === "latency")) {
            assert.ok(Date.now() < until, "the delayed commit was never answered");
            await new Promise((resolve) => setTimeout(resolve, 25));
        }
        assert.equal(versions().length, 1, "the late commit made a version");
        const { outs } = await provider(5).create(inputs("script"));
        assert.deepEqual(versions(), [outs.codeVersion], "versions of the routine after the re-run");
    });
});
