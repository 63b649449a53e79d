/**
 * The provider against the local emulator through the real SDK: real request signing,
 * real wire format, real error shapes. create → read → update → read, drift, a routine
 * deleted out of band, both DeploymentId shapes, eventual consistency, and failures.
 */
import { strict as assert } from "assert";
import { createProvider } from "../../../provider";
import { DeploymentInputs } from "../../../provider/deployment/types";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, Emulator, startEmulator } from "../../../emulator";

const A = "1723599747213377175";
const B = "1723599747213377176";
const credentials = { ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_ACCESS_KEY_SECRET };

describe("provider ↔ emulator through the official SDK", function () {
    this.timeout(30_000);
    let emulator: Emulator;
    const logs: string[] = [];

    function provider(env: NodeJS.ProcessEnv = credentials, config: Record<string, string> = {}) {
        const p = createProvider({ env, log: (_severity, message) => logs.push(message) });
        const all: Record<string, string> = { "esa:endpoint": emulator.endpoint, "esa:timeoutSeconds": "10", ...config };
        p.configure({ config: { get: (k: string) => all[k], require: (k: string) => all[k] } } as any);
        return p;
    }
    const inputs = (
        codeVersions: { codeVersion: string; percentage: number }[],
        env: "staging" | "production" = "production",
    ): DeploymentInputs => ({
        name: "hello-edge",
        env,
        strategy: "percentage",
        codeVersions,
    });

    before(async () => {
        emulator = await startEmulator({ routines: { "hello-edge": [A, B] } });
    });
    beforeEach(() => {
        emulator.reset();
        logs.length = 0;
    });
    after(() => emulator.close());

    it("create → read → update → read, one deployment call each, deploymentId always a string", async () => {
        const p = provider();
        const created = await p.create(inputs([{ codeVersion: A, percentage: 100 }]));
        assert.equal(created.id, "hello-edge:production");
        assert.equal(typeof created.outs.deploymentId, "string");
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 1);

        const read = await p.read!(created.id, created.outs);
        assert.deepEqual(read.props.codeVersions, [{ codeVersion: A, percentage: 100 }]);
        assert.equal(read.props.deploymentId, created.outs.deploymentId);

        emulator.setDeploymentIdAs("number");
        const updated = await p.update!(
            created.id,
            created.outs,
            inputs([
                { codeVersion: A, percentage: 90 },
                { codeVersion: B, percentage: 10 },
            ]),
        );
        assert.equal(typeof updated.outs!.deploymentId, "string");
        assert.notEqual(updated.outs!.deploymentId, created.outs.deploymentId);
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 2);

        const reread = await p.read!(created.id, updated.outs);
        assert.deepEqual(reread.props.codeVersions, [
            { codeVersion: A, percentage: 90 },
            { codeVersion: B, percentage: 10 },
        ]);
        // 19-digit ids survive the round trip exactly.
        assert.deepEqual(
            emulator
                .state()
                .routines["hello-edge"].deployments.production!.codeVersions.map((v) => v.codeVersion)
                .sort(),
            [A, B],
        );
    });

    it("reads an out-of-band change as drift, whichever order the API lists the environments in", async () => {
        const p = provider();
        const created = await p.create(inputs([{ codeVersion: A, percentage: 100 }]));
        await p.create(inputs([{ codeVersion: B, percentage: 100 }], "staging"));
        emulator.setDeployment("hello-edge", "production", [
            { codeVersion: B, percentage: 30 },
            { codeVersion: A, percentage: 70 },
        ]);
        for (const order of [
            ["production", "staging"],
            ["staging", "production"],
        ] as const) {
            emulator.setEnvOrder([...order]);
            // A later `pulumi refresh`: a new run, a new provider process.
            const read = await provider().read!(created.id, created.outs);
            assert.deepEqual(
                read.props.codeVersions,
                [
                    { codeVersion: A, percentage: 70 },
                    { codeVersion: B, percentage: 30 },
                ],
                order.join(","),
            );
        }
    });

    it("a routine deleted out of band reads as gone", async () => {
        const p = provider();
        const created = await p.create(inputs([{ codeVersion: A, percentage: 100 }]));
        emulator.deleteRoutine("hello-edge");
        assert.equal((await provider().read!(created.id, created.outs)).id, "", "a later refresh");
    });

    it("waits out the API's read-after-write delay before reporting success", async () => {
        emulator.setReadAfterWriteDelay(700);
        const p = provider();
        const started = Date.now();
        await p.create(inputs([{ codeVersion: A, percentage: 100 }]));
        assert.ok(Date.now() - started >= 600, "returned before the split was visible");
        assert.ok(emulator.countByAction().GetRoutine >= 3, "polled GetRoutine");
    });

    it("a deployment whose response was lost after commit is adopted, not made twice", async () => {
        emulator.injectFault({ action: "CreateRoutineCodeDeployment", kind: "lostResponse" });
        const p = provider();
        const created = await p.create(inputs([{ codeVersion: A, percentage: 100 }]));
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 1);
        assert.equal(created.outs.deploymentId, emulator.state().routines["hello-edge"].deployments.production!.deploymentId);
    });

    it("rides out throttling and 5xx, then deploys once", async () => {
        emulator.injectFault({ action: "CreateRoutineCodeDeployment", kind: "throttling", count: 2 });
        emulator.injectFault({ action: "GetRoutine", kind: "serviceUnavailable", count: 1 });
        const p = provider();
        await p.create(inputs([{ codeVersion: A, percentage: 100 }]));
        const creates = emulator.requests().filter((r) => r.action === "CreateRoutineCodeDeployment");
        assert.deepEqual(
            creates.map((r) => r.status),
            [400, 400, 200],
        );
    });

    it("fails fast on an account in arrears, saying what to do, with the RequestId", async () => {
        emulator.setOverdue(true);
        const p = provider();
        await assert.rejects(p.create(inputs([{ codeVersion: A, percentage: 100 }])), (error: Error) => {
            assert.match(error.message, /RoutineUserServiceStatusHalt/);
            assert.match(error.message, /overdue payments/);
            assert.match(error.message, /RequestId: [0-9A-F-]{36}/);
            return true;
        });
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 1);
    });

    it("fails fast on a version ESA does not know, naming the code", async () => {
        const p = provider();
        await assert.rejects(
            p.create(inputs([{ codeVersion: "1723599747213377999", percentage: 100 }])),
            /(InvalidParameter|ParameterNotExist)/,
        );
        assert.equal(emulator.countByAction().CreateRoutineCodeDeployment, 1);
    });

    it("reports a wrong secret as an authentication problem without echoing any credential", async () => {
        const wrongSecret = "definitely-not-the-secret-7c1f";
        const p = provider({ ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: wrongSecret });
        await assert.rejects(p.create(inputs([{ codeVersion: A, percentage: 100 }])), (error: Error) => {
            assert.match(error.message, /SignatureDoesNotMatch/);
            assert.match(error.message, /Authentication failed/);
            assert.ok(!error.message.includes(wrongSecret));
            assert.ok(!error.message.includes(DEFAULT_ACCESS_KEY_ID), "the full AccessKey id is masked");
            return true;
        });
    });

    it("credentials from stack config beat the environment", async () => {
        const p = provider(
            { ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAI5tSomeoneElse", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "wrong" },
            { "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID, "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET },
        );
        await p.create(inputs([{ codeVersion: A, percentage: 100 }]));
        assert.ok(emulator.requests().every((r) => r.accessKeyId === DEFAULT_ACCESS_KEY_ID));
    });
});
