/**
 * Injected faults, the rate limit and the request log, observed through the official
 * SDK the way a client with retries would see them.
 */
import assert from "node:assert/strict";
import type Client from "@alicloud/esa20240910";
import { startEmulator, type Emulator, type FaultKind } from "../../emulator";
import { $esa, ROUTINE, V1, V2, deployRequest, expectApiError, expectNetworkError, sdkClient, sleep, stageCode } from "./helpers";

describe("emulator: faults, rate limit and request log", () => {
    let emulator: Emulator;
    let client: Client;
    const getRoutine = () => client.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE }));
    const deploy = (codeVersion = V1) => client.createRoutineCodeDeployment(deployRequest([{ codeVersion, percentage: 100 }]));

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2] } });
        client = sdkClient(emulator.host);
    });
    beforeEach(() => emulator.reset());
    after(() => emulator.close());

    const errorFaults: Array<[FaultKind, string, number, string]> = [
        ["throttling", "Throttling.User", 400, "ThrottlingError"],
        ["serviceUnavailable", "ServiceUnavailable", 503, "ServerError"],
        ["internalError", "InternalError", 500, "ServerError"],
        ["internalException", "InternalException", 400, "ClientError"],
        ["internalOperationError", "InternalOperationError", 400, "ClientError"],
    ];
    for (const [kind, code, status, errorClass] of errorFaults) {
        it(`"${kind}" answers ${status} ${code} (SDK ${errorClass}) once, without performing the action`, async () => {
            emulator.injectFault({ action: "CreateRoutineCodeDeployment", kind });
            const error = await expectApiError(deploy(), code, status);
            assert.equal(error.name, errorClass);
            assert.deepEqual(emulator.state().routines[ROUTINE].deployments, {});
            // Used up: the next call goes through.
            await deploy();
            assert.ok(emulator.state().routines[ROUTINE].deployments.production);
            assert.deepEqual(
                emulator.requests().map((r) => [r.status, r.code, r.fault]),
                [
                    [status, code, kind],
                    [200, undefined, undefined],
                ],
            );
        });
    }

    it('"latency" delays the answer, then answers normally', async () => {
        emulator.injectFault({ action: "GetRoutine", kind: "latency", latencyMs: 300 });
        const started = Date.now();
        const res = await getRoutine();
        const elapsed = Date.now() - started;
        assert.equal(res.statusCode, 200);
        assert.ok(elapsed >= 290, `answered after ${elapsed} ms`);
        const quick = Date.now();
        await getRoutine();
        assert.ok(Date.now() - quick < 250, "only one call is delayed");
    });

    it("a round trip (roundTripMs) delays every API and upload answer until it is set back to 0", async () => {
        emulator.setRoundTrip(200);
        const timed = async (call: () => Promise<unknown>) => {
            const started = Date.now();
            await call();
            return Date.now() - started;
        };
        const read = await timed(getRoutine);
        const upload = await timed(() => stageCode(client, ROUTINE, "export default {}"));
        assert.ok(read >= 190, `GetRoutine answered after ${read} ms`);
        // Two requests: the upload info, then the form upload.
        assert.ok(upload >= 390, `upload info + upload answered after ${upload} ms`);
        assert.throws(() => emulator.setRoundTrip(-1), /roundTripMs/);
        emulator.setRoundTrip(0);
        assert.ok((await timed(getRoutine)) < 150, "answers are prompt again");
    });

    it('"connectionReset" drops the connection before doing anything', async () => {
        emulator.injectFault({ action: "CreateRoutineCodeDeployment", kind: "connectionReset" });
        const error = await expectNetworkError(deploy());
        assert.equal(error.code, "ECONNRESET");
        assert.deepEqual(emulator.state().routines[ROUTINE].deployments, {}, "nothing was deployed");
        const entry = emulator.requests()[0];
        assert.equal(entry.status, 0);
        assert.equal(entry.fault, "connectionReset");
        await deploy();
    });

    it('"lostResponse" commits the deployment and then drops the answer', async () => {
        emulator.injectFault({ action: "CreateRoutineCodeDeployment", kind: "lostResponse" });
        const error = await expectNetworkError(deploy(V2));
        assert.equal(error.code, "ECONNRESET");
        const live = emulator.state().routines[ROUTINE].deployments.production;
        assert.deepEqual(live?.codeVersions, [{ codeVersion: V2, percentage: 100 }], "the change was committed");
        const entry = emulator.requests()[0];
        assert.equal(entry.status, 200);
        assert.equal(entry.fault, "lostResponse");
        // A client that looks before retrying sees it.
        const seen = (await getRoutine()).body?.envs?.find((e) => e.env === "production")?.codeDeploy;
        assert.equal(seen?.deployId, live?.deploymentId);
    });

    it("applies a fault `count` times, in injection order, only to its action; '*' matches any action", async () => {
        emulator.injectFault({ action: "CreateRoutineCodeDeployment", kind: "throttling", count: 2 });
        emulator.injectFault({ action: "*", kind: "serviceUnavailable" });
        await expectApiError(getRoutine(), "ServiceUnavailable", 503); // "*" serves GetRoutine
        await expectApiError(deploy(), "Throttling.User", 400);
        await expectApiError(deploy(), "Throttling.User", 400);
        await deploy();
        await getRoutine();
        assert.deepEqual(
            emulator.requests().map((r) => r.status),
            [503, 400, 400, 200, 200],
        );
    });

    it("clearFaults drops pending faults", async () => {
        emulator.injectFault({ action: "GetRoutine", kind: "internalError", count: 5 });
        emulator.clearFaults();
        assert.equal((await getRoutine()).statusCode, 200);
    });

    it("refuses an invalid fault description", () => {
        assert.throws(() => emulator.injectFault({ action: "GetRoutine", kind: "explode" as FaultKind }), /kind/);
        assert.throws(() => emulator.injectFault({ action: "GetRoutine", kind: "latency" }), /latencyMs/);
        assert.throws(() => emulator.injectFault({ action: "GetRoutine", kind: "throttling", count: 0 }), /count/);
    });

    it("enforces a rate limit with Throttling.User, refills over time, and can be lifted", async () => {
        emulator.setRateLimit(2);
        await getRoutine();
        await getRoutine();
        const error = await expectApiError(getRoutine(), "Throttling.User", 400);
        assert.equal(error.name, "ThrottlingError");
        await sleep(550); // one token back at 2/s
        await getRoutine();
        await expectApiError(getRoutine(), "Throttling.User", 400);

        emulator.setRateLimit(undefined);
        for (let i = 0; i < 5; i++) await getRoutine();
        assert.equal(emulator.requests().filter((r) => r.code === "Throttling.User").length, 2);
    });

    it("records every request with its action, key, parameters, status, code and RequestId", async () => {
        await deploy();
        await expectApiError(client.getRoutine(new $esa.GetRoutineRequest({ name: "missing" })), "RoutineNotExist", 400);
        await getRoutine();
        await getRoutine();

        assert.deepEqual(emulator.countByAction(), { CreateRoutineCodeDeployment: 1, GetRoutine: 3 });
        const [first, second] = emulator.requests();
        assert.equal(first.action, "CreateRoutineCodeDeployment");
        assert.equal(first.accessKeyId, "LTAI5tEsaEmulatorTestKey");
        assert.deepEqual(JSON.parse(first.params.CodeVersions), [{ CodeVersion: V1, Percentage: 100 }]);
        assert.equal(first.params.Env, "production");
        assert.equal(first.status, 200);
        assert.ok(!Number.isNaN(Date.parse(first.at)));
        assert.equal(second.code, "RoutineNotExist");
        assert.equal(second.status, 400);
        assert.notEqual(first.requestId, second.requestId);

        emulator.clearRequests();
        assert.deepEqual(emulator.requests(), []);
        assert.deepEqual(emulator.countByAction(), {});
    });

    it("the error's RequestId is the one in the request log", async () => {
        const error = await expectApiError(client.getRoutine(new $esa.GetRoutineRequest({ name: "missing" })), "RoutineNotExist", 400);
        assert.equal(emulator.requests()[0].requestId, error.requestId);
    });
});
