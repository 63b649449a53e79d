/**
 * The `rollout` input at preview time: defaults filled in, every mistake refused with the
 * property path a user finds in their program, unknown values let through.
 */
import { strict as assert } from "assert";
import { checkInputs } from "../../../provider/deployment/check";
import { UNKNOWN } from "../../../provider/engine/unknowns";

const base = { name: "hello", env: "production", codeVersions: [{ codeVersion: "1723599747213377176", percentage: 100 }] };
const check = (rollout: unknown) => checkInputs({ ...base, rollout });
const paths = (rollout: unknown) => check(rollout).failures.map((f) => f.property);

describe("rollout input validation", () => {
    it("fills in defaults: continuous, 60 s holds, 30 s gate timeouts, 10 samples, any 2xx", () => {
        const { inputs, failures } = check({
            steps: [10, { percentage: 50, bakeSeconds: 5 }],
            gates: [{ http: { url: "http://127.0.0.1:1/health" } }, { command: "true" }],
        });
        assert.deepEqual(failures, []);
        assert.deepEqual(inputs.rollout, {
            steps: [
                { percentage: 10, bakeSeconds: 60 },
                { percentage: 50, bakeSeconds: 5 },
            ],
            mode: "continuous",
            gates: [
                {
                    name: "gates[0] (http)",
                    timeoutSeconds: 30,
                    http: { url: "http://127.0.0.1:1/health", headers: {}, expectStatus: [], samples: 10, allowedFailures: 0 },
                },
                { name: "gates[1] (command)", timeoutSeconds: 30, command: { run: "true" } },
            ],
        });
    });

    it("names the property of every mistake, all at once", () => {
        assert.deepEqual(
            paths({
                steps: [50, 10, 0],
                mode: "fast",
                bakeSeconds: -1,
                gates: [
                    { http: { url: "ftp://x", samples: 0, expectStatus: 999, target: "prod" } },
                    { command: "" },
                    { http: { url: "http://x" }, command: "true" },
                    { name: "a", command: "true", timeoutSeconds: 0 },
                    { name: "a", command: { run: "true", shell: "bash" } },
                ],
                retry: {},
                bogus: 1,
            }),
            [
                "rollout.bogus",
                "rollout.bakeSeconds",
                "rollout.steps[1]",
                "rollout.steps[2]",
                "rollout.mode",
                "rollout.gates[0].http.url",
                "rollout.gates[0].http.expectStatus",
                "rollout.gates[0].http.samples",
                "rollout.gates[0].http.target",
                "rollout.gates[1].command",
                "rollout.gates[2]",
                "rollout.gates[3].timeoutSeconds",
                "rollout.gates[4].name",
                "rollout.gates[4].command.shell",
                "rollout.retry",
            ],
        );
    });

    it("refuses a probe that could never fail, and a continuous walk longer than one `up` should wait", () => {
        const probe = check({ steps: [10], gates: [{ http: { url: "http://x/", samples: 3, allowedFailures: 3 } }] });
        assert.equal(probe.failures[0].property, "rollout.gates[0].http.allowedFailures");
        assert.match(probe.failures[0].reason, /could never fail/);
        const long = check({ steps: [10, 50], bakeSeconds: 4 * 3600 });
        assert.equal(long.failures[0].property, "rollout.steps");
        assert.match(long.failures[0].reason, /stepwise/);
        assert.deepEqual(check({ steps: [10, 50], bakeSeconds: 4 * 3600, mode: "stepwise" }).failures, []);
    });

    it("lets values unknown at preview time through", () => {
        assert.deepEqual(check(UNKNOWN).failures, []);
        assert.deepEqual(check({ steps: [UNKNOWN, 50], gates: [{ http: { url: UNKNOWN, headers: { Host: UNKNOWN } } }] }).failures, []);
    });
});
