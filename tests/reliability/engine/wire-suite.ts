/**
 * Every answer that crosses to the engine is one the dynamic-provider plugin can send
 * (README, "Security" and "Errors"), checked at the engine boundary:
 *
 * - for each resource, ≥ 10,000 malformed inputs (a valid program's inputs with keys
 *   removed at any depth, `null`, wrong types, the engine's unknown sentinel, huge
 *   strings, non-integers, unsafe integers) go through the wrapped provider's `check`,
 *   and its answer through the plugin's own serialization (`Struct.fromJavaScript` and
 *   `CheckResponse` of the `@pulumi/pulumi` this package ships with, as
 *   `cmd/dynamic-provider` does it); each is accepted, or refused with failures that are
 *   a property path and a sentence; a wrong type at a checked property is refused with a
 *   failure on that property (or inside it); nothing throws;
 * - generated outputs of create, read and a failure's partial state (undefined,
 *   functions, NaN, bigint, dates, nested anywhere) come out as values the plugin sends
 *   and the state's JSON holds unchanged.
 */
import { strict as assert } from "assert";
import * as path from "path";
import fc from "fast-check";
import { createCodeVersionProvider, createProvider, createRoutineProvider, WIRE_RULES } from "../../../provider";
import { wireSafe } from "../../../provider/engine/wire";
import { UNKNOWN } from "../../../provider/engine/unknowns";

// The plugin's own modules, from the @pulumi/pulumi it runs with.
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const structproto = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }));
const provproto = require("@pulumi/pulumi/proto/provider_pb");

const PROVIDER_KEY = "__provider";
const RUNS = 10_000;
/** A failure's property: a name, then `.name` or `[index]` parts. */
const PROPERTY_PATH = /^[A-Za-z_$][\w$-]*(\.[^.[\]\s]+|\[\d+\])*$/;

/** What the plugin does with a check answer (cmd/dynamic-provider/index.js `check`). */
function sendCheck(news: Record<string, unknown>, result: { inputs?: any; failures?: any[] }): void {
    const resp = new provproto.CheckResponse();
    const inputs = result.inputs ?? news;
    inputs[PROVIDER_KEY] = news[PROVIDER_KEY];
    resp.setInputs(structproto.Struct.fromJavaScript(inputs));
    const list = (result.failures ?? []).map((f) => {
        const failure = new provproto.CheckFailure();
        failure.setProperty(f.property);
        failure.setReason(f.reason);
        return failure;
    });
    if (list.length > 0) resp.setFailuresList(list);
    resp.serializeBinary();
}

/** What the plugin does with create/read/update answers and an error's state: a Struct, whose JavaScript is the state's JSON. */
function sendProperties(props: unknown): unknown {
    const struct = structproto.Struct.fromJavaScript({ ...(props as object), [PROVIDER_KEY]: "loader" });
    struct.serializeBinary();
    const back = struct.toJavaScript();
    assert.deepEqual(JSON.parse(JSON.stringify(back)), back, "the answer does not survive the state's JSON");
    return back;
}

// --- generated malformed inputs ---------------------------------------------------------

const HOST = "http://127.0.0.1:8787";
const VALID = {
    deployment: {
        name: "hello-edge",
        env: "production",
        codeVersions: [
            { codeVersion: "1723599747213377175", percentage: 90 },
            { codeVersion: "1723599747213377176", percentage: 10 },
        ],
        region: "cn-hangzhou",
        endpoint: HOST,
        timeoutSeconds: 60,
        rollout: {
            steps: [10, { percentage: 50, bakeSeconds: 5 }, 100],
            bakeSeconds: 1,
            mode: "continuous",
            retry: "1",
            gates: [
                {
                    name: "health",
                    timeoutSeconds: 10,
                    http: {
                        url: "https://hello.example.com/health?token=abc",
                        headers: { "x-token": "abc" },
                        expectStatus: [200],
                        expectBody: "ok",
                        samples: 5,
                        allowedFailures: 1,
                        target: "staging",
                    },
                },
                { name: "smoke", command: { run: "./smoke.sh --fast", cwd: "/tmp" } },
                { command: "true" },
            ],
        },
    },
    codeVersion: {
        routine: "hello-edge",
        sourceKind: "script",
        sourceHash: "a".repeat(64),
        sourceFile: "/tmp/esa-source.js",
        owner: "abcd1234",
        description: "first release",
        deployEnv: "production",
        pruneUnusedVersions: true,
        region: "cn-hangzhou",
        endpoint: HOST,
        timeoutSeconds: 60,
    },
    routine: { name: "hello-edge", description: "Hello", adoptExisting: false, region: "cn-hangzhou", endpoint: HOST, timeoutSeconds: 60 },
};

/**
 * Properties whose value is checked for its type: a wrong type there must be refused on
 * that property. (Elsewhere another type may be right: a number for a code version id,
 * a string or an object for a command, a number or an object for a step.)
 */
const TYPED: Record<keyof typeof VALID, RegExp> = {
    deployment:
        /^(name|env|codeVersions|codeVersions\[\d\]|codeVersions\[\d\]\.percentage|timeoutSeconds|rollout|rollout\.(steps|bakeSeconds|mode|gates)|rollout\.steps\[\d\]\.(percentage|bakeSeconds)|rollout\.gates\[\d\]|rollout\.gates\[\d\]\.(timeoutSeconds|http)|rollout\.gates\[\d\]\.http\.(url|headers|samples|allowedFailures|target)|rollout\.gates\[\d\]\.http\.headers\.x-token|rollout\.gates\[\d\]\.command\.(run|cwd))$/,
    codeVersion: /^(routine|description|deployEnv|pruneUnusedVersions|timeoutSeconds)$/,
    routine: /^(name|description|adoptExisting|timeoutSeconds)$/,
};

type Mutation =
    | { kind: "remove" }
    | { kind: "null" }
    | { kind: "unknown" }
    | { kind: "wrong type"; value: unknown }
    | { kind: "huge string"; value: string }
    | { kind: "non-integer"; value: number }
    | { kind: "unsafe integer"; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.constant<Mutation>({ kind: "remove" }),
    fc.constant<Mutation>({ kind: "null" }),
    fc.constant<Mutation>({ kind: "unknown" }),
    fc
        .oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 8 }), fc.constant({}), fc.constant([]), fc.constant([1, "x"]))
        .map((value): Mutation => ({ kind: "wrong type", value })),
    fc.integer({ min: 20_000, max: 70_000 }).map((n): Mutation => ({ kind: "huge string", value: "x".repeat(n) })),
    fc
        .double({ min: -1e6, max: 1e6, noNaN: true })
        .filter((n) => !Number.isInteger(n))
        .map((value): Mutation => ({ kind: "non-integer", value })),
    fc.constantFrom(2 ** 53 + 2, -(2 ** 60), 1e21).map((value): Mutation => ({ kind: "unsafe integer", value })),
);

/** Every path of a value: `a`, `a.b`, `a[0]`, …, with the value there. */
function pathsOf(value: unknown, at = ""): { path: string; value: unknown }[] {
    const found: { path: string; value: unknown }[] = [];
    if (Array.isArray(value)) {
        value.forEach((item, i) => {
            const p = `${at}[${i}]`;
            found.push({ path: p, value: item }, ...pathsOf(item, p));
        });
    } else if (value !== null && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
            const p = at === "" ? key : `${at}.${key}`;
            found.push({ path: p, value: item }, ...pathsOf(item, p));
        }
    }
    return found;
}

function apply(root: any, target: string, m: Mutation): void {
    const parts = target.match(/[^.[\]]+/g)!;
    let parent = root;
    for (const part of parts.slice(0, -1)) parent = parent?.[part];
    if (parent === null || typeof parent !== "object") return;
    const key = parts[parts.length - 1];
    if (m.kind === "remove") {
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
    } else parent[key] = m.kind === "null" ? null : m.kind === "unknown" ? UNKNOWN : m.value;
}

/** Whether `m` gives the property at `target` (whose valid value was `was`) a type it never takes. */
function isWrongType(was: unknown, m: Mutation): boolean {
    if (m.kind !== "wrong type") return false;
    const kind = (v: unknown) => (Array.isArray(v) ? "list" : v === null ? "null" : typeof v);
    return kind(was) !== kind(m.value);
}

const related = (a: string, b: string) =>
    a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`) || b.startsWith(`${a}.`) || b.startsWith(`${a}[`);

const wrapped = {
    deployment: wireSafe(createProvider({ env: {}, log: () => {} }), WIRE_RULES.deployment),
    codeVersion: wireSafe(createCodeVersionProvider({ env: {}, log: () => {} }), WIRE_RULES.codeVersion),
    routine: wireSafe(createRoutineProvider({ env: {}, log: () => {} }), WIRE_RULES.routine),
};

/**
 * The suite for `resources` (one test file each, so that the property runs of the three
 * resources share the machine's cores); `withCheckThrowing` adds the one test that is
 * about no resource in particular.
 */
export function wireSuite(resources: (keyof typeof VALID)[], withCheckThrowing = false): void {
    describe(`wire safety: every answer crosses to the engine (${resources.join(", ")})`, function () {
        this.timeout(120_000);

        for (const resource of resources) {
            it(`${resource}: ${RUNS} malformed inputs through check and the plugin's serialization, each accepted or refused on a property`, async () => {
                const paths = pathsOf(VALID[resource]);
                const counts = { generated: 0, accepted: 0, refused: 0, failures: {} as Record<string, number> };
                await fc.assert(
                    fc.asyncProperty(
                        fc.array(fc.tuple(fc.nat(paths.length - 1), mutation), { minLength: 1, maxLength: 3 }),
                        async (mutations) => {
                            const news: any = structuredClone(VALID[resource]);
                            // Applied deepest first, so that an earlier change does not move a later path.
                            const chosen = [...new Map(mutations.map(([i, m]) => [i, { ...paths[i], m }])).values()].sort(
                                (a, b) => b.path.length - a.path.length,
                            );
                            for (const { path: p, m } of chosen) apply(news, p, m);
                            news[PROVIDER_KEY] = "loader";
                            const result: any = await wrapped[resource].check({}, news);
                            sendCheck(news, result);
                            counts.generated++;
                            if (result.failures.length === 0) counts.accepted++;
                            else counts.refused++;
                            for (const f of result.failures) {
                                assert.match(f.property, PROPERTY_PATH, `failure property ${JSON.stringify(f.property)}`);
                                assert.match(f.reason, /^\S.*[.)"]$/s, `failure reason of ${f.property}: ${f.reason}`);
                                assert.doesNotMatch(f.reason, /undefined undefined|\[object Object\]|NaN|could not check/, f.reason);
                                assert.ok(f.reason.length < 2_000, `${f.property}: a reason of ${f.reason.length} characters`);
                            }
                            for (const { path: p, value: was, m } of chosen) {
                                if (!TYPED[resource].test(p) || !isWrongType(was, m)) continue;
                                // A parent changed by another mutation hides this one; a list item removed moves the later ones.
                                const list = (q: string) => q.replace(/\[\d+\]$/, "");
                                const hidden = (o: (typeof chosen)[number]) =>
                                    (o.path !== p && (p.startsWith(`${o.path}.`) || p.startsWith(`${o.path}[`))) ||
                                    (o.m.kind === "remove" && /\]$/.test(o.path) && o.path !== p && p.startsWith(`${list(o.path)}[`));
                                if (chosen.some(hidden)) continue;
                                const named = result.failures.filter((f: any) => related(f.property, p));
                                assert.ok(
                                    named.length > 0,
                                    `${p} set to ${JSON.stringify(m)}: no failure names it (${JSON.stringify(result.failures)})`,
                                );
                            }
                            for (const f of result.failures) {
                                const kind = chosen.find((c) => related(f.property, c.path))?.m.kind ?? "elsewhere";
                                counts.failures[kind] = (counts.failures[kind] ?? 0) + 1;
                            }
                        },
                    ),
                    { numRuns: RUNS },
                );
                assert.equal(counts.generated, RUNS);
                assert.ok(
                    counts.refused > RUNS / 4,
                    `only ${counts.refused} of ${RUNS} refused: the generator makes too few malformed inputs`,
                );
                if (process.env.WIRE_COUNTS) console.log(`      ${resource}: ${JSON.stringify(counts)}`);
            });
        }

        /** Values with every kind of thing that has no place in a Struct or in JSON, anywhere. */
        const unsendable = fc.letrec((tie) => ({
            value: fc.oneof(
                { depthSize: "small" },
                fc.string(),
                fc.double(),
                fc.constantFrom(
                    undefined,
                    null,
                    NaN,
                    Infinity,
                    -Infinity,
                    -0,
                    () => 1,
                    Symbol("s"),
                    10n ** 20n,
                    new Date(0),
                    new Date(NaN),
                ),
                fc.boolean(),
                fc.array(tie("value"), { maxLength: 4 }),
                fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 4 }),
            ),
        })).value;

        for (const resource of resources) {
            it(`${resource}: generated create, read, update and partial-state answers are sent as they would be recorded`, async () => {
                await fc.assert(
                    fc.asyncProperty(
                        fc.dictionary(fc.string({ maxLength: 8 }), unsendable, { maxKeys: 6 }),
                        unsendable,
                        async (outs, extra) => {
                            const inner: any = {
                                configure: async () => {},
                                check: async () => ({ inputs: outs, failures: [] }),
                                diff: async () => ({}),
                                create: async () => ({
                                    id: "id",
                                    outs: { ...outs, rolloutState: { message: extra, gates: [{ detail: extra }] } },
                                }),
                                read: async () => ({ id: "id", props: outs, inputs: { extra } }),
                                update: async () => {
                                    throw Object.assign(new Error("halted"), {
                                        id: "id",
                                        properties: { ...outs, extra },
                                        reasons: ["halted"],
                                    });
                                },
                                delete: async () => {},
                            };
                            const provider = wireSafe(inner, WIRE_RULES[resource]);
                            const created = await provider.create({});
                            assert.equal(typeof created.id, "string");
                            sendProperties(created.outs);
                            const read = await provider.read("id", {});
                            sendProperties(read.props);
                            sendProperties(read.inputs);
                            const checked: any = await provider.check({}, { [PROVIDER_KEY]: "loader" });
                            sendCheck({ [PROVIDER_KEY]: "loader" }, checked);
                            const failure: any = await provider.update("id", {}, {}).then(
                                () => assert.fail("the update did not fail"),
                                (e: unknown) => e,
                            );
                            assert.equal(failure.message, "halted");
                            sendProperties(failure.properties);
                        },
                    ),
                    { numRuns: 1_000 },
                );
            });
        }

        if (withCheckThrowing)
            it("a check that throws becomes a failure on a property", async () => {
                const inner: any = {
                    configure: async () => {},
                    check: async () => {
                        throw new TypeError("boom");
                    },
                };
                const result: any = await wireSafe(inner, WIRE_RULES.routine).check({}, { name: undefined, [PROVIDER_KEY]: "loader" });
                sendCheck({ [PROVIDER_KEY]: "loader" }, result);
                assert.equal(result.failures.length, 1);
                assert.equal(result.failures[0].property, "inputs");
                assert.match(result.failures[0].reason, /Routine could not check its inputs \(boom\)/);
            });
    });
}
