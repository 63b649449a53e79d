import { strict as assert } from "assert";
import { checkInputs, CheckFailure } from "../../../provider/deployment/check";
import { UNKNOWN } from "../../../provider/engine/unknowns";

const A = "1723599747213377175";
const B = "1723599747213377176";
const C = "1723599747213377177";

/** A valid input; each test changes one thing. */
function valid(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: "my-routine",
        env: "production",
        codeVersions: [
            { codeVersion: A, percentage: 90 },
            { codeVersion: B, percentage: 10 },
        ],
        ...overrides,
    };
}

/** The failures, asserting there is exactly one and it is on `property`. */
function onlyFailure(raw: unknown, property: string): CheckFailure {
    const { failures } = checkInputs(raw);
    assert.equal(failures.length, 1, `expected one failure on ${property}, got ${JSON.stringify(failures)}`);
    assert.equal(failures[0].property, property);
    return failures[0];
}

function assertMentions(reason: string, ...words: (string | RegExp)[]): void {
    for (const word of words) {
        if (typeof word === "string")
            assert.ok(reason.includes(word), `expected ${JSON.stringify(reason)} to mention ${JSON.stringify(word)}`);
        else assert.match(reason, word);
    }
}

describe("checkInputs (SPEC §2)", () => {
    it("accepts a valid input with no failures and fills in the default strategy", () => {
        const { inputs, failures } = checkInputs(valid());
        assert.deepEqual(failures, []);
        assert.equal(inputs.strategy, "percentage");
        assert.equal(inputs.name, "my-routine");
        assert.equal(inputs.env, "production");
        assert.deepEqual(inputs.codeVersions, [
            { codeVersion: A, percentage: 90 },
            { codeVersion: B, percentage: 10 },
        ]);
    });

    describe("name", () => {
        for (const [label, value] of [
            ["missing", undefined],
            ["null", null],
            ["empty", ""],
        ] as const) {
            it(`is required (${label})`, () => {
                const f = onlyFailure(valid({ name: value }), "name");
                assertMentions(f.reason, "name is required", "routine");
            });
        }

        it("must be a string", () => {
            const f = onlyFailure(valid({ name: 42 }), "name");
            assertMentions(f.reason, "must be a string", "42");
        });

        it("may not have surrounding whitespace, and the message shows the trimmed name", () => {
            const f = onlyFailure(valid({ name: " my-routine " }), "name");
            assertMentions(f.reason, "whitespace", '"my-routine"');
        });
    });

    describe("env", () => {
        it("accepts staging and production", () => {
            assert.deepEqual(checkInputs(valid({ env: "staging" })).failures, []);
            assert.deepEqual(checkInputs(valid({ env: "production" })).failures, []);
        });

        it("is required", () => {
            const f = onlyFailure(valid({ env: undefined }), "env");
            assertMentions(f.reason, "env is required", '"staging"', '"production"');
        });

        it("must be a string", () => {
            const f = onlyFailure(valid({ env: 1 }), "env");
            assertMentions(f.reason, '"staging" or "production"', "number 1");
        });

        it('rejects the wrong case and hints at the lowercase form ("Production")', () => {
            const f = onlyFailure(valid({ env: "Production" }), "env");
            assertMentions(f.reason, '"Production"', "lowercase", 'Did you mean "production"?');
        });

        it('hints "production" for the alias "prod"', () => {
            const f = onlyFailure(valid({ env: "prod" }), "env");
            assertMentions(f.reason, '"prod" is not an ESA environment', 'Did you mean "production"?');
        });

        for (const [alias, meant] of [
            ["prd", "production"],
            ["live", "production"],
            ["stg", "staging"],
        ] as const) {
            it(`hints "${meant}" for the common alias "${alias}"`, () => {
                const f = onlyFailure(valid({ env: alias }), "env");
                assertMentions(f.reason, `Did you mean "${meant}"?`);
            });
        }

        it('hints "staging" for the typo "stagign"', () => {
            const f = onlyFailure(valid({ env: "stagign" }), "env");
            assertMentions(f.reason, 'Did you mean "staging"?');
        });

        it("gives no hint for something unrelated", () => {
            const f = onlyFailure(valid({ env: "banana" }), "env");
            assertMentions(f.reason, '"banana" is not an ESA environment', '"staging" or "production"');
            assert.ok(!/did you mean/i.test(f.reason), f.reason);
        });
    });

    describe("strategy", () => {
        it("defaults to percentage when left out or null", () => {
            assert.equal(checkInputs(valid({ strategy: undefined })).inputs.strategy, "percentage");
            assert.equal(checkInputs(valid({ strategy: null })).inputs.strategy, "percentage");
        });

        it("accepts percentage explicitly", () => {
            const { inputs, failures } = checkInputs(valid({ strategy: "percentage" }));
            assert.deepEqual(failures, []);
            assert.equal(inputs.strategy, "percentage");
        });

        for (const value of ["canary", "Percentage", 1]) {
            it(`rejects ${JSON.stringify(value)}`, () => {
                const f = onlyFailure(valid({ strategy: value }), "strategy");
                assertMentions(f.reason, "not supported", '"percentage"');
            });
        }
    });

    describe("codeVersions", () => {
        it("is required", () => {
            const f = onlyFailure(valid({ codeVersions: undefined }), "codeVersions");
            assertMentions(f.reason, "codeVersions is required", "100");
        });

        it("must be a list", () => {
            const f = onlyFailure(valid({ codeVersions: { codeVersion: A, percentage: 100 } }), "codeVersions");
            assertMentions(f.reason, "must be a list", "an object");
        });

        it("may not be empty", () => {
            const f = onlyFailure(valid({ codeVersions: [] }), "codeVersions");
            assertMentions(f.reason, "empty", "1 or 2");
        });

        it("rejects an element that is not an object, at its index", () => {
            const f = onlyFailure(valid({ codeVersions: [{ codeVersion: A, percentage: 100 }, "oops"] }), "codeVersions[1]");
            assertMentions(f.reason, "must be an object", '"oops"');
        });

        it("accepts a single version at 100", () => {
            const { inputs, failures } = checkInputs(valid({ codeVersions: [{ codeVersion: A, percentage: 100 }] }));
            assert.deepEqual(failures, []);
            assert.deepEqual(inputs.codeVersions, [{ codeVersion: A, percentage: 100 }]);
        });

        describe("percentage", () => {
            const withPercentage = (p: unknown) =>
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 50 },
                        { codeVersion: B, percentage: p },
                    ],
                });

            for (const [label, value, shown] of [
                ["non-integer", 50.5, "50.5"],
                ["negative", -10, "-10"],
                ["above 100", 150, "150"],
                ["a string", "50", '"50"'],
            ] as const) {
                it(`rejects a ${label} percentage at its path`, () => {
                    const f = onlyFailure(withPercentage(value), "codeVersions[1].percentage");
                    assertMentions(f.reason, "integer from 0 to 100", shown);
                });
            }

            it("is required", () => {
                const f = onlyFailure(withPercentage(undefined), "codeVersions[1].percentage");
                assertMentions(f.reason, "required", "0 to 100");
            });
        });

        it("rejects three versions above 0 (ESA serves at most two)", () => {
            const f = onlyFailure(
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 50 },
                        { codeVersion: B, percentage: 30 },
                        { codeVersion: C, percentage: 20 },
                    ],
                }),
                "codeVersions",
            );
            assertMentions(f.reason, "3 versions", "at most 2");
        });

        it("accepts three entries when one is 0, and drops the 0 entry", () => {
            const { inputs, failures } = checkInputs(
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 0 },
                        { codeVersion: B, percentage: 90 },
                        { codeVersion: C, percentage: 10 },
                    ],
                }),
            );
            assert.deepEqual(failures, []);
            assert.deepEqual(inputs.codeVersions, [
                { codeVersion: B, percentage: 90 },
                { codeVersion: C, percentage: 10 },
            ]);
        });

        it("accepts the last rollout step [{a, 0}, {b, 100}] and keeps only b", () => {
            const { inputs, failures } = checkInputs(
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 0 },
                        { codeVersion: B, percentage: 100 },
                    ],
                }),
            );
            assert.deepEqual(failures, []);
            assert.deepEqual(inputs.codeVersions, [{ codeVersion: B, percentage: 100 }]);
        });

        it("rejects a list where every percentage is 0", () => {
            const f = onlyFailure(
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 0 },
                        { codeVersion: B, percentage: 0 },
                    ],
                }),
                "codeVersions",
            );
            assertMentions(f.reason, "no version with a percentage above 0");
        });

        it("rejects percentages that do not add up to 100, and reports the sum", () => {
            const f = onlyFailure(
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 80 },
                        { codeVersion: B, percentage: 10 },
                    ],
                }),
                "codeVersions",
            );
            assertMentions(f.reason, "add up to 90", "exactly 100");
        });

        it("rejects a sum above 100 too", () => {
            const f = onlyFailure(
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 60 },
                        { codeVersion: B, percentage: 60 },
                    ],
                }),
                "codeVersions",
            );
            assertMentions(f.reason, "add up to 120");
        });

        it("rejects the same codeVersion twice, naming both places", () => {
            const f = onlyFailure(
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 50 },
                        { codeVersion: A, percentage: 50 },
                    ],
                }),
                "codeVersions[1].codeVersion",
            );
            assertMentions(f.reason, A, "twice", "codeVersions[0]", "codeVersions[1]");
        });

        it("treats a number and the same id as a string as duplicates", () => {
            const f = onlyFailure(
                valid({
                    codeVersions: [
                        { codeVersion: 12, percentage: 50 },
                        { codeVersion: "12", percentage: 50 },
                    ],
                }),
                "codeVersions[1].codeVersion",
            );
            assertMentions(f.reason, "twice");
        });

        it("converts a codeVersion given as a safe-integer number to a string", () => {
            const { inputs, failures } = checkInputs(valid({ codeVersions: [{ codeVersion: 1234567, percentage: 100 }] }));
            assert.deepEqual(failures, []);
            assert.deepEqual(inputs.codeVersions, [{ codeVersion: "1234567", percentage: 100 }]);
            assert.equal(typeof inputs.codeVersions[0].codeVersion, "string");
        });

        it("rejects an unsafe number (1723599747213377300) and tells the user to write it as a string", () => {
            const corrupted = 1723599747213377300;
            const f = onlyFailure(valid({ codeVersions: [{ codeVersion: corrupted, percentage: 100 }] }), "codeVersions[0].codeVersion");
            assertMentions(f.reason, "1723599747213377300", "cannot hold exactly", /as a string/i, "quotes");
        });

        for (const [label, value] of [
            ["empty string", ""],
            ["missing", undefined],
        ] as const) {
            it(`rejects a ${label} codeVersion`, () => {
                const f = onlyFailure(valid({ codeVersions: [{ codeVersion: value, percentage: 100 }] }), "codeVersions[0].codeVersion");
                assertMentions(f.reason, "required", "string");
            });
        }

        it("rejects a codeVersion that is neither string nor number", () => {
            const f = onlyFailure(valid({ codeVersions: [{ codeVersion: true, percentage: 100 }] }), "codeVersions[0].codeVersion");
            assertMentions(f.reason, "must be a string", "boolean true");
        });

        it("rejects a codeVersion with surrounding whitespace", () => {
            const f = onlyFailure(valid({ codeVersions: [{ codeVersion: ` ${A}`, percentage: 100 }] }), "codeVersions[0].codeVersion");
            assertMentions(f.reason, "whitespace", `"${A}"`);
        });
    });

    it("reports every failure at once, each with its own path", () => {
        const { failures } = checkInputs({
            name: " r ",
            env: "prod",
            codeVersions: [
                { codeVersion: A, percentage: 50 },
                { codeVersion: "", percentage: 150 },
            ],
        });
        assert.deepEqual(failures.map((f) => f.property).sort(), [
            "codeVersions[1].codeVersion",
            "codeVersions[1].percentage",
            "env",
            "name",
        ]);
    });

    describe("unknown values (preview)", () => {
        it("accepts codeVersions unknown as a whole and passes it through", () => {
            const { inputs, failures } = checkInputs(valid({ codeVersions: UNKNOWN }));
            assert.deepEqual(failures, []);
            assert.equal(inputs.codeVersions, UNKNOWN);
        });

        it("accepts one entry unknown, and does not check the sum or the count", () => {
            const { inputs, failures } = checkInputs(valid({ codeVersions: [{ codeVersion: A, percentage: 90 }, UNKNOWN] }));
            assert.deepEqual(failures, []);
            assert.deepEqual(inputs.codeVersions, [{ codeVersion: A, percentage: 90 }, UNKNOWN]);
        });

        it("accepts an unknown percentage without checking the sum", () => {
            const { inputs, failures } = checkInputs(
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 30 },
                        { codeVersion: B, percentage: UNKNOWN },
                    ],
                }),
            );
            assert.deepEqual(failures, []);
            assert.equal(inputs.codeVersions.length, 2);
        });

        it("accepts an unknown percentage beside a 0 entry (it may be the serving one)", () => {
            const { failures } = checkInputs(
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 0 },
                        { codeVersion: B, percentage: UNKNOWN },
                    ],
                }),
            );
            assert.deepEqual(failures, []);
        });

        it("accepts an unknown codeVersion", () => {
            const { failures } = checkInputs(
                valid({
                    codeVersions: [
                        { codeVersion: UNKNOWN, percentage: 50 },
                        { codeVersion: B, percentage: 50 },
                    ],
                }),
            );
            assert.deepEqual(failures, []);
        });

        it("accepts unknown name and env and passes them through", () => {
            const { inputs, failures } = checkInputs(valid({ name: UNKNOWN, env: UNKNOWN, strategy: UNKNOWN }));
            assert.deepEqual(failures, []);
            assert.equal(inputs.name, UNKNOWN);
            assert.equal(inputs.env, UNKNOWN);
        });

        it("still validates the known parts next to unknown ones", () => {
            const { failures } = checkInputs(
                valid({
                    name: UNKNOWN,
                    codeVersions: [
                        { codeVersion: A, percentage: 101 },
                        { codeVersion: B, percentage: UNKNOWN },
                    ],
                }),
            );
            assert.deepEqual(
                failures.map((f) => f.property),
                ["codeVersions[0].percentage"],
            );
        });
    });

    describe("canonical order", () => {
        it("puts the oldest (smaller) id first, whatever the input order", () => {
            const forward = checkInputs(
                valid({
                    codeVersions: [
                        { codeVersion: A, percentage: 90 },
                        { codeVersion: B, percentage: 10 },
                    ],
                }),
            );
            const backward = checkInputs(
                valid({
                    codeVersions: [
                        { codeVersion: B, percentage: 10 },
                        { codeVersion: A, percentage: 90 },
                    ],
                }),
            );
            const expected = [
                { codeVersion: A, percentage: 90 },
                { codeVersion: B, percentage: 10 },
            ];
            assert.deepEqual(forward.inputs.codeVersions, expected);
            assert.deepEqual(backward.inputs.codeVersions, expected);
        });

        it("puts a shorter id before a longer one (numeric, not textual, order)", () => {
            const { inputs } = checkInputs(
                valid({
                    codeVersions: [
                        { codeVersion: "10", percentage: 50 },
                        { codeVersion: "9", percentage: 50 },
                    ],
                }),
            );
            assert.deepEqual(
                inputs.codeVersions.map((e) => e.codeVersion),
                ["9", "10"],
            );
        });

        it("puts entries that are not known yet last", () => {
            const { inputs } = checkInputs(
                valid({
                    codeVersions: [
                        { codeVersion: UNKNOWN, percentage: 10 },
                        { codeVersion: B, percentage: 40 },
                        { codeVersion: A, percentage: 50 },
                    ],
                }),
            );
            assert.deepEqual(inputs.codeVersions, [
                { codeVersion: A, percentage: 50 },
                { codeVersion: B, percentage: 40 },
                { codeVersion: UNKNOWN, percentage: 10 },
            ]);
            const whole = checkInputs(valid({ codeVersions: [UNKNOWN, { codeVersion: B, percentage: 40 }] }));
            assert.deepEqual(whole.inputs.codeVersions, [{ codeVersion: B, percentage: 40 }, UNKNOWN]);
        });
    });

    describe("endpoint, region and timeoutSeconds", () => {
        for (const endpoint of [
            "esa.cn-hangzhou.aliyuncs.com",
            "http://127.0.0.1:8787",
            "https://esa.cn-hangzhou.aliyuncs.com",
            "127.0.0.1:8787",
        ]) {
            it(`accepts the endpoint ${endpoint}`, () => {
                const { inputs, failures } = checkInputs(valid({ endpoint }));
                assert.deepEqual(failures, []);
                assert.equal(inputs.endpoint, endpoint);
            });
        }

        for (const endpoint of ["ftp://x", "http://127.0.0.1:8787/api", "https://a b"]) {
            it(`rejects the endpoint ${endpoint}`, () => {
                const f = onlyFailure(valid({ endpoint }), "endpoint");
                assertMentions(f.reason, `"${endpoint}"`, "not an API address");
            });
        }

        it("rejects an endpoint with surrounding whitespace", () => {
            onlyFailure(valid({ endpoint: " esa.cn-hangzhou.aliyuncs.com" }), "endpoint");
        });

        it("leaves out an empty endpoint and region", () => {
            const { inputs, failures } = checkInputs(valid({ endpoint: "", region: "" }));
            assert.deepEqual(failures, []);
            assert.ok(!("endpoint" in inputs));
            assert.ok(!("region" in inputs));
        });

        it("keeps a region, and rejects a non-string one", () => {
            assert.equal(checkInputs(valid({ region: "cn-shanghai" })).inputs.region, "cn-shanghai");
            const f = onlyFailure(valid({ region: 5 }), "region");
            assertMentions(f.reason, "region must be a string");
        });

        it("accepts unknown endpoint and region", () => {
            assert.deepEqual(checkInputs(valid({ endpoint: UNKNOWN, region: UNKNOWN, timeoutSeconds: UNKNOWN })).failures, []);
        });

        it("accepts a positive timeoutSeconds", () => {
            const { inputs, failures } = checkInputs(valid({ timeoutSeconds: 30 }));
            assert.deepEqual(failures, []);
            assert.equal(inputs.timeoutSeconds, 30);
        });

        for (const value of [0, -5, "30", Infinity]) {
            it(`rejects timeoutSeconds ${String(value)}`, () => {
                const f = onlyFailure(valid({ timeoutSeconds: value }), "timeoutSeconds");
                assertMentions(f.reason, "positive number of seconds");
            });
        }
    });

    describe("never throws", () => {
        const odd: unknown[] = [
            null,
            undefined,
            0,
            42,
            NaN,
            "a string",
            true,
            [],
            [1, 2, 3],
            {},
            () => 1,
            Object.create(null),
            { name: {}, env: [], strategy: {}, codeVersions: "x", region: {}, endpoint: 5, timeoutSeconds: {} },
            { name: null, env: null, codeVersions: [null, 1, "x", [], true, {}] },
            {
                codeVersions: [
                    { codeVersion: {}, percentage: {} },
                    { codeVersion: [], percentage: [] },
                ],
            },
            { codeVersions: [{ codeVersion: Symbol("v"), percentage: BigInt(5) }] },
            {
                codeVersions: [
                    { codeVersion: NaN, percentage: NaN },
                    { codeVersion: -1, percentage: Infinity },
                ],
            },
            { codeVersions: [Object.create(null), { codeVersion: Object.create(null), percentage: 1 }] },
            { codeVersions: [[UNKNOWN], { codeVersion: [UNKNOWN], percentage: [UNKNOWN] }] },
            { env: "", name: "", endpoint: "::::", codeVersions: [{ nested: { deeper: [1, { x: null }] } }] },
        ];

        odd.forEach((value, index) => {
            it(`returns failures for odd input #${index} instead of throwing`, () => {
                const result = checkInputs(value);
                assert.ok(Array.isArray(result.failures));
                assert.ok(result.failures.length > 0, "odd input must not pass validation");
                for (const f of result.failures) {
                    assert.equal(typeof f.property, "string");
                    assert.equal(typeof f.reason, "string");
                    assert.ok(f.reason.length > 0);
                }
            });
        });
    });
});

describe("validation: sizes a user can get wrong", () => {
    it("a routine name longer than ESA takes is refused at preview, naming its length", () => {
        const { failures } = checkInputs({
            name: "a".repeat(300_000),
            env: "production",
            codeVersions: [{ codeVersion: "1", percentage: 100 }],
        });
        assert.deepEqual(
            failures.map((f) => f.property),
            ["name"],
        );
        assert.match(failures[0].reason, /300000 characters long; an ESA routine name has at most 64/);
    });
});
