/**
 * A property of releases under combined faults (SPEC §5, §9): for any mix of transient
 * faults on any of the calls a release makes — both upload flows, the lost-answer looks
 * and the clean-ups included — a `RoutineCodeVersion` create with a generous deadline
 * succeeds and leaves exactly one version in ESA: the one its outputs name, available,
 * holding the code, and no `init` or failed version anywhere. Where the fault matrix
 * (release-faults.test.ts) puts one fault on one call, this puts several at once, so the
 * retries, the looks for a lost answer and the clean-ups meet each other.
 *
 * fast-check prints the seed and the smallest failing mix if it ever fails.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { createCodeVersionProvider } from "../../../provider";
import { checkCodeVersion } from "../../../provider/code-version/check";
import { tagDescription } from "../../../provider/code-version/marker";
import { assetsZip, scriptBytes, storeSource } from "../../../provider/code-version/source";
import type { Clock } from "../../../provider/esa/clock";
import { Emulator, FaultSpec, startEmulator, UPLOAD_ACTION } from "../../../emulator";

const ROUTINE = "release-properties";
const KEY_ID = "LTAI5tReleaseProps001";
const SECRET = `release-props-secret-${process.pid}`;
const RUNS = 10;

/** The calls each flow makes, the lost-answer looks and clean-ups included. */
const CALLS = {
    script: [
        "GetRoutineStagingCodeUploadInfo",
        UPLOAD_ACTION,
        "CommitRoutineStagingCode",
        "ListRoutineCodeVersions",
        "GetRoutineCodeVersionInfo",
    ],
    assets: [
        "ListRoutineCodeVersions",
        "CreateRoutineWithAssetsCodeVersion",
        "DeleteRoutineCodeVersion",
        UPLOAD_ACTION,
        "GetRoutineCodeVersionInfo",
    ],
};
const TRANSIENT = [
    "throttling",
    "serviceUnavailable",
    "internalError",
    "internalException",
    "internalOperationError",
    "connectionReset",
    "lostResponse",
] as const;

/** Not `systemClock`: no process-wide rate limiter to teach the injected throttling to. */
const clock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: () => 0.2 };

describe("release property: any mix of transient faults → exactly one available version, no init left", function () {
    this.timeout(120_000);
    let emulator: Emulator;
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "release-properties-"));
    let runs = 0;
    let faultsHit = 0;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [] }, accessKeys: { [KEY_ID]: SECRET }, buildDelayMs: 30, edge: false });
    });
    after(async () => {
        await emulator?.close();
        fs.rmSync(cacheDir, { recursive: true, force: true });
        console.log(`\n  Release property: ${runs} releases under ${faultsHit} injected faults that hit a call.\n`);
    });

    for (const kind of ["script", "assets"] as const) {
        it(`${kind} flow: ${RUNS} mixes of one to four faults (×1 or ×2) on its calls`, async () => {
            const fault = fc.record({
                action: fc.constantFrom(...CALLS[kind]),
                kind: fc.constantFrom(...TRANSIENT),
                count: fc.integer({ min: 1, max: 2 }),
            });
            await fc.assert(
                fc.asyncProperty(fc.array(fault, { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 12 }), async (faults, text) => {
                    emulator.reset();
                    const code = `export default { fetch() { return new Response(${JSON.stringify(text)}) } }`;
                    const prepared =
                        kind === "assets"
                            ? storeSource("assets", assetsZip(code, new Map([["a.txt", Buffer.from(text)]])), cacheDir)
                            : storeSource("script", scriptBytes(code), cacheDir);
                    const inputs = checkCodeVersion({
                        routine: ROUTINE,
                        sourceKind: prepared.kind,
                        sourceHash: prepared.hash,
                        sourceFile: prepared.file,
                        owner: "0b0b0b0b",
                    }).inputs;
                    for (const f of faults) emulator.injectFault(f as FaultSpec);

                    const provider = createCodeVersionProvider({
                        env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET },
                        log: () => {},
                        clock,
                    });
                    const config: Record<string, string> = { "esa:endpoint": emulator.endpoint, "esa:timeoutSeconds": "15" };
                    await provider.configure({ config: { get: (k: string) => config[k] } } as any);
                    const { id, outs } = await provider.create(inputs);

                    runs++;
                    faultsHit += emulator.requests().filter((r) => r.fault !== undefined).length;
                    const versions = emulator.state().routines[ROUTINE].versions;
                    assert.deepEqual(
                        versions.map((v) => v.codeVersion),
                        [outs.codeVersion],
                        "exactly one version, the one the outputs name",
                    );
                    assert.equal(versions[0].status, "available");
                    assert.ok(versions[0].hasCode);
                    assert.equal(versions[0].description, tagDescription(undefined, { owner: "0b0b0b0b", hash: inputs.contentHash }));
                    assert.equal(outs.status, "available");
                    assert.equal(id, `${ROUTINE}:${outs.codeVersion}`);
                    emulator.clearFaults();
                }),
                { numRuns: RUNS },
            );
        });
    }
});
