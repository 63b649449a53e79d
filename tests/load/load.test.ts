/**
 * Load: 200 deployments (100 routines × staging/production) applied with high
 * parallelism through the real Pulumi CLI against the emulator rate-limited to 20
 * requests per second, as an account with many routines would be by ESA's flow control.
 *
 * Run separately (`npm run test:load`, after `npm run build`: the engine's provider
 * process loads `dist/`). Asserts zero failed resources, a live state equal to the
 * declared one, and the API call budget: per created resource at most three calls that
 * ESA carried out (GetRoutine before, CreateRoutineCodeDeployment, GetRoutine to
 * confirm), per updated one exactly two (an update deploys from its recorded state),
 * exactly one deployment each, and no calls for unchanged resources; and that the
 * provider's rate limiter keeps the account from being hammered (few requests refused
 * by the rate limit, 400 Throttling.User, per served one). Wall times and calls per
 * action are printed, not asserted.
 */
import { strict as assert } from "assert";
import { RoutineCodeDeployment } from "../../sdk";
import { Emulator, Env, RecordedRequest, startEmulator } from "../../emulator";
import { emulatorCredentials, TestStack } from "../e2e/harness";

const ROUTINES = 100;
const ENVS: Env[] = ["staging", "production"];
const RATE_LIMIT = 20;
/** Resource operations the engine runs at once (`pulumi up --parallel`). */
const PARALLEL = 200;
const CHANGED = 50;
/**
 * Requests refused by the rate limit, per served one: without the provider's rate limiter
 * a run like this gets several per served call. A new provider process learns the rate
 * anew, in a few rounds of throttled answers, which weigh more on a phase of 100 calls
 * than on the benchmark's 500 (whose goal is 0.1).
 */
const MAX_THROTTLED_PER_SERVED = 0.25;

const V1 = "1723599747213377175";
const V2 = "1723599747213377176";
const routine = (i: number) => `load-${String(i).padStart(3, "0")}`;

type Split = { codeVersion: string; percentage: number }[];

/** The declared split of one deployment; `rollout` routines have moved on to 50/50 in production. */
function declared(i: number, env: Env, rollout: Set<number>): Split {
    if (env === "staging") return [{ codeVersion: V2, percentage: 100 }];
    return rollout.has(i)
        ? [
              { codeVersion: V1, percentage: 50 },
              { codeVersion: V2, percentage: 50 },
          ]
        : [
              { codeVersion: V1, percentage: 90 },
              { codeVersion: V2, percentage: 10 },
          ];
}

interface PhaseReport {
    phase: string;
    wallSeconds: number;
    changes: Record<string, number>;
    /** Requests ESA carried out (not refused by the rate limit), per action. */
    served: Record<string, number>;
    /** 400 Throttling.User answers, per action. */
    throttled: Record<string, number>;
    other: number;
}

function tally(requests: RecordedRequest[]): Pick<PhaseReport, "served" | "throttled" | "other"> {
    const served: Record<string, number> = {};
    const throttled: Record<string, number> = {};
    let other = 0;
    for (const r of requests) {
        if (r.code === "Throttling.User") throttled[r.action] = (throttled[r.action] ?? 0) + 1;
        else if (r.status === 200) served[r.action] = (served[r.action] ?? 0) + 1;
        else other++;
    }
    return { served, throttled, other };
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const asSet = (split: Split | undefined) => (split ?? []).map((e) => `${e.codeVersion}=${e.percentage}`).sort();

describe(`load: ${ROUTINES * ENVS.length} deployments, --parallel ${PARALLEL}, ESA limited to ${RATE_LIMIT} requests/s (real Pulumi CLI)`, function () {
    this.timeout(30 * 60_000);
    let emulator: Emulator;
    let stack: TestStack;
    let rollout = new Set<number>();
    const reports: PhaseReport[] = [];

    const program = async () => {
        for (let i = 0; i < ROUTINES; i++) {
            for (const env of ENVS) {
                new RoutineCodeDeployment(`${routine(i)}-${env}`, { name: routine(i), env, codeVersions: declared(i, env, rollout) });
            }
        }
        return {};
    };

    /** Every deployment serves what the program declares, and the stack records the live deployment ids. */
    async function assertConverged(): Promise<void> {
        const live = emulator.state().routines;
        for (let i = 0; i < ROUTINES; i++) {
            for (const env of ENVS) {
                assert.deepEqual(
                    asSet(live[routine(i)].deployments[env]?.codeVersions),
                    asSet(declared(i, env, rollout)),
                    `${routine(i)} ${env}`,
                );
            }
        }
        const resources = await stack.deployments();
        assert.equal(resources.length, ROUTINES * ENVS.length);
        for (const resource of resources) {
            const { name, env, deploymentId, codeVersions } = resource.outputs;
            assert.equal(resource.id, `${name}:${env}`);
            assert.equal(deploymentId, live[name].deployments[env as Env]!.deploymentId, `${resource.id}: recorded deploymentId`);
            assert.deepEqual(asSet(codeVersions), asSet(live[name].deployments[env as Env]!.codeVersions));
        }
    }

    async function phase(name: string): Promise<PhaseReport> {
        emulator.clearRequests();
        const started = Date.now();
        const { summary } = await stack.up({ parallel: PARALLEL });
        const wallSeconds = (Date.now() - started) / 1000;
        const report: PhaseReport = {
            phase: name,
            wallSeconds,
            changes: (summary.resourceChanges ?? {}) as Record<string, number>,
            ...tally(emulator.requests()),
        };
        reports.push(report);
        assert.equal(summary.result, "succeeded");
        return report;
    }

    before(async () => {
        const routines: Record<string, string[]> = {};
        for (let i = 0; i < ROUTINES; i++) routines[routine(i)] = [V1, V2];
        emulator = await startEmulator({ routines });
        emulator.setRateLimit(RATE_LIMIT);
        stack = await TestStack.create(program, { config: { "esa:endpoint": emulator.endpoint }, env: emulatorCredentials() });
    });

    after(async () => {
        await stack?.dispose();
        await emulator?.close();
        console.log(`\n  Load: ${ROUTINES * ENVS.length} deployments, --parallel ${PARALLEL}, rate limit ${RATE_LIMIT} requests/s`);
        for (const r of reports) {
            const served = Object.entries(r.served)
                .map(([a, n]) => `${a} ${n}`)
                .join(", ");
            const throttled = Object.entries(r.throttled)
                .map(([a, n]) => `${a} ${n}`)
                .join(", ");
            console.log(`  ${r.phase}: ${r.wallSeconds.toFixed(1)} s wall; engine: ${JSON.stringify(r.changes)}`);
            console.log(
                `    calls ESA carried out: ${sum(r.served)} (${served || "none"}); ${(sum(r.served) / r.wallSeconds).toFixed(1)}/s`,
            );
            console.log(`    throttled (400 Throttling.User): ${sum(r.throttled)} (${throttled || "none"}); other errors: ${r.other}`);
        }
        console.log();
    });

    it(`creates all ${ROUTINES * ENVS.length} with no failure, within 3 served calls each, and the live state equals the declared one`, async () => {
        const report = await phase("create 200");
        const resources = ROUTINES * ENVS.length;
        assert.equal(report.changes.create, resources + 1, "every deployment (and the stack) created"); // + the Stack resource
        assert.equal(report.other, 0, "no request failed other than by throttling");
        assert.equal(report.served.CreateRoutineCodeDeployment, resources, "exactly one deployment per resource");
        assert.ok((report.served.GetRoutine ?? 0) <= 2 * resources, `GetRoutine ${report.served.GetRoutine} > 2 per resource`);
        assert.ok(sum(report.served) <= 3 * resources, `${sum(report.served)} served calls > 3 per resource`);
        assert.ok(
            sum(report.throttled) <= MAX_THROTTLED_PER_SERVED * sum(report.served),
            `${sum(report.throttled)} throttled for ${sum(report.served)} served`,
        );
        await assertConverged();
    });

    it(`updates the ${CHANGED} changed splits in place, with 2 served calls each and none for the ${ROUTINES * ENVS.length - CHANGED} unchanged`, async () => {
        rollout = new Set(Array.from({ length: CHANGED }, (_, k) => k * 2)); // every other routine's production
        const report = await phase(`update ${CHANGED} of 200`);
        assert.equal(report.changes.update, CHANGED);
        assert.equal(report.changes.same, ROUTINES * ENVS.length - CHANGED + 1); // + the Stack resource
        assert.equal(report.other, 0, "no request failed other than by throttling");
        assert.equal(report.served.CreateRoutineCodeDeployment, CHANGED, "exactly one deployment per changed resource");
        assert.equal(sum(report.served), 2 * CHANGED, "a deployment and its read-after-write per changed resource");
        assert.ok(
            sum(report.throttled) <= MAX_THROTTLED_PER_SERVED * sum(report.served),
            `${sum(report.throttled)} throttled for ${sum(report.served)} served`,
        );
        const touched = new Set(emulator.requests().map((r) => r.params.Name));
        for (let i = 0; i < ROUTINES; i++)
            if (!rollout.has(i)) assert.ok(!touched.has(routine(i)), `${routine(i)} is unchanged but was called`);
        await assertConverged();
    });
});
