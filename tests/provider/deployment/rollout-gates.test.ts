/**
 * The gates, against a local HTTP server this test starts and real shell commands: what
 * passes, what fails, and that a failure says what the gate saw.
 */
import { strict as assert } from "assert";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { runGate } from "../../../provider/deployment/rollout/gates";
import { GateEnvironment, RolloutFacts } from "../../../provider/deployment/rollout/gates/facts";
import { Gate } from "../../../provider/deployment/rollout/types";

const CANDIDATE = "1723599747213377176";
const STABLE = "1723599747213377175";

const facts: RolloutFacts = {
    routine: "hello-edge",
    env: "production",
    step: 2,
    steps: 3,
    candidate: CANDIDATE,
    stable: STABLE,
    candidatePercentage: 50,
    stablePercentage: 50,
    split: [
        { codeVersion: STABLE, percentage: 50 },
        { codeVersion: CANDIDATE, percentage: 50 },
    ],
};

const environment = (overrides: Partial<GateEnvironment> = {}): GateEnvironment => ({
    stagingAddress: async () => "127.0.0.2",
    secrets: [],
    now: Date.now,
    ...overrides,
});

/** An edge-like server: every `failEvery`-th request answers 503 from the candidate. */
async function edge(host: string, options: { failEvery?: number; delayMs?: number; body?: string } = {}) {
    let count = 0;
    const hosts: string[] = [];
    const server = http.createServer((req, res) => {
        count++;
        hosts.push(req.headers.host ?? "");
        const failing = options.failEvery !== undefined && count % options.failEvery === 0;
        setTimeout(() => {
            res.writeHead(failing ? 503 : 200, { "x-esa-code-version": failing ? CANDIDATE : STABLE });
            res.end(failing ? "upstream error" : (options.body ?? "hello from the edge"));
        }, options.delayMs ?? 0);
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const port = (server.address() as AddressInfo).port;
    return { port, hosts, requests: () => count, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const httpGate = (url: string, http: Record<string, unknown> = {}, timeoutSeconds = 5): Gate => ({
    name: "probe",
    timeoutSeconds,
    http: { url, headers: {}, expectStatus: [], samples: 10, allowedFailures: 0, ...http },
});

describe("rollout gates", () => {
    describe("http probe", () => {
        it("passes when every sample answers as expected", async () => {
            const server = await edge("127.0.0.1");
            try {
                const result = await runGate(httpGate(`http://127.0.0.1:${server.port}/`, { expectBody: "hello" }), facts, environment());
                assert.equal(result.passed, true, result.detail);
                assert.equal(server.requests(), 10);
                assert.match(
                    result.detail,
                    /^HTTP probe: 0 of 10 samples failed \(0 allowed; expected a 2xx status and a body containing the expected text\); 10 × 200 from version 1723599747213377175$/,
                );
                assert.equal(result.step, 2);
            } finally {
                await server.close();
            }
        });

        it("fails past the allowed failures, naming the status and the version that answered", async () => {
            const server = await edge("127.0.0.1", { failEvery: 3 });
            try {
                const tolerant = await runGate(
                    httpGate(`http://127.0.0.1:${server.port}/`, { samples: 6, allowedFailures: 2 }),
                    facts,
                    environment(),
                );
                assert.equal(tolerant.passed, true, tolerant.detail);
                const strict = await runGate(
                    httpGate(`http://127.0.0.1:${server.port}/`, { samples: 6, allowedFailures: 1 }),
                    facts,
                    environment(),
                );
                assert.equal(strict.passed, false);
                assert.match(strict.detail, /2 of 6 samples failed \(1 allowed; expected a 2xx status\)/);
                assert.match(strict.detail, /2 × status 503 from version 1723599747213377176/);
            } finally {
                await server.close();
            }
        });

        it("checks the body text and an explicit status list", async () => {
            const server = await edge("127.0.0.1", { body: "maintenance" });
            try {
                const body = await runGate(
                    httpGate(`http://127.0.0.1:${server.port}/`, { expectBody: "hello", samples: 2 }),
                    facts,
                    environment(),
                );
                assert.equal(body.passed, false);
                assert.match(body.detail, /body without the expected text/);
                assert.ok(
                    !body.detail.includes("hello") && !body.detail.includes("127.0.0.1"),
                    "the detail repeats the expected body or the URL",
                );
                const status = await runGate(
                    httpGate(`http://127.0.0.1:${server.port}/`, { expectStatus: [204], samples: 1 }),
                    facts,
                    environment(),
                );
                assert.equal(status.passed, false);
                assert.match(status.detail, /expected status 204/);
            } finally {
                await server.close();
            }
        });

        it("fails within its timeout when answers are slow", async () => {
            const server = await edge("127.0.0.1", { delayMs: 3_000 });
            try {
                const started = Date.now();
                const result = await runGate(httpGate(`http://127.0.0.1:${server.port}/`, { samples: 3 }, 1), facts, environment());
                assert.equal(result.passed, false);
                assert.ok(Date.now() - started < 2_500, `took ${Date.now() - started} ms`);
                assert.match(result.detail, /no answer within the gate's timeout/);
            } finally {
                await server.close();
            }
        });

        it("target \"staging\": probes the staging address at the URL's port and path, with the URL's host name as Host", async () => {
            const staging = await edge("127.0.0.2");
            try {
                let asked = 0;
                const result = await runGate(
                    httpGate(`http://hello-edge.example.test:${staging.port}/health`, { samples: 3, target: "staging" }),
                    facts,
                    environment({ stagingAddress: async () => (asked++, "127.0.0.2") }),
                );
                assert.equal(result.passed, true, result.detail);
                assert.equal(asked, 1);
                assert.deepEqual(staging.hosts, Array(3).fill(`hello-edge.example.test:${staging.port}`));
                assert.match(result.detail, /staging address 127\.0\.0\.2/);
            } finally {
                await staging.close();
            }
        });

        it("counts the staging address lookup against its timeout, and gives the lookup no more time than that", async () => {
            const started = Date.now();
            const given: number[] = [];
            const result = await runGate(
                httpGate("http://hello-edge.example.test:1/", { samples: 1, target: "staging" }, 1),
                facts,
                environment({
                    stagingAddress: (withinMs) => {
                        given.push(withinMs);
                        return new Promise((resolve) => setTimeout(() => resolve("127.0.0.2"), 3_000));
                    },
                }),
            );
            assert.deepEqual(given, [1_000]);
            assert.equal(result.passed, false);
            assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
            assert.match(result.detail, /GetRoutineStagingEnvIp gave no staging address within the gate's 1 s/);
        });
    });

    describe("command", () => {
        const commandGate = (run: string, timeoutSeconds = 5): Gate => ({ name: "script", timeoutSeconds, command: { run } });

        it("passes on exit 0, with the rollout's facts in ESA_ROLLOUT_* variables", async () => {
            const run =
                'test "$ESA_ROLLOUT_ROUTINE/$ESA_ROLLOUT_ENV/$ESA_ROLLOUT_STEP/$ESA_ROLLOUT_STEPS" = "hello-edge/production/2/3" && ' +
                `test "$ESA_ROLLOUT_CANDIDATE:$ESA_ROLLOUT_CANDIDATE_PERCENTAGE" = "${CANDIDATE}:50" && ` +
                `test "$ESA_ROLLOUT_STABLE:$ESA_ROLLOUT_STABLE_PERCENTAGE" = "${STABLE}:50" && ` +
                `test "$ESA_ROLLOUT_SPLIT" = "${STABLE}:50,${CANDIDATE}:50"`;
            const result = await runGate(commandGate(run), facts, environment());
            assert.equal(result.passed, true, result.detail);
        });

        it("fails on another exit code and shows the output, without secrets", async () => {
            const result = await runGate(
                commandGate('echo "checking $ESA_ROLLOUT_CANDIDATE with key s3cr3t"; echo "error rate 7%" >&2; exit 4'),
                facts,
                environment({ secrets: ["s3cr3t"] }),
            );
            assert.equal(result.passed, false);
            assert.match(result.detail, /exited 4; output: checking 1723599747213377176 with key \*\*\*\*\nerror rate 7%/);
            assert.ok(!result.detail.includes("s3cr3t"));
        });

        it("is killed with what it started at its timeout", async () => {
            const started = Date.now();
            const result = await runGate(commandGate("echo started; sleep 30 & wait", 1), facts, environment());
            assert.equal(result.passed, false);
            assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
            assert.match(result.detail, /did not finish within 1 s and was killed; output: started/);
        });
    });
});
