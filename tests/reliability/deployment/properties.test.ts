/**
 * Property-based tests (fast-check) of what the provider does with whatever a program
 * hands it (SPEC §2, §4):
 *
 * - `check` never throws, whatever the input, and either reports failures or returns
 *   inputs that the API can take (1–2 entries, percentages adding up to 100, each version
 *   once, canonical order, strategy "percentage");
 * - `diff` compares splits as sets: reordering never shows a change, a different set
 *   always does;
 * - a differential test: for thousands of generated splits, the provider's verdict at
 *   preview equals the emulator's verdict on the request that would be sent (zero-percent
 *   entries dropped), checked directly against the emulator's own validation and, for a
 *   few hundred, through the provider and the official SDK against the running emulator.
 *   No split the provider accepts is refused as invalid by the API.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import Client, * as $esa from "@alicloud/esa20240910";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import { createProvider, RoutineCodeDeploymentProvider } from "../../../provider";
import { compareVersionIds } from "../../../provider/deployment/split";
import { UNKNOWN } from "../../../provider/engine/unknowns";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, Emulator, sdkConfig, startEmulator } from "../../../emulator";
import { parseCodeVersionsParam } from "../../../emulator/model/code-versions";

const A = "1723599747213377175";
const B = "1723599747213377176";
const C = "1723599747213377177";
/** 19-digit ids the emulator's routine does not have. */
const UNKNOWN_1 = "1723599747213377901";
const UNKNOWN_2 = "1723599747213377902";
const KNOWN = [A, B, C];
const ROUTINE = "prop-edge";

const INPUT_KEYS = ["name", "env", "strategy", "codeVersions", "region", "endpoint", "timeoutSeconds"];
const FAILURE_PATH = /^(name|env|strategy|region|endpoint|timeoutSeconds|codeVersions(\[\d+\](\.(codeVersion|percentage))?)?)$/;

const provider = createProvider({ env: {}, log: () => {} });
const check = (news: unknown) =>
    provider.check({}, news as any) as Promise<{ inputs: any; failures: { property: string; reason: string }[] }>;

// --- generators ---------------------------------------------------------------------------

/** Values a program could plausibly get wrong, mixed with right ones. */
const anyScalar = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.constant(UNKNOWN),
);
const versionLike = fc.oneof(
    fc.constantFrom(A, B, C, UNKNOWN_1, "", " " + A, A + " ", "abc", "0", "007"),
    fc.bigInt({ min: 0n, max: 10n ** 19n }).map(String),
    fc.integer({ min: -5, max: 2 ** 40 }),
    fc.constant(Number(A)), // an unsafe integer: JavaScript rounds the 19-digit id
    anyScalar,
);
const percentageLike = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -5, max: 105 }) },
    { weight: 2, arbitrary: fc.constantFrom(0, 50, 100, 10, 90) },
    { weight: 1, arbitrary: fc.double({ min: -5, max: 105, noNaN: true }) },
    { weight: 1, arbitrary: anyScalar },
);
const entryLike = fc.oneof(
    { weight: 6, arbitrary: fc.record({ codeVersion: versionLike, percentage: percentageLike }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.anything() },
);
/** Two distinct versions. */
const twoVersions = fc.uniqueArray(fc.constantFrom(...KNOWN), { minLength: 2, maxLength: 2 });
/** Splits the API takes: one version at 100 %, or two adding up to 100, optionally with 0 % entries. */
const validSplit = fc
    .tuple(
        fc.oneof(
            fc.constantFrom(...KNOWN).map((v) => [{ codeVersion: v, percentage: 100 }]),
            fc.tuple(twoVersions, fc.integer({ min: 1, max: 99 })).map(([[a, b], p]) => [
                { codeVersion: a, percentage: p },
                { codeVersion: b, percentage: 100 - p },
            ]),
        ),
        fc.boolean(),
    )
    .map(([split, withIdle]) => {
        const idle = KNOWN.find((v) => !split.some((e) => e.codeVersion === v));
        return withIdle && idle ? [...split, { codeVersion: idle, percentage: 0 }] : split;
    });
const validInputs = fc.record({
    name: fc.constantFrom("hello-edge", "other-routine"),
    env: fc.constantFrom("staging", "production"),
    codeVersions: validSplit,
});

/** Mostly `right`, sometimes one of the ways a program gets it wrong. */
const mostly = <T>(right: fc.Arbitrary<T>, ...wrong: fc.Arbitrary<unknown>[]) =>
    fc.oneof({ weight: 6, arbitrary: right as fc.Arbitrary<unknown> }, ...wrong.map((arbitrary) => ({ weight: 1, arbitrary })));
/** Inputs shaped almost like valid ones: each field right, or wrong, missing or unknown. */
const almostValid = fc.record(
    {
        name: mostly(fc.constantFrom("hello-edge", "a"), fc.constantFrom(" hello", "hello ", ""), anyScalar),
        env: mostly(
            fc.constantFrom("staging", "production"),
            fc.constantFrom("Production", "prod", "stagign", "STAGING", " production"),
            anyScalar,
        ),
        strategy: mostly(fc.constantFrom("percentage", undefined), fc.constantFrom("Percentage", "weighted"), anyScalar),
        codeVersions: mostly(
            validSplit,
            fc.array(entryLike, { maxLength: 4 }),
            fc.array(fc.record({ codeVersion: versionLike, percentage: fc.constantFrom(0, 50, 100) }), { maxLength: 3 }),
            fc.anything(),
        ),
        region: mostly(fc.constantFrom("cn-hangzhou", "ap-southeast-1", undefined), fc.constantFrom(" cn-hangzhou", ""), anyScalar),
        endpoint: mostly(
            fc.constantFrom("http://127.0.0.1:8787", "esa.cn-hangzhou.aliyuncs.com", undefined),
            fc.constantFrom("ftp://x", "http://x/path", "::::"),
            anyScalar,
        ),
        timeoutSeconds: mostly(fc.constantFrom(1, 30, 0.5, undefined), fc.constantFrom(0, -1, Infinity, NaN), anyScalar),
        __provider: fc.string(),
        extra: fc.anything(),
    },
    { requiredKeys: [] },
);
/**
 * The differential generator: 1–3 entries, percentages from -5 to 105 (integers and
 * not), versions known, unknown and repeated; plus splits one step away from valid.
 */
const diffVersion = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...KNOWN) },
    { weight: 1, arbitrary: fc.constantFrom(UNKNOWN_1, UNKNOWN_2) },
);
const diffPercentage = fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: -5, max: 105 }) },
    { weight: 2, arbitrary: fc.double({ min: -5, max: 105, noNaN: true }) },
    { weight: 2, arbitrary: fc.constantFrom(0, 100, 50, 1, 99) },
);
const randomSplit = fc.array(fc.record({ codeVersion: diffVersion, percentage: diffPercentage }), { minLength: 1, maxLength: 3 });
const nearValidSplit = fc
    .tuple(validSplit, fc.nat(), fc.constantFrom(-1, 1, 0.5, -100, 0), diffVersion, fc.boolean())
    .map(([split, i, delta, version, retarget]) => {
        const copy = split.map((e) => ({ ...e }));
        const entry = copy[i % copy.length];
        if (retarget)
            entry.codeVersion = version; // may duplicate another entry, or be unknown
        else entry.percentage += delta;
        return copy;
    });
const differentialSplit = fc.oneof(randomSplit, nearValidSplit, validSplit);

type Split = { codeVersion: string; percentage: number }[];
type ApiVerdict = "accepted" | "InvalidParameter" | "ParameterNotExist";

/** What the provider would send: zero-percent entries are "not serving" and dropped (SPEC §2). */
const wouldSend = (split: Split): Split => split.filter((e) => e.percentage !== 0);

/** The emulator's own verdict on a CreateRoutineCodeDeployment's CodeVersions, without the network. */
function emulatorVerdict(sent: Split, versions: readonly string[] = KNOWN): ApiVerdict {
    const param = JSON.stringify(sent.map((e) => ({ CodeVersion: e.codeVersion, Percentage: e.percentage })));
    try {
        const parsed = parseCodeVersionsParam(param);
        return parsed.every((e) => versions.includes(e.codeVersion)) ? "accepted" : "ParameterNotExist";
    } catch (error: any) {
        assert.equal(error.code, "InvalidParameter", `unexpected emulator error ${error.code}`);
        return "InvalidParameter";
    }
}

/**
 * The one place the provider is stricter than the API, on purpose (SPEC §2 "the same
 * codeVersion may not appear twice"): a version listed twice, once at 0 %. The API never
 * sees the 0 % copy; the provider refuses the list as ambiguous.
 */
function duplicateWithIdleCopy(split: Split): boolean {
    return split.some((e, i) =>
        split.some((o, j) => j !== i && o.codeVersion === e.codeVersion && (e.percentage === 0 || o.percentage === 0)),
    );
}

function isSortedCanonically(split: Split): boolean {
    return split.every((e, i) => i === 0 || compareVersionIds(split[i - 1].codeVersion, e.codeVersion) < 0);
}

function shuffled<T>(items: T[], seed: number): T[] {
    const copy = [...items];
    let state = seed >>> 0 || 1;
    for (let i = copy.length - 1; i > 0; i--) {
        state = (state * 1103515245 + 12345) >>> 0;
        const j = state % (i + 1);
        [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
}

// --- the properties -----------------------------------------------------------------------

describe("properties (fast-check)", function () {
    this.timeout(60_000);
    /** Generated cases per property, and how the checked ones came out. */
    const runs: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    const count = (what: string, n = 1) => (runs[what] = (runs[what] ?? 0) + n);
    const outcome = (what: string) => (outcomes[what] = (outcomes[what] ?? 0) + 1);

    after(() => {
        const total = Object.values(runs).reduce((a, b) => a + b, 0);
        console.log(`\n  Generated inputs tried: ${total}`);
        for (const [what, n] of Object.entries(runs)) console.log(`    ${String(n).padStart(6)}  ${what}`);
        console.log("  Outcomes:");
        for (const [what, n] of Object.entries(outcomes).sort()) console.log(`    ${String(n).padStart(6)}  ${what}`);
        console.log();
    });

    describe("check", () => {
        /** The contract of `check`'s answer, whatever the input. */
        async function assertCheckContract(news: unknown): Promise<void> {
            let result: Awaited<ReturnType<typeof check>>;
            try {
                result = await check(news);
            } catch (error: any) {
                throw new Error(`check threw on ${fc.stringify(news)}: ${error?.stack ?? error}`, { cause: error });
            }
            assert.ok(Array.isArray(result.failures));
            for (const failure of result.failures) {
                assert.match(failure.property, FAILURE_PATH, `failure path of ${fc.stringify(news)}`);
                assert.equal(typeof failure.reason, "string");
                assert.ok(failure.reason.length > 10, "a reason a user can act on");
            }
            // Only our inputs come back: never the engine's `__provider`, never stray keys.
            for (const key of Object.keys(result.inputs)) assert.ok(INPUT_KEYS.includes(key), `unexpected key ${key}`);
            if (result.failures.length > 0) {
                outcome("check: refused, with failures");
                return;
            }
            outcome("check: accepted");
            const { inputs } = result;
            if (JSON.stringify(inputs).includes(UNKNOWN)) return; // validated what was known; the rest passes
            assert.equal(inputs.strategy, "percentage");
            assert.ok(inputs.env === "staging" || inputs.env === "production");
            assert.ok(typeof inputs.name === "string" && inputs.name.length > 0);
            const split: Split = inputs.codeVersions;
            assert.ok(split.length >= 1 && split.length <= 2, `1–2 entries: ${JSON.stringify(split)}`);
            for (const e of split) {
                assert.deepEqual(Object.keys(e).sort(), ["codeVersion", "percentage"]);
                assert.equal(typeof e.codeVersion, "string");
                assert.ok(Number.isInteger(e.percentage) && e.percentage >= 1 && e.percentage <= 100);
            }
            assert.equal(
                split.reduce((sum, e) => sum + e.percentage, 0),
                100,
            );
            assert.equal(new Set(split.map((e) => e.codeVersion)).size, split.length, "unique versions");
            assert.ok(isSortedCanonically(split), `canonical order: ${JSON.stringify(split)}`);
            // Normalized inputs are a fixed point: checking them again changes nothing.
            const again = await check(inputs);
            assert.deepEqual(again.failures, []);
            assert.deepEqual(again.inputs, inputs);
        }

        it("never throws on arbitrary values (fc.anything), and answers with failures or usable inputs", async () => {
            await fc.assert(
                fc.asyncProperty(fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true }), (value) =>
                    assertCheckContract(value),
                ),
                { numRuns: 1_000 },
            );
            count("check: fc.anything()", 1_000);
        });

        it("never throws on arbitrary JSON (fc.jsonValue), at the top level and as any property", async () => {
            const asProperty = fc.tuple(fc.constantFrom(...INPUT_KEYS), fc.jsonValue()).map(([key, value]) => ({
                name: "hello-edge",
                env: "production",
                codeVersions: [{ codeVersion: A, percentage: 100 }],
                [key]: value,
            }));
            await fc.assert(fc.asyncProperty(fc.oneof(fc.jsonValue(), asProperty), assertCheckContract), { numRuns: 1_000 });
            count("check: fc.jsonValue()", 1_000);
        });

        it("on inputs shaped almost like valid ones, accepts only what the API can take", async () => {
            await fc.assert(fc.asyncProperty(almostValid, assertCheckContract), { numRuns: 3_000 });
            count("check: almost-valid inputs", 3_000);
        });

        it("accepts every valid input (with or without 0 % entries) and drops the 0 % entries", async () => {
            await fc.assert(
                fc.asyncProperty(validInputs, async (news) => {
                    const { inputs, failures } = await check(news);
                    assert.deepEqual(failures, []);
                    assert.deepEqual(
                        [...inputs.codeVersions].sort((x: any, y: any) => compareVersionIds(x.codeVersion, y.codeVersion)),
                        wouldSend(news.codeVersions).sort((x, y) => compareVersionIds(x.codeVersion, y.codeVersion)),
                    );
                }),
                { numRuns: 500 },
            );
            count("check: valid inputs", 500);
        });

        it("is order-insensitive: any order of the same entries normalizes to the same inputs", async () => {
            await fc.assert(
                fc.asyncProperty(fc.oneof(validInputs, almostValid), fc.nat(), async (news, seed) => {
                    if (!Array.isArray(news.codeVersions)) return;
                    const reordered = { ...news, codeVersions: shuffled(news.codeVersions, seed) };
                    const [a, b] = [await check(news), await check(reordered)];
                    assert.equal(a.failures.length === 0, b.failures.length === 0);
                    if (a.failures.length === 0) assert.deepEqual(b.inputs, a.inputs);
                }),
                { numRuns: 1_000 },
            );
            count("check: reordered inputs", 1_000);
        });

        it("never fails on values not known at preview time (outputs of other resources)", async () => {
            const withUnknowns = fc
                .tuple(
                    validInputs,
                    fc.subarray(["name", "env", "codeVersions", "entry", "codeVersion", "percentage"] as const, { minLength: 1 }),
                )
                .map(([news, holes]) => {
                    const copy: any = { ...news, codeVersions: news.codeVersions.map((e) => ({ ...e })) };
                    const last = copy.codeVersions.length - 1;
                    if (holes.includes("codeVersion")) copy.codeVersions[0].codeVersion = UNKNOWN;
                    if (holes.includes("percentage")) copy.codeVersions[last].percentage = UNKNOWN;
                    if (holes.includes("entry")) copy.codeVersions[last] = UNKNOWN;
                    for (const hole of ["name", "env", "codeVersions"] as const) if (holes.includes(hole)) copy[hole] = UNKNOWN;
                    return copy;
                });
            await fc.assert(
                fc.asyncProperty(withUnknowns, async (news) => {
                    const { failures } = await check(news);
                    assert.deepEqual(failures, [], `unknowns in ${JSON.stringify(news)}`);
                }),
                { numRuns: 500 },
            );
            count("check: inputs with unknown values", 500);
        });
    });

    describe("diff", () => {
        const outputsOf = async (news: unknown) => ({ ...(await check(news)).inputs, deploymentId: "1234" });

        it("never shows a change when only the order of codeVersions differs", async () => {
            await fc.assert(
                fc.asyncProperty(validInputs, fc.nat(), async (news, seed) => {
                    const olds = await outputsOf(news);
                    const reordered = { ...olds, codeVersions: shuffled(olds.codeVersions, seed) };
                    const raw = { ...news, codeVersions: shuffled(wouldSend(news.codeVersions), seed), strategy: "percentage" };
                    for (const candidate of [reordered, raw, (await check(reordered)).inputs]) {
                        const result = await provider.diff("id", olds, candidate);
                        assert.equal(
                            result.changes,
                            false,
                            `${JSON.stringify(olds.codeVersions)} vs ${JSON.stringify(candidate.codeVersions)}`,
                        );
                    }
                }),
                { numRuns: 1_000 },
            );
            count("diff: reordered splits", 1_000);
        });

        it("shows an in-place update exactly when the set of (codeVersion, percentage) pairs differs", async () => {
            await fc.assert(
                fc.asyncProperty(validInputs, validSplit, fc.nat(), async (news, other, seed) => {
                    const olds = await outputsOf(news);
                    const next = (await check({ ...news, codeVersions: shuffled(other, seed) })).inputs;
                    const key = (split: Split) =>
                        wouldSend(split)
                            .map((e) => `${e.codeVersion}=${e.percentage}`)
                            .sort()
                            .join();
                    const result = await provider.diff("id", olds, next);
                    assert.equal(result.changes, key(news.codeVersions) !== key(other));
                    assert.deepEqual(result.replaces ?? [], [], "a split change never replaces");
                }),
                { numRuns: 1_000 },
            );
            count("diff: split changes", 1_000);
        });
    });

    describe("differential: provider's verdict at preview = the API's verdict (emulator)", () => {
        let emulator: Emulator;
        let sdk: Client;

        before(async () => {
            emulator = await startEmulator({ routines: { [ROUTINE]: KNOWN } });
            sdk = new Client(new $OpenApiUtil.Config(sdkConfig(emulator)));
        });
        after(() => emulator?.close());

        const news = (split: Split) => ({ name: ROUTINE, env: "production", codeVersions: split });

        /** A provider as one `pulumi up` has it: new for every case, so no answer is carried over. */
        async function liveProvider(): Promise<RoutineCodeDeploymentProvider> {
            const p = createProvider({
                env: { ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_ACCESS_KEY_SECRET },
                log: () => {},
            });
            const config: Record<string, string> = { "esa:endpoint": emulator.endpoint, "esa:timeoutSeconds": "10" };
            await p.configure({ config: { get: (k: string) => config[k] } } as any);
            return p;
        }

        /** The provider's verdict and the API's, and the assertion that they agree. */
        async function compare(split: Split): Promise<{ accepted: boolean; verdict: ApiVerdict; inputs: any }> {
            const { inputs, failures } = await check(news(split));
            for (const f of failures) assert.match(f.property, /^codeVersions/, "only the split can be wrong here");
            const accepted = failures.length === 0;
            const verdict = emulatorVerdict(wouldSend(split));
            const description = `${JSON.stringify(split)}: provider ${accepted ? "accepts" : `refuses (${failures.map((f) => f.reason).join(" / ")})`}, API says ${verdict}`;
            if (accepted) {
                // Nothing the provider lets through is refused as invalid by the API; only a
                // version the routine does not have (which preview cannot know) is.
                assert.notEqual(verdict, "InvalidParameter", description);
                const unknownVersion = wouldSend(split).some((e) => !KNOWN.includes(e.codeVersion));
                assert.equal(verdict, unknownVersion ? "ParameterNotExist" : "accepted", description);
            } else if (verdict !== "InvalidParameter") {
                assert.ok(duplicateWithIdleCopy(split), `the provider refuses what the API takes: ${description}`);
                for (const f of failures) assert.match(f.reason, /is listed twice/, description);
            }
            return { accepted, verdict, inputs };
        }

        function tallyVerdict(accepted: boolean, verdict: ApiVerdict, via: string) {
            count(`differential (${via})`);
            const stricter = !accepted && verdict !== "InvalidParameter" ? " (a version listed twice, once at 0 %: SPEC §2)" : "";
            outcome(`differential (${via}): provider ${accepted ? "accepts" : "refuses"}, API says ${verdict}${stricter}`);
        }

        it("agrees on thousands of generated splits (the emulator's own validation, directly)", async () => {
            await fc.assert(
                fc.asyncProperty(differentialSplit, async (split) => {
                    const { accepted, verdict } = await compare(split);
                    tallyVerdict(accepted, verdict, "direct");
                }),
                { numRuns: 5_000 },
            );
        });

        it("agrees on a few hundred through the provider and the official SDK against the emulator", async () => {
            await fc.assert(
                fc.asyncProperty(differentialSplit, async (split) => {
                    const { accepted, verdict, inputs } = await compare(split);
                    tallyVerdict(accepted, verdict, "SDK");
                    emulator.reset(); // nothing live, so a create always sends its deployment
                    let answer: ApiVerdict = "accepted";
                    try {
                        if (accepted) {
                            // The provider's own request: the normalized inputs, 0 % entries dropped.
                            const created = await (await liveProvider()).create(inputs);
                            assert.deepEqual(created.outs.codeVersions, inputs.codeVersions);
                        } else {
                            // What the provider would have sent, had it not refused it at preview.
                            await sdk.createRoutineCodeDeployment(
                                new $esa.CreateRoutineCodeDeploymentRequest({
                                    name: ROUTINE,
                                    env: "production",
                                    strategy: "percentage",
                                    codeVersions: wouldSend(split).map((e) => new $esa.CreateRoutineCodeDeploymentRequestCodeVersions(e)),
                                }),
                            );
                        }
                    } catch (error: any) {
                        answer = error.code;
                    }
                    assert.equal(answer, verdict, `${JSON.stringify(split)} via the SDK`);
                    if (accepted) {
                        const creates = emulator.requests().filter((r) => r.action === "CreateRoutineCodeDeployment");
                        assert.equal(creates.length, 1, "the API judged the provider's own request");
                    }
                }),
                { numRuns: 300 },
            );
        });
    });
});
