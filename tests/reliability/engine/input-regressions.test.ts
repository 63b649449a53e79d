/**
 * Regressions of "nothing a user writes crashes the plugin or leaks a secret", each as
 * the issue found it, through the providers the engine loads (`esa-routine-deployment/provider`):
 *
 * 1. a codeVersions entry without percentage (or codeVersion), an HTTP gate without url,
 *    a command gate without run: check's answer made the plugin throw "Unexpected struct
 *    type" in `Struct.fromJavaScript`, so the failure never reached the user;
 * 2. a command gate written with a secret: the gate's detail echoed the command line into
 *    rolloutState, an output the engine does not keep secret (end to end:
 *    tests/e2e/input-secrets.test.ts, which also covers 3);
 * 4. `rollout.steps: []` was refused as "required", though it was given.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { provider } from "../../../provider";
import { runGate } from "../../../provider/deployment/rollout/gates";
import { commandLineTexts } from "../../../provider/engine/redact";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const structproto = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }));

const base = {
    __provider: "loader",
    name: "hello-edge",
    env: "production",
    codeVersions: [{ codeVersion: "1723599747213377175", percentage: 100 }],
};

/** Check through the exported provider, then its inputs as the plugin sends them. */
async function checkAsThePluginDoes(news: Record<string, unknown>) {
    const result: any = await provider.check({}, news);
    const inputs = { ...result.inputs, __provider: news.__provider };
    structproto.Struct.fromJavaScript(inputs).serializeBinary();
    return result.failures as { property: string; reason: string }[];
}

describe("regressions: malformed input, secrets in gates, rollout.steps: []", () => {
    const cases: [string, Record<string, unknown>, string][] = [
        [
            "a codeVersions entry without percentage",
            { codeVersions: [{ codeVersion: "1723599747213377175" }] },
            "codeVersions[0].percentage",
        ],
        ["a codeVersions entry without codeVersion", { codeVersions: [{ percentage: 100 }] }, "codeVersions[0].codeVersion"],
        ["an HTTP gate without url", { rollout: { steps: [50], gates: [{ http: { samples: 2 } }] } }, "rollout.gates[0].http.url"],
        ["a command gate without run", { rollout: { steps: [50], gates: [{ command: { cwd: "/tmp" } }] } }, "rollout.gates[0].command.run"],
    ];
    for (const [title, change, property] of cases) {
        it(`1. ${title}: the plugin can send check's answer, and the failure names ${property}`, async () => {
            const failures = await checkAsThePluginDoes({ ...base, ...change });
            const named = failures.filter((f) => f.property === property);
            assert.equal(named.length, 1, JSON.stringify(failures));
            assert.doesNotMatch(named[0].reason, /undefined undefined/);
        });
    }

    it("2. a command gate's detail does not repeat its command line, nor a secret it prints", async () => {
        const token = "tok-4f9c2a7e1b3d5";
        const facts = {
            routine: "hello-edge",
            env: "production",
            step: 1,
            steps: 2,
            candidate: "2",
            candidatePercentage: 50,
            stablePercentage: 50,
            split: [],
        };
        const env = { stagingAddress: async () => "127.0.0.1", secrets: [], now: Date.now };
        const passed = await runGate({ name: "smoke", timeoutSeconds: 5, command: { run: `test -n "${token}"` } }, facts, env);
        assert.equal(passed.passed, true, passed.detail);
        assert.ok(!passed.detail.includes(token), passed.detail);
        const failed = await runGate(
            { name: "smoke", timeoutSeconds: 5, command: { run: `echo "smoke with ${token}"; exit 3` } },
            facts,
            env,
        );
        assert.equal(failed.passed, false);
        assert.match(failed.detail, /exited 3; output: smoke with \*\*\*\*/);
        assert.ok(!failed.detail.includes(token), failed.detail);
    });

    it("4. rollout.steps: [] is refused for being empty, not as missing", async () => {
        const failures = await checkAsThePluginDoes({ ...base, rollout: { steps: [] } });
        const steps = failures.filter((f) => f.property === "rollout.steps");
        assert.equal(steps.length, 1, JSON.stringify(failures));
        assert.doesNotMatch(steps[0].reason, /required/);
        assert.match(steps[0].reason, /empty/);
    });
});

describe("regressions: identifiers stay readable beside redacted input", () => {
    it("a gate command naming a code version id hides its token-like words, not the id every message is about", () => {
        const texts = commandLineTexts("./smoke.sh --candidate 1723599747213377177 --token s3cr3tT0ken99");
        assert.ok(texts.includes("s3cr3tT0ken99"));
        assert.ok(!texts.includes("1723599747213377177"));
    });
});
