/**
 * The fault matrix (SPEC §5): every fault the emulator can inject, plus an account in
 * arrears, a missing routine and a wrong secret, against each operation that calls ESA
 * (create, update, read), through the provider object in-process and the official SDK.
 *
 * For every cell it checks what a user gets — retried and succeeded, or a failure whose
 * message names the operation, the error code, ESA's RequestId when ESA sent one, says
 * what to do, and never shows a secret — and that a re-run after the fault clears
 * converges: the live split (emulator.state()) equals the declared one. The matrix is
 * printed as a table when the file is done.
 */
import { strict as assert } from "assert";
import type { RoutineCodeDeploymentProvider } from "../../../provider";
import { CodeVersionSplit, DeploymentInputs, DeploymentOutputs } from "../../../provider/deployment/types";
import { Emulator, RecordedRequest, startEmulator } from "../../../emulator";
import { providerRun } from "../../support/provider-run";

const A = "1723599747213377175";
const B = "1723599747213377176";
const ROUTINE = "matrix-edge";
const ENV = "production";
const ID = `${ROUTINE}:${ENV}`;
const KEY_ID = "LTAI5tFaultMatrixKey01";
const SECRET = `matrix-secret-${process.pid}-${Date.now().toString(36)}`;
const WRONG_SECRET = `wrong-secret-${process.pid}-${Date.now().toString(36)}`;

/** Generous enough for a few retries; the "past the deadline" rows use 1 s. */
const TIMEOUT_SECONDS = 5;
const SHORT_TIMEOUT_SECONDS = 1;

const CREATE: CodeVersionSplit[] = [
    { codeVersion: A, percentage: 90 },
    { codeVersion: B, percentage: 10 },
];
const BEFORE_UPDATE: CodeVersionSplit[] = [{ codeVersion: A, percentage: 100 }];
const UPDATE: CodeVersionSplit[] = [
    { codeVersion: A, percentage: 50 },
    { codeVersion: B, percentage: 50 },
];
const LIVE_FOR_READ: CodeVersionSplit[] = [
    { codeVersion: A, percentage: 70 },
    { codeVersion: B, percentage: 30 },
];

type Operation = "create" | "update" | "read";
const OPERATIONS: Operation[] = ["create", "update", "read"];

type Expectation =
    /** The operation returns normally; `attempts` requests of `action` were made. */
    | { outcome: "succeeded"; action: string; attempts: number }
    /** The operation throws; the message names `code` and says `says`. */
    | {
          outcome: "failed";
          action: string;
          attempts: number | "several";
          code: RegExp;
          says: RegExp[];
          /** true: ESA answered, so the message must carry the RequestId it sent. */
          requestId: boolean;
      }
    /** A read that tells the engine the resource is gone (id ""). */
    | { outcome: "gone"; action: string; attempts: number };

interface Row {
    fault: string;
    timeoutSeconds?: number;
    /** Sign with this instead of the right secret. */
    secret?: string;
    inject(emulator: Emulator, op: Operation): void;
    /** The fault clears; by default pending faults are dropped. */
    heal?(emulator: Emulator): void;
    /** For the latency rows: the late answer (and for a write, the commit) to wait for. */
    lateAction?(op: Operation): string;
    expect(op: Operation): Expectation;
}

const CREATE_ACTION = "CreateRoutineCodeDeployment";
const GET = "GetRoutine";
/** The action a fault hits: the write for create/update, the read for read. */
const target = (op: Operation) => (op === "read" ? GET : CREATE_ACTION);

const RETRY_ADVICE = /kept refusing the request as busy or throttled until the operation's deadline/;
const NETWORK_ADVICE = /The connection to ESA broke or timed out/;

/** A fault injected twice in a row: retried, then the operation succeeds. */
function transient(fault: "throttling" | "serviceUnavailable" | "internalError" | "internalException" | "internalOperationError"): Row {
    return {
        fault: `${fault} ×2`,
        inject: (emulator, op) => emulator.injectFault({ action: target(op), kind: fault, count: 2 }),
        expect: (op) => ({ outcome: "succeeded", action: target(op), attempts: 3 }),
    };
}

/** A fault that outlasts the operation's (short) deadline: it fails, saying what to do. */
function persistent(fault: "throttling" | "serviceUnavailable", code: RegExp): Row {
    return {
        fault: `${fault} (outlasts the deadline)`,
        timeoutSeconds: SHORT_TIMEOUT_SECONDS,
        inject: (emulator, op) => emulator.injectFault({ action: target(op), kind: fault, count: 10_000 }),
        expect: (op) => ({
            outcome: "failed",
            action: target(op),
            attempts: "several",
            code,
            says: [RETRY_ADVICE, /Gave up after \d+ attempts in \d+ s \(the operation's deadline\)/],
            requestId: true,
        }),
    };
}

const ROWS: Row[] = [
    transient("throttling"),
    transient("serviceUnavailable"),
    transient("internalError"),
    transient("internalException"),
    transient("internalOperationError"),
    persistent("throttling", /Throttling\.User/),
    persistent("serviceUnavailable", /ServiceUnavailable/),
    {
        fault: "latency 300 ms (within the deadline)",
        inject: (emulator, op) => emulator.injectFault({ action: target(op), kind: "latency", latencyMs: 300 }),
        expect: (op) => ({ outcome: "succeeded", action: target(op), attempts: 1 }),
    },
    {
        // The request outlives the 1 s deadline; ESA still carries it out afterwards.
        fault: "latency 1.5 s (past the 1 s deadline)",
        timeoutSeconds: SHORT_TIMEOUT_SECONDS,
        inject: (emulator, op) => emulator.injectFault({ action: target(op), kind: "latency", latencyMs: 1_500 }),
        lateAction: target,
        expect: (op) => ({
            outcome: "failed",
            action: target(op),
            attempts: 1,
            code: /RequestTimeout/,
            says: [NETWORK_ADVICE, /a re-run is safe/],
            requestId: false,
        }),
    },
    {
        fault: "connectionReset ×1",
        inject: (emulator, op) => emulator.injectFault({ action: target(op), kind: "connectionReset" }),
        expect: (op) => ({ outcome: "succeeded", action: target(op), attempts: 2 }),
    },
    {
        // The write is committed, then its answer is lost: found and adopted, never sent twice.
        fault: "lostResponse ×1",
        inject: (emulator, op) => emulator.injectFault({ action: target(op), kind: "lostResponse" }),
        expect: (op) => ({ outcome: "succeeded", action: target(op), attempts: op === "read" ? 2 : 1 }),
    },
    {
        fault: "RoutineUserServiceStatusHalt (setOverdue)",
        inject: (emulator) => emulator.setOverdue(true),
        heal: (emulator) => emulator.setOverdue(false),
        expect: (op) =>
            op === "read"
                ? // Reading is not a change: an account in arrears can still refresh.
                  { outcome: "succeeded", action: GET, attempts: 1 }
                : {
                      outcome: "failed",
                      action: CREATE_ACTION,
                      attempts: 1,
                      code: /RoutineUserServiceStatusHalt/,
                      says: [/overdue payments/, /settle the balance/, /Nothing was changed/],
                      requestId: true,
                  },
    },
    {
        fault: "RoutineNotExist (deleteRoutine)",
        inject: (emulator) => emulator.deleteRoutine(ROUTINE),
        heal: (emulator) => emulator.addRoutine(ROUTINE, [A, B]),
        expect: (op) =>
            op === "read"
                ? { outcome: "gone", action: GET, attempts: 1 }
                : {
                      outcome: "failed",
                      // An update deploys from its recorded state, with no read before.
                      action: op === "update" ? CREATE_ACTION : GET,
                      attempts: 1,
                      code: /RoutineNotExist/,
                      says: [/does not exist for this account and region: create it first/],
                      requestId: true,
                  },
    },
    {
        fault: "wrong secret (SignatureDoesNotMatch)",
        secret: WRONG_SECRET,
        inject: () => {},
        expect: (op) => ({
            outcome: "failed",
            action: op === "update" ? CREATE_ACTION : GET,
            attempts: 1,
            code: /SignatureDoesNotMatch/,
            says: [/Authentication failed/, /alicloud:accessKey/, /ALIBABA_CLOUD_ACCESS_KEY_ID/, /LTAI5t…y01 from environment/],
            requestId: true,
        }),
    },
];

interface MatrixLine {
    fault: string;
    operation: Operation;
    outcome: string;
    attempts: number;
    calls: number;
    rerunCalls: number;
    ms: number;
}

describe("fault matrix: every fault × create, update, read (in-process provider, official SDK, emulator)", function () {
    this.timeout(20_000);
    let emulator: Emulator;
    const logs: string[] = [];
    const matrix: MatrixLine[] = [];

    /** Each run is a new provider process, with a rate limiter of its own. */
    const provider = (options: { secret?: string; timeoutSeconds?: number } = {}): Promise<RoutineCodeDeploymentProvider> =>
        providerRun({
            env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: options.secret ?? SECRET },
            log: (severity, message) => logs.push(`${severity}: ${message}`),
            config: { "esa:endpoint": emulator.endpoint, "esa:timeoutSeconds": String(options.timeoutSeconds ?? TIMEOUT_SECONDS) },
        });

    const inputs = (codeVersions: CodeVersionSplit[]): DeploymentInputs => ({
        name: ROUTINE,
        env: ENV,
        strategy: "percentage",
        codeVersions: codeVersions.map((v) => ({ ...v })),
    });

    /** The state before the operation: nothing for create, a live split for update and read. */
    function arrange(op: Operation): DeploymentOutputs | undefined {
        emulator.reset();
        let before: DeploymentOutputs | undefined;
        if (op !== "create") {
            const split = op === "update" ? BEFORE_UPDATE : LIVE_FOR_READ;
            before = { ...inputs(split), deploymentId: emulator.setDeployment(ROUTINE, ENV, split) };
        }
        emulator.clearRequests();
        return before;
    }

    const declared = (op: Operation) => (op === "create" ? CREATE : op === "update" ? UPDATE : LIVE_FOR_READ);

    /** Runs the operation as the engine would call it. */
    async function run(p: RoutineCodeDeploymentProvider, op: Operation, before: DeploymentOutputs | undefined): Promise<any> {
        switch (op) {
            case "create":
                return p.create(inputs(CREATE));
            case "update":
                return p.update(ID, before!, inputs(UPDATE));
            case "read":
                return p.read(ID, before!);
        }
    }

    const live = () => emulator.state().routines[ROUTINE]?.deployments[ENV];
    const asSet = (split: readonly CodeVersionSplit[] | undefined) => (split ?? []).map((v) => `${v.codeVersion}=${v.percentage}`).sort();
    const successfulWrites = (requests: RecordedRequest[]) => requests.filter((r) => r.action === CREATE_ACTION && r.status === 200).length;

    /** The outputs a run must report, and the live state it must leave, when it succeeds. */
    function assertConverged(op: Operation, result: any, context: string, split = declared(op)): void {
        const deployment = live();
        assert.ok(deployment, `${context}: nothing is deployed`);
        assert.deepEqual(asSet(deployment.codeVersions), asSet(split), `${context}: live split`);
        const outputs = op === "read" ? result.props : result.outs;
        if (op === "read") assert.equal(result.id, ID, `${context}: read id`);
        assert.deepEqual(asSet(outputs.codeVersions), asSet(split), `${context}: reported split`);
        assert.equal(outputs.deploymentId, deployment.deploymentId, `${context}: reported deploymentId is the live one`);
        assert.equal(typeof outputs.deploymentId, "string");
    }

    function assertNoSecret(text: string, context: string): void {
        for (const secret of [SECRET, WRONG_SECRET, KEY_ID]) {
            assert.ok(!text.includes(secret), `${context} shows a credential (${secret.slice(0, 6)}…): ${text}`);
        }
    }

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [A, B] }, accessKeys: { [KEY_ID]: SECRET } });
        // Load the SDK once, so that its first require does not eat into a 1 s deadline.
        await (await provider()).read(ID, {});
    });
    after(async () => {
        await emulator?.close();
        const header = ["fault", "operation", "outcome", "attempts", "calls", "re-run calls", "ms"];
        const rows = matrix.map((m) => [m.fault, m.operation, m.outcome, m.attempts, m.calls, m.rerunCalls, m.ms].map(String));
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
        console.log(`\n  Fault matrix (attempts = requests of the action the fault hits; calls = all API requests of the operation)\n`);
        console.log(
            [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].map((l) => `  ${l}`).join("\n"),
        );
        console.log(`\n  ${matrix.length} fault cases passed (of ${ROWS.length * OPERATIONS.length}).\n`);
    });

    for (const row of ROWS) {
        for (const op of OPERATIONS) {
            const expected = row.expect(op);
            it(`${row.fault} × ${op} → ${expected.outcome}, then a re-run converges`, async () => {
                const before = arrange(op);
                logs.length = 0;
                row.inject(emulator, op);
                const p = await provider({ secret: row.secret, timeoutSeconds: row.timeoutSeconds });

                const started = Date.now();
                let result: any;
                let error: any;
                try {
                    result = await run(p, op, before);
                } catch (e) {
                    error = e;
                }
                const ms = Date.now() - started;
                if (row.lateAction) {
                    // The emulator answers (and logs) the delayed request only after the
                    // client gave up; a write is carried out then, as ESA would.
                    const late = row.lateAction(op);
                    const until = Date.now() + 5_000;
                    while (!emulator.requests().some((r) => r.action === late && r.fault === "latency")) {
                        assert.ok(Date.now() < until, "the delayed request was never answered");
                        await new Promise((resolve) => setTimeout(resolve, 50));
                    }
                }
                const requests = emulator.requests();
                const attempts = requests.filter((r) => r.action === expected.action).length;

                // --- what the user gets ------------------------------------------------
                switch (expected.outcome) {
                    case "succeeded":
                        assert.equal(error, undefined, `expected success, got: ${error?.message}`);
                        assert.equal(attempts, expected.attempts, `${expected.action} attempts`);
                        assertConverged(op, result, "first run");
                        if (op !== "read") assert.equal(successfulWrites(requests), 1, "deployed exactly once");
                        break;
                    case "gone":
                        assert.equal(error, undefined, `expected "gone", got: ${error?.message}`);
                        assert.deepEqual(result, { id: "", props: {} }, "a missing routine reads as a deleted resource");
                        assert.equal(attempts, expected.attempts);
                        break;
                    case "failed": {
                        assert.ok(error, `expected a failure, got ${JSON.stringify(result)}`);
                        const message: string = error.message;
                        if (expected.attempts === "several") assert.ok(attempts >= 2, `retried (${attempts} attempts)`);
                        else assert.equal(attempts, expected.attempts, `${expected.action} attempts`);
                        assert.match(message, expected.code);
                        for (const says of expected.says) assert.match(message, says);
                        assert.match(
                            message,
                            new RegExp(`^ESA (GetRoutine|${CREATE_ACTION}) for routine "${ROUTINE}" \\(${ENV}\\) failed: `),
                        );
                        if (expected.requestId) {
                            const id = /\(RequestId: ([0-9A-F-]{36})\)$/.exec(message)?.[1];
                            assert.ok(id, `no RequestId in: ${message}`);
                            const answered = requests.find((r) => r.requestId === id);
                            assert.ok(answered, "the RequestId is one ESA sent");
                            assert.match(answered.code ?? "", expected.code, "the RequestId is that of the failing answer");
                        } else {
                            assert.match(message, /\(no RequestId: the request got no answer from ESA\)$/);
                        }
                        assertNoSecret(message, "the error message");
                        assertNoSecret(String(error.stack), "the error's stack");
                        // Refused writes deploy nothing; a write that outlived the deadline
                        // lands late, once (the re-run below then adopts it).
                        if (op !== "read") assert.equal(successfulWrites(requests), row.lateAction ? 1 : 0, "deployments made");
                        break;
                    }
                }
                assertNoSecret(logs.join("\n"), "the provider's log");

                // --- the fault clears; then the re-run -------------------------------------
                emulator.clearFaults();
                row.heal?.(emulator);
                const landed = op !== "read" && asSet(live()?.codeVersions).join() === asSet(declared(op)).join();
                emulator.clearRequests();

                const again = await provider();
                const rerun =
                    expected.outcome === "gone"
                        ? // Refresh dropped it from the stack: the next `pulumi up` creates it.
                          await again.create(inputs(declared(op)))
                        : await run(again, op, before);
                const rerunRequests = emulator.requests();
                if (expected.outcome === "gone") assertConverged("create", rerun, "re-run", declared(op));
                else assertConverged(op, rerun, "re-run");
                // A create adopts a split that already landed. An update deploys from its
                // recorded state (here the one from before the fault) with no read before,
                // so it may deploy the live split once more: harmless.
                if (landed && op === "create")
                    assert.equal(successfulWrites(rerunRequests), 0, "a split that already landed is adopted, not deployed again");
                assert.ok(successfulWrites(rerunRequests) <= 1);
                assertNoSecret(logs.join("\n"), "the provider's log");

                matrix.push({
                    fault: row.fault,
                    operation: op,
                    outcome: expected.outcome === "failed" ? `failed: ${expected.code.source.replace(/\\/g, "")}` : expected.outcome,
                    attempts,
                    calls: requests.length,
                    rerunCalls: rerunRequests.length,
                    ms,
                });
            });
        }
    }
});
