/**
 * The fault matrix of a release (SPEC §5, §9): every fault the emulator can inject against
 * each ESA call of `Routine` and `RoutineCodeVersion` — both upload flows (staging:
 * GetRoutineStagingCodeUploadInfo → form upload → CommitRoutineStagingCode →
 * GetRoutineCodeVersionInfo; assets: ListRoutineCodeVersions (an interrupted release's
 * leftover) → CreateRoutineWithAssetsCodeVersion → zip upload → GetRoutineCodeVersionInfo),
 * read and delete of a version, create, read and delete of a routine — through the
 * providers in-process, the official SDK and a real multipart upload.
 *
 * For every cell it checks what a user gets — retried and succeeded, or a failure whose
 * message names the call, carries the RequestId of the answer that failed it (or says no
 * answer came), and came within the operation's deadline — and what is left in ESA:
 * exactly one version per release, the one the outputs name, available, and no `init`
 * version anywhere. After a failure the fault clears and the operation runs again in a
 * new provider (the next `pulumi up`), which must converge the same way. The matrix is
 * printed as a table when the file is done.
 *
 * Cells where a write lands after the client gave up (the "past the deadline" row) are
 * where a release could leave a version the stack does not know about; the table counts
 * them (`left over`, which must be 0), and release-regressions.test.ts keeps the two
 * cases that did.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createCodeVersionProvider, createRoutineProvider } from "../../../provider";
import { checkCodeVersion } from "../../../provider/code-version/check";
import { tagDescription } from "../../../provider/code-version/marker";
import { assetsZip, scriptBytes, storeSource } from "../../../provider/code-version/source";
import type { CodeVersionInputs } from "../../../provider/code-version/types";
import type { Clock } from "../../../provider/esa/clock";
import { Emulator, RecordedRequest, startEmulator, UPLOAD_ACTION } from "../../../emulator";

const ROUTINE = "release-matrix";
const NEW_ROUTINE = "release-matrix-new";
const SEEDED = "1723599747213377175";
const OWNER = "5eed0a11";
const KEY_ID = "LTAI5tReleaseMatrix01";
const SECRET = `release-matrix-secret-${process.pid}-${Date.now().toString(36)}`;
const SCRIPT = `export default { fetch() { return new Response("release matrix ${Date.now()}") } }`;

/** Enough for a few retries and a build; the "outlasts"/"past the deadline" rows use less. */
const TIMEOUT_SECONDS = 5;
const SHORT_TIMEOUT_SECONDS = 1;
/** The deadline of the "outlasts the deadline" row: enough for the calls before the one that fails. */
const PERSISTENT_TIMEOUT_SECONDS = 0.6;
/** One request is given at least 1 s (provider/esa/call.ts), so "late" means later than that. */
const LATE_MS = 1_300;
const BUILD_DELAY_MS = 30;

/**
 * The real clock, but not the same object as `systemClock`: a provider then paces with no
 * process-wide rate limiter, so the throttling injected here cannot slow other cells (or
 * other files in the same mocha process); throttled retries back off like the rest. The
 * jitter is fixed at a fifth of each backoff's cap (50, 100, 200 ms…), which keeps the
 * matrix quick and its attempt counts steady; the backoff law itself is unchanged.
 */
const clock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: () => 0.2 };

type Operation =
    | "release (staging flow)"
    | "release (assets flow)"
    | "read version"
    | "delete version"
    | "create routine"
    | "read routine"
    | "delete routine";

interface Cell {
    operation: Operation;
    /** The action the fault hits (`PostObject`: the form upload). */
    action: string;
    /** Whether a request of `action` changes something in ESA (a late one lands after the client gave up). */
    write: boolean;
}

const CELLS: Cell[] = [
    { operation: "release (staging flow)", action: "GetRoutineStagingCodeUploadInfo", write: false },
    { operation: "release (staging flow)", action: UPLOAD_ACTION, write: true },
    { operation: "release (staging flow)", action: "CommitRoutineStagingCode", write: true },
    { operation: "release (staging flow)", action: "GetRoutineCodeVersionInfo", write: false },
    // First, the look for an `init` version an interrupted release of the resource left behind.
    { operation: "release (assets flow)", action: "ListRoutineCodeVersions", write: false },
    { operation: "release (assets flow)", action: "CreateRoutineWithAssetsCodeVersion", write: true },
    { operation: "release (assets flow)", action: UPLOAD_ACTION, write: true },
    { operation: "release (assets flow)", action: "GetRoutineCodeVersionInfo", write: false },
    { operation: "read version", action: "GetRoutineCodeVersionInfo", write: false },
    { operation: "delete version", action: "GetRoutine", write: false },
    { operation: "delete version", action: "DeleteRoutineCodeVersion", write: true },
    { operation: "create routine", action: "GetRoutine", write: false },
    { operation: "create routine", action: "GetErService", write: false },
    { operation: "create routine", action: "CreateRoutine", write: true },
    { operation: "read routine", action: "GetRoutine", write: false },
    { operation: "delete routine", action: "DeleteRoutine", write: true },
];

type Expectation =
    { outcome: "succeeded"; attempts: number } | { outcome: "failed"; attempts: number | "several"; code: RegExp; requestId: boolean };

/** The faults that answer with an API (or OSS) error. */
type ErrorFault = "throttling" | "serviceUnavailable" | "internalError" | "internalException" | "internalOperationError";

interface FaultRow {
    fault: string;
    timeoutSeconds?: number;
    inject(emulator: Emulator, cell: Cell): void;
    /** The request that answers after the client gave up, to wait for before the re-run. */
    late?: boolean;
    /** Which cells the row applies to (default: all). */
    applies?(cell: Cell): boolean;
    expect(cell: Cell): Expectation;
}

function transient(kind: ErrorFault, count: number): FaultRow {
    return {
        fault: `${kind} ×${count}`,
        inject: (emulator, cell) => emulator.injectFault({ action: cell.action, kind, count }),
        expect: () => ({ outcome: "succeeded", attempts: count + 1 }),
    };
}

const FAULTS: FaultRow[] = [
    transient("throttling", 2),
    transient("serviceUnavailable", 2),
    transient("internalError", 1),
    transient("internalException", 2),
    transient("internalOperationError", 1),
    {
        fault: "throttling (outlasts the deadline)",
        timeoutSeconds: PERSISTENT_TIMEOUT_SECONDS,
        inject: (emulator, cell) => emulator.injectFault({ action: cell.action, kind: "throttling", count: 10_000 }),
        // OSS answers a throttled form upload 503 ServiceUnavailable.
        expect: (cell) => ({
            outcome: "failed",
            attempts: "several",
            code: cell.action === UPLOAD_ACTION ? /ServiceUnavailable/ : /Throttling\.User/,
            requestId: true,
        }),
    },
    {
        fault: "latency 200 ms (within the deadline)",
        inject: (emulator, cell) => emulator.injectFault({ action: cell.action, kind: "latency", latencyMs: 200 }),
        expect: () => ({ outcome: "succeeded", attempts: 1 }),
    },
    {
        // The request outlives the deadline; ESA still carries it out afterwards. Run on the
        // writes, where what lands late matters; a read that times out is the ambiguous
        // failure the rows above cover (a status poll that fails after the commit: the
        // "outlasts the deadline" row).
        fault: `latency ${LATE_MS / 1000} s (past the 1 s deadline)`,
        timeoutSeconds: SHORT_TIMEOUT_SECONDS,
        late: true,
        applies: (cell) => cell.write,
        inject: (emulator, cell) => emulator.injectFault({ action: cell.action, kind: "latency", latencyMs: LATE_MS }),
        expect: () => ({ outcome: "failed", attempts: 1, code: /RequestTimeout/, requestId: false }),
    },
    {
        fault: "connectionReset ×1",
        inject: (emulator, cell) => emulator.injectFault({ action: cell.action, kind: "connectionReset" }),
        expect: () => ({ outcome: "succeeded", attempts: 2 }),
    },
    {
        // Done, answer lost. A lost commit is looked for and adopted, never sent twice; the
        // rest is sent again (an upload overwrites, a lost create is deleted first).
        fault: "lostResponse ×1",
        inject: (emulator, cell) => emulator.injectFault({ action: cell.action, kind: "lostResponse" }),
        expect: (cell) => ({ outcome: "succeeded", attempts: cell.action === "CommitRoutineStagingCode" ? 1 : 2 }),
    },
];

interface MatrixLine {
    fault: string;
    cell: string;
    outcome: string;
    attempts: number;
    calls: number;
    rerun: string;
    leftOver: number;
    ms: number;
}

describe("release fault matrix: every fault × every call of Routine and RoutineCodeVersion (in-process, official SDK, emulator)", function () {
    this.timeout(20_000);
    let emulator: Emulator;
    const logs: string[] = [];
    const matrix: MatrixLine[] = [];
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "release-faults-"));

    function providers(timeoutSeconds = TIMEOUT_SECONDS) {
        const config: Record<string, string> = { "esa:endpoint": emulator.endpoint, "esa:timeoutSeconds": String(timeoutSeconds) };
        const options = {
            env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET },
            log: (severity: string, message: string) => logs.push(`${severity}: ${message}`),
            clock,
        };
        const versions = createCodeVersionProvider(options);
        const routines = createRoutineProvider(options);
        const request = { config: { get: (k: string) => config[k] } } as any;
        void versions.configure(request);
        void routines.configure(request);
        return { versions, routines };
    }

    const release = (kind: "script" | "assets"): CodeVersionInputs => {
        const prepared =
            kind === "assets"
                ? storeSource("assets", assetsZip(SCRIPT, new Map([["index.html", Buffer.from("<h1>matrix</h1>")]])), cacheDir)
                : storeSource("script", scriptBytes(SCRIPT), cacheDir);
        const { inputs, failures } = checkCodeVersion({
            routine: ROUTINE,
            sourceKind: prepared.kind,
            sourceHash: prepared.hash,
            sourceFile: prepared.file,
            owner: OWNER,
            description: `matrix ${kind}`,
        });
        assert.deepEqual(failures, []);
        return inputs;
    };
    const RELEASES = { script: undefined as unknown as CodeVersionInputs, assets: undefined as unknown as CodeVersionInputs };

    const versionsOf = (routine = ROUTINE) => emulator.state().routines[routine]?.versions ?? [];
    /** The versions this release made: they carry its tag (owner and content hash). */
    const madeBy = (inputs: CodeVersionInputs) => {
        const tag = tagDescription(inputs.description, { owner: inputs.owner, hash: inputs.contentHash });
        return versionsOf().filter((v) => v.description === tag);
    };

    /** What an operation needs before it runs, and runs it as the engine would. */
    interface Arranged {
        run(p: ReturnType<typeof providers>): Promise<any>;
        /** After a successful run: ESA holds what the outputs say, nothing more. */
        converged(result: any, context: string): void;
    }

    function arrange(operation: Operation): Arranged {
        emulator.reset();
        switch (operation) {
            case "release (staging flow)":
            case "release (assets flow)": {
                const inputs = operation === "release (assets flow)" ? RELEASES.assets : RELEASES.script;
                return {
                    run: (p) => p.versions.create(inputs),
                    converged: (result, context) => {
                        const made = madeBy(inputs);
                        const named = made.find((v) => v.codeVersion === result.outs.codeVersion);
                        assert.ok(named, `${context}: the version the outputs name exists`);
                        assert.equal(named.status, "available", `${context}: the version is available`);
                        assert.ok(named.hasCode, `${context}: the version holds the code`);
                        assert.equal(result.outs.status, "available");
                        assert.equal(result.id, `${ROUTINE}:${result.outs.codeVersion}`);
                        assert.ok(!JSON.stringify(result).includes(SCRIPT), `${context}: the source is in the outputs`);
                        const others = versionsOf().filter((v) => v.codeVersion !== named.codeVersion && v.codeVersion !== SEEDED);
                        assert.deepEqual(others, [], `${context}: exactly one version, the one the outputs name`);
                        assert.deepEqual(
                            versionsOf().filter((v) => v.status !== "available"),
                            [],
                            `${context}: no version left init or failed`,
                        );
                    },
                };
            }
            case "read version": {
                const id = emulator.createVersion(ROUTINE, { code: SCRIPT, description: "read me" });
                return {
                    run: (p) => p.versions.read(`${ROUTINE}:${id}`, { routine: ROUTINE, codeVersion: id }),
                    converged: (result, context) => {
                        assert.equal(result.id, `${ROUTINE}:${id}`, `${context}: read id`);
                        assert.equal(result.props.codeVersion, id);
                        assert.equal(result.props.status, "available");
                    },
                };
            }
            case "delete version": {
                const id = emulator.createVersion(ROUTINE, { code: SCRIPT, description: "delete me" });
                return {
                    run: (p) => p.versions.delete(`${ROUTINE}:${id}`, { routine: ROUTINE, codeVersion: id, owner: OWNER }),
                    converged: (_result, context) => {
                        assert.ok(!versionsOf().some((v) => v.codeVersion === id), `${context}: the version is gone`);
                        assert.ok(
                            versionsOf().some((v) => v.codeVersion === SEEDED),
                            `${context}: nothing else was deleted`,
                        );
                    },
                };
            }
            case "create routine":
                return {
                    run: (p) => p.routines.create({ name: NEW_ROUTINE, description: "made by the matrix" }),
                    converged: (result, context) => {
                        assert.ok(emulator.state().routines[NEW_ROUTINE], `${context}: the routine exists`);
                        assert.equal(result.id, NEW_ROUTINE);
                        assert.equal(result.outs.createdByStack, true, `${context}: the stack knows it created the routine`);
                    },
                };
            case "read routine":
                return {
                    run: (p) => p.routines.read(ROUTINE, { name: ROUTINE, createdByStack: true }),
                    converged: (result, context) => {
                        assert.equal(result.id, ROUTINE, `${context}: read id`);
                        assert.equal(result.props.createdByStack, true);
                    },
                };
            case "delete routine":
                emulator.addRoutine(NEW_ROUTINE, []);
                return {
                    run: (p) => p.routines.delete(NEW_ROUTINE, { name: NEW_ROUTINE, createdByStack: true }),
                    converged: (_result, context) => {
                        assert.equal(emulator.state().routines[NEW_ROUTINE], undefined, `${context}: the routine is gone`);
                        assert.ok(emulator.state().routines[ROUTINE], `${context}: the other routine is still there`);
                    },
                };
        }
    }

    function assertNoSecret(text: string, context: string): void {
        for (const secret of [SECRET, KEY_ID]) {
            assert.ok(!text.includes(secret), `${context} shows a credential (${secret.slice(0, 6)}…): ${text}`);
        }
    }

    /**
     * Requests of `action` the fault shaped, plus the one after them when the last shaped one
     * failed (the retry that got through). Calls the operation makes again later (a second
     * GetRoutine, the status polls of a build) are not attempts.
     */
    function attemptsOf(requests: RecordedRequest[], action: string): number {
        const ofAction = requests.filter((r) => r.action === action);
        const shaped = ofAction.filter((r) => r.fault !== undefined);
        const last = shaped[shaped.length - 1];
        if (!last) return ofAction.length > 0 ? 1 : 0;
        // Every fault but a latency within the deadline fails the request it shapes.
        const lastFailed = last.fault !== "latency";
        return shaped.length + (lastFailed && ofAction.indexOf(last) < ofAction.length - 1 ? 1 : 0);
    }

    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const labelOf = (cell: Cell) =>
        cell.action === UPLOAD_ACTION
            ? `OSS PostObject (${cell.operation === "release (assets flow)" ? "assets" : "code"} upload)`
            : cell.action;

    before(async () => {
        emulator = await startEmulator({
            routines: { [ROUTINE]: [SEEDED] },
            accessKeys: { [KEY_ID]: SECRET },
            buildDelayMs: BUILD_DELAY_MS,
            edge: false,
        });
        RELEASES.script = release("script");
        RELEASES.assets = release("assets");
        // Load the SDK once, so that its first require does not eat into a 1 s deadline.
        await providers().routines.read(ROUTINE, {});
    });
    after(async () => {
        await emulator?.close();
        fs.rmSync(cacheDir, { recursive: true, force: true });
        const header = ["fault", "operation × call", "outcome", "attempts", "calls", "re-run", "left over", "ms"];
        const rows = matrix.map((m) => [m.fault, m.cell, m.outcome, m.attempts, m.calls, m.rerun, m.leftOver, m.ms].map(String));
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
        console.log(
            "\n  Release fault matrix (attempts = requests of the call the fault hits; calls = all requests of the operation;" +
                "\n  left over = versions in ESA the stack does not know of after the re-run)\n",
        );
        console.log(
            [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].map((l) => `  ${l}`).join("\n"),
        );
        const cases = FAULTS.reduce((n, f) => n + CELLS.filter((c) => f.applies?.(c) ?? true).length, 0);
        console.log(`\n  ${matrix.length} release fault cases passed (of ${cases}).\n`);
    });

    for (const row of FAULTS) {
        for (const cell of CELLS.filter((c) => row.applies?.(c) ?? true)) {
            const expected = row.expect(cell);
            const name = `${cell.operation} × ${cell.action}`;
            it(`${row.fault} × ${name} → ${expected.outcome}${expected.outcome === "failed" ? ", then a re-run converges" : ""}`, async () => {
                const arranged = arrange(cell.operation);
                const known = new Set(versionsOf().map((v) => v.codeVersion));
                emulator.clearRequests();
                logs.length = 0;
                row.inject(emulator, cell);
                const p = providers(row.timeoutSeconds);

                const started = Date.now();
                let result: any;
                let error: any;
                try {
                    result = await arranged.run(p);
                } catch (e) {
                    error = e;
                }
                const ms = Date.now() - started;
                if (row.late) {
                    // The emulator answers (and logs) the delayed request only after the client
                    // gave up; a write is carried out then, as ESA would.
                    const until = Date.now() + 5_000;
                    while (!emulator.requests().some((r) => r.action === cell.action && r.fault === "latency")) {
                        assert.ok(Date.now() < until, "the delayed request was never answered");
                        await new Promise((resolve) => setTimeout(resolve, 25));
                    }
                }
                const requests: RecordedRequest[] = emulator.requests();
                const attempts = attemptsOf(requests, cell.action);

                // --- what the user gets ---------------------------------------------------
                let rerun = "-";
                let again: any;
                if (expected.outcome === "succeeded") {
                    assert.equal(error, undefined, `expected success, got: ${error?.message}`);
                    assert.equal(attempts, expected.attempts, `${cell.action} attempts`);
                    arranged.converged(result, "first run");
                } else {
                    assert.ok(error, `expected a failure, got ${JSON.stringify(result)}`);
                    const message: string = error.message;
                    if (expected.attempts === "several") assert.ok(attempts >= 2, `retried (${attempts} attempts)`);
                    else assert.equal(attempts, expected.attempts, `${cell.action} attempts`);
                    const routine = cell.operation.endsWith("routine") && cell.operation !== "read routine" ? NEW_ROUTINE : ROUTINE;
                    assert.match(message, new RegExp(`^ESA ${escape(labelOf(cell))} for routine "${routine}" failed: `));
                    assert.match(message, expected.code);
                    if (expected.requestId) {
                        const id = /\(RequestId: ([0-9A-Za-z-]+)\)$/.exec(message)?.[1];
                        assert.ok(id, `no RequestId in: ${message}`);
                        const answered = requests.find((r) => r.requestId === id);
                        assert.ok(answered, "the RequestId is one ESA sent");
                        assert.equal(answered.action, cell.action, "the RequestId is that of the failing call");
                        assert.ok(answered.status >= 400, "the RequestId is that of a refused request");
                        assert.match(message, /Gave up after \d+ attempts in \d+ s \(the operation's deadline\)/);
                    } else {
                        assert.match(message, /\(no RequestId: the request got no answer from ESA\)$/);
                    }
                    // Retries stop at the deadline: at most one more request's own timeout (1 s) after it.
                    const deadlineMs = (row.timeoutSeconds ?? TIMEOUT_SECONDS) * 1000;
                    assert.ok(ms < deadlineMs + 1_500, `gave up after ${ms} ms, deadline ${deadlineMs} ms`);
                    assertNoSecret(message, "the error message");
                    assertNoSecret(String(error.stack), "the error's stack");
                    // No init version is left, but one that ESA created after the client gave up
                    // (nothing can delete it before it exists): the next run must remove it.
                    const inits = versionsOf().filter((v) => v.status.toLowerCase() === "init" && !known.has(v.codeVersion));
                    if (!(row.late && cell.write)) assert.deepEqual(inits, [], "a failed release leaves no init version");
                    assert.ok(inits.length <= 1, `init versions left: ${JSON.stringify(inits)}`);

                    // --- the fault clears; the next `pulumi up` runs it again ---------------
                    emulator.clearFaults();
                    emulator.clearRequests();
                    try {
                        again = await arranged.run(providers());
                    } catch (e: any) {
                        // A routine whose CreateRoutine landed after the client gave up is, to the
                        // next run, a routine the stack did not create: refused, never taken over.
                        assert.ok(cell.action === "CreateRoutine" && row.late, `the re-run failed: ${e?.message}`);
                        assert.match(e.message, /already exists.*adoptExisting: true/s);
                        rerun = "refused: adoptExisting";
                    }
                    if (again !== undefined || cell.operation.startsWith("delete")) {
                        arranged.converged(again, "re-run");
                        rerun = `converged (${emulator.requests().length} calls)`;
                    }
                }
                assertNoSecret(logs.join("\n"), "the provider's log");

                // Versions in ESA that neither existed before nor are named by the outputs (first run or re-run).
                const named = new Set([...known, ...[result, again].filter((r) => r?.outs?.codeVersion).map((r) => r.outs.codeVersion)]);
                const leftOver = cell.operation.startsWith("release") ? versionsOf().filter((v) => !named.has(v.codeVersion)).length : 0;
                assert.equal(leftOver, 0, "versions the stack does not know of");
                matrix.push({
                    fault: row.fault,
                    cell: name,
                    outcome: expected.outcome === "failed" ? `failed: ${expected.code.source.replace(/\\/g, "")}` : expected.outcome,
                    attempts,
                    calls: requests.length,
                    rerun,
                    leftOver,
                    ms,
                });
            });
        }
    }
});
