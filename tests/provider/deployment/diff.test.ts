import { strict as assert } from "assert";
import { diffDeployment } from "../../../provider/deployment/diff";
import { compareVersionIds, formatSplit, sameSplit, toSplit } from "../../../provider/deployment/split";
import { DeploymentInputs } from "../../../provider/deployment/types";
import { UNKNOWN } from "../../../provider/engine/unknowns";

const A = "1723599747213377175";
const B = "1723599747213377176";

function inputs(overrides: Partial<Record<keyof DeploymentInputs | "__provider" | "deploymentId", unknown>> = {}): any {
    return {
        name: "my-routine",
        env: "production",
        strategy: "percentage",
        codeVersions: [
            { codeVersion: A, percentage: 90 },
            { codeVersion: B, percentage: 10 },
        ],
        ...overrides,
    };
}

function assertNoChanges(olds: any, news: any): void {
    const diff = diffDeployment(olds, news);
    assert.equal(diff.changes, false, `unexpected changes: ${JSON.stringify(diff.changed)}`);
    assert.deepEqual(diff.replaces, []);
    assert.deepEqual(diff.changed, []);
}

function assertUpdate(olds: any, news: any, property: string): void {
    const diff = diffDeployment(olds, news);
    assert.equal(diff.changes, true);
    assert.deepEqual(diff.replaces, [], "an in-place update must not replace");
    assert.deepEqual(diff.changed, [property]);
    assert.equal(diff.deleteBeforeReplace, false);
}

describe("diffDeployment (SPEC §4)", () => {
    it("reports no changes for identical inputs", () => {
        assertNoChanges(inputs(), inputs());
    });

    it("reports no changes for the same split in another order", () => {
        assertNoChanges(
            inputs(),
            inputs({
                codeVersions: [
                    { codeVersion: B, percentage: 10 },
                    { codeVersion: A, percentage: 90 },
                ],
            }),
        );
    });

    it("updates in place when the percentages change", () => {
        assertUpdate(
            inputs(),
            inputs({
                codeVersions: [
                    { codeVersion: A, percentage: 50 },
                    { codeVersion: B, percentage: 50 },
                ],
            }),
            "codeVersions",
        );
    });

    it("updates in place when the percentages are swapped between versions", () => {
        assertUpdate(
            inputs(),
            inputs({
                codeVersions: [
                    { codeVersion: A, percentage: 10 },
                    { codeVersion: B, percentage: 90 },
                ],
            }),
            "codeVersions",
        );
    });

    it("updates in place when a version is swapped for another", () => {
        assertUpdate(
            inputs({ codeVersions: [{ codeVersion: A, percentage: 100 }] }),
            inputs({ codeVersions: [{ codeVersion: B, percentage: 100 }] }),
            "codeVersions",
        );
    });

    it("updates in place when a version is added (canary starts)", () => {
        assertUpdate(inputs({ codeVersions: [{ codeVersion: A, percentage: 100 }] }), inputs(), "codeVersions");
    });

    it("replaces on a name change", () => {
        const diff = diffDeployment(inputs(), inputs({ name: "other-routine" }));
        assert.equal(diff.changes, true);
        assert.deepEqual(diff.replaces, ["name"]);
        assert.equal(diff.deleteBeforeReplace, false);
    });

    it("replaces on an env change", () => {
        const diff = diffDeployment(inputs(), inputs({ env: "staging" }));
        assert.equal(diff.changes, true);
        assert.deepEqual(diff.replaces, ["env"]);
    });

    it("replaces on an env change even when the split changes too, and lists both", () => {
        const diff = diffDeployment(inputs(), inputs({ env: "staging", codeVersions: [{ codeVersion: A, percentage: 100 }] }));
        assert.deepEqual(diff.replaces, ["env"]);
        assert.deepEqual([...diff.changed].sort(), ["codeVersions", "env"]);
    });

    it("updates in place on a strategy change", () => {
        assertUpdate(inputs(), inputs({ strategy: "other" }), "strategy");
    });

    it("updates in place (not replace) when the endpoint changes or is added", () => {
        assertUpdate(inputs({ endpoint: "http://127.0.0.1:8787" }), inputs({ endpoint: "http://127.0.0.1:9999" }), "endpoint");
        assertUpdate(inputs(), inputs({ endpoint: "http://127.0.0.1:8787" }), "endpoint");
    });

    it("updates in place (not replace) when the region changes", () => {
        assertUpdate(inputs({ region: "cn-hangzhou" }), inputs({ region: "ap-southeast-1" }), "region");
    });

    it("ignores a change of timeoutSeconds alone", () => {
        assertNoChanges(inputs({ timeoutSeconds: 60 }), inputs({ timeoutSeconds: 600 }));
        assertNoChanges(inputs(), inputs({ timeoutSeconds: 600 }));
    });

    it("ignores the serialized provider (__provider) and other engine-added keys", () => {
        assertNoChanges(inputs({ __provider: "old code", deploymentId: "123" }), inputs({ __provider: "new code" }));
        assertNoChanges(inputs(), inputs({ __provider: "new code" }));
        assertNoChanges(inputs({ __provider: "old code" }), inputs());
    });

    it("reports changes when codeVersions is unknown in the news", () => {
        const diff = diffDeployment(inputs(), inputs({ codeVersions: UNKNOWN }));
        assert.equal(diff.changes, true);
        assert.deepEqual(diff.replaces, []);
        assert.deepEqual(diff.changed, ["codeVersions"]);
    });

    it("reports changes when one entry of codeVersions is unknown", () => {
        const diff = diffDeployment(
            inputs(),
            inputs({
                codeVersions: [
                    { codeVersion: A, percentage: 90 },
                    { codeVersion: B, percentage: UNKNOWN },
                ],
            }),
        );
        assert.equal(diff.changes, true);
        assert.deepEqual(diff.replaces, []);
    });

    it("replaces when the name is unknown (it may differ)", () => {
        const diff = diffDeployment(inputs(), inputs({ name: UNKNOWN }));
        assert.equal(diff.changes, true);
        assert.deepEqual(diff.replaces, ["name"]);
    });

    it("replaces when the env is unknown", () => {
        assert.deepEqual(diffDeployment(inputs(), inputs({ env: UNKNOWN })).replaces, ["env"]);
    });
});

describe("sameSplit", () => {
    it("is true for the same pairs in any order", () => {
        assert.equal(
            sameSplit(
                [
                    { codeVersion: A, percentage: 90 },
                    { codeVersion: B, percentage: 10 },
                ],
                [
                    { codeVersion: B, percentage: 10 },
                    { codeVersion: A, percentage: 90 },
                ],
            ),
            true,
        );
        assert.equal(sameSplit([], []), true);
    });

    it("is false when a percentage differs", () => {
        assert.equal(sameSplit([{ codeVersion: A, percentage: 100 }], [{ codeVersion: A, percentage: 99 }]), false);
    });

    it("is false when the percentages are swapped", () => {
        assert.equal(
            sameSplit(
                [
                    { codeVersion: A, percentage: 90 },
                    { codeVersion: B, percentage: 10 },
                ],
                [
                    { codeVersion: A, percentage: 10 },
                    { codeVersion: B, percentage: 90 },
                ],
            ),
            false,
        );
    });

    it("is false for different lengths, and for a missing side", () => {
        assert.equal(
            sameSplit(
                [{ codeVersion: A, percentage: 100 }],
                [
                    { codeVersion: A, percentage: 100 },
                    { codeVersion: B, percentage: 0 },
                ],
            ),
            false,
        );
        assert.equal(sameSplit(undefined, [{ codeVersion: A, percentage: 100 }]), false);
        assert.equal(sameSplit([{ codeVersion: A, percentage: 100 }], undefined), false);
    });

    it("is not fooled by a repeated pair of the same length", () => {
        const twice = [
            { codeVersion: A, percentage: 50 },
            { codeVersion: A, percentage: 50 },
        ];
        const pair = [
            { codeVersion: A, percentage: 50 },
            { codeVersion: B, percentage: 50 },
        ];
        assert.equal(sameSplit(twice, pair), false);
        assert.equal(sameSplit(pair, twice), false);
    });

    it("tells 19-digit ids apart that a JavaScript number would merge", () => {
        // Number("1723599747213377175") === Number("1723599747213377176")
        assert.equal(Number(A), Number(B));
        assert.equal(sameSplit([{ codeVersion: A, percentage: 100 }], [{ codeVersion: B, percentage: 100 }]), false);
    });
});

describe("formatSplit", () => {
    it("shows every version and its percentage, oldest first", () => {
        assert.equal(
            formatSplit([
                { codeVersion: B, percentage: 10 },
                { codeVersion: A, percentage: 90 },
            ]),
            `${A}: 90%, ${B}: 10%`,
        );
    });

    it("says when nothing is deployed", () => {
        assert.equal(formatSplit([]), "(nothing deployed)");
        assert.equal(formatSplit(undefined), "(nothing deployed)");
    });

    it("does not reorder the caller's list", () => {
        const list = [
            { codeVersion: B, percentage: 10 },
            { codeVersion: A, percentage: 90 },
        ];
        formatSplit(list);
        assert.equal(list[0].codeVersion, B);
    });
});

describe("compareVersionIds", () => {
    it("orders 19-digit ids exactly, where numbers would tie", () => {
        assert.ok(compareVersionIds(A, B) < 0);
        assert.ok(compareVersionIds(B, A) > 0);
        assert.equal(compareVersionIds(A, A), 0);
        // the last digit differs by one: beyond Number's precision
        assert.ok(compareVersionIds("9007199254740993", "9007199254740992") > 0);
    });

    it("puts a shorter numeric id first (older), unlike text order", () => {
        assert.ok(compareVersionIds("9", "10") < 0);
        assert.ok(compareVersionIds("999999999999999999", A) < 0);
        assert.ok(compareVersionIds(A, "999999999999999999") > 0);
    });

    it("compares non-numeric ids as text", () => {
        assert.ok(compareVersionIds("a", "b") < 0);
        assert.ok(compareVersionIds("v10", "v9") < 0);
    });
});

describe("toSplit", () => {
    it("drops 0-percent entries and the API's extra fields, and orders oldest first", () => {
        const split = toSplit([
            { codeVersion: B, percentage: 10, createTime: "2024-08-14", description: "canary" } as any,
            { codeVersion: "1723599747213377000", percentage: 0, createTime: "2024-08-13" } as any,
            { codeVersion: A, percentage: 90, extra: { nested: true } } as any,
        ]);
        assert.deepEqual(split, [
            { codeVersion: A, percentage: 90 },
            { codeVersion: B, percentage: 10 },
        ]);
    });

    it("turns percentages given as strings into numbers", () => {
        assert.deepEqual(toSplit([{ codeVersion: A, percentage: "100" }]), [{ codeVersion: A, percentage: 100 }]);
    });

    it("keeps a string id exactly as given", () => {
        const [entry] = toSplit([{ codeVersion: A, percentage: 100 }]);
        assert.equal(entry.codeVersion, A);
        assert.equal(typeof entry.codeVersion, "string");
    });
});
