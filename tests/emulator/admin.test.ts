/**
 * Out-of-band controls: the programmatic ones and the /__emulator/ HTTP path that tests
 * in another process (or a person with curl) use, observed through the official SDK.
 */
import assert from "node:assert/strict";
import type Client from "@alicloud/esa20240910";
import { startEmulator, type Emulator, type EmulatorState, type RecordedRequest } from "../../emulator";
import { $esa, ROUTINE, V1, V2, V3, deployRequest, expectApiError, sdkClient } from "./helpers";

describe("emulator: out-of-band controls and the admin path", () => {
    let emulator: Emulator;
    let client: Client;
    const productionDeploy = async () =>
        (await client.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE }))).body?.envs?.find((e) => e.env === "production")
            ?.codeDeploy;

    async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
        const res = await fetch(`${emulator.endpoint}/__emulator/${path}`, {
            method,
            headers: body === undefined ? {} : { "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, json: await res.json() };
    }

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2] } });
        client = sdkClient(emulator.host);
    });
    beforeEach(() => emulator.reset());
    after(() => emulator.close());

    describe("programmatic", () => {
        it("setDeployment changes the split as the console would: new id, visible at once, missing versions created", async () => {
            const mine = await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }]));
            emulator.setReadAfterWriteDelay(10_000); // applies to API deployments only
            const id = emulator.setDeployment(ROUTINE, "production", [
                { codeVersion: V1, percentage: 80 },
                { codeVersion: V3, percentage: 20 },
            ]);
            assert.ok(Number(id) > Number(mine.body?.deploymentId));
            const live = await productionDeploy();
            assert.equal(live?.deployId, id);
            assert.deepEqual(
                live?.codeVersions?.map((c) => [c.codeVersion, c.percentage]),
                [
                    [V1, 80],
                    [V3, 20],
                ],
            );
            assert.ok(emulator.state().routines[ROUTINE].versions.some((v) => v.codeVersion === V3));
            assert.equal(emulator.countByAction().GetRoutine, 1, "controls are not recorded as requests");
        });

        it("setDeployment applies the split rules and needs an existing routine", () => {
            assert.throws(() => emulator.setDeployment(ROUTINE, "production", [{ codeVersion: V1, percentage: 90 }]), /100/);
            assert.throws(() => emulator.setDeployment("missing", "production", [{ codeVersion: V1, percentage: 100 }]), /missing/);
            assert.throws(() => emulator.setDeployment(ROUTINE, "production", [{ codeVersion: "17", percentage: 100 }]), /19-digit/);
        });

        it("deleteRoutine removes a routine under the client's feet", async () => {
            emulator.deleteRoutine(ROUTINE);
            await expectApiError(client.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE })), "RoutineNotExist", 400);
        });

        it("addRoutine adds a routine with versions; reset removes it again but never reuses a deployment id", async () => {
            emulator.addRoutine("side-car", [V3]);
            const before = await client.createRoutineCodeDeployment(
                deployRequest([{ codeVersion: V3, percentage: 100 }], { name: "side-car", env: "staging" }),
            );
            emulator.reset();
            assert.deepEqual(Object.keys(emulator.state().routines), [ROUTINE]);
            const after = await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }]));
            assert.ok(Number(after.body?.deploymentId) > Number(before.body?.deploymentId));
        });
    });

    describe("HTTP (/__emulator/)", () => {
        it("injects and clears faults", async () => {
            const added = await admin("POST", "faults", [
                { action: "GetRoutine", kind: "throttling", count: 2 },
                { action: "*", kind: "internalError" },
            ]);
            assert.equal(added.status, 200);
            assert.equal(added.json.faults.length, 2);
            await expectApiError(client.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE })), "Throttling.User", 400);
            assert.equal((await admin("DELETE", "faults")).status, 200);
            assert.equal((await admin("GET", "faults")).json.faults.length, 0);
            await productionDeploy();
        });

        it("refuses a bad fault with 400 and a reason", async () => {
            const res = await admin("POST", "faults", { action: "GetRoutine", kind: "meteor" });
            assert.equal(res.status, 400);
            assert.match(res.json.error, /kind/);
        });

        it("sets and lifts the rate limit", async () => {
            await admin("POST", "rate-limit", { requestsPerSecond: 1 });
            await productionDeploy();
            await expectApiError(client.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE })), "Throttling.User", 400);
            await admin("POST", "rate-limit", { requestsPerSecond: null });
            await productionDeploy();
        });

        it("makes an out-of-band deployment", async () => {
            const res = await admin("POST", "deployments", {
                name: ROUTINE,
                env: "production",
                codeVersions: [
                    { codeVersion: V2, percentage: 60 },
                    { codeVersion: V1, percentage: 40 },
                ],
            });
            assert.equal(res.status, 200);
            const live = await productionDeploy();
            assert.equal(live?.deployId, res.json.deploymentId);
            assert.deepEqual(
                live?.codeVersions?.map((c) => c.percentage),
                [60, 40],
            );
            const bad = await admin("POST", "deployments", { name: ROUTINE, env: "prod", codeVersions: [] });
            assert.equal(bad.status, 400);
        });

        it("deletes a routine", async () => {
            assert.equal((await admin("DELETE", `routines/${ROUTINE}`)).status, 200);
            await expectApiError(client.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE })), "RoutineNotExist", 400);
            assert.equal((await admin("DELETE", `routines/${ROUTINE}`)).status, 400);
        });

        it("adds a routine", async () => {
            await admin("POST", "routines", { name: "from-admin", versions: [V3] });
            const res = await client.listRoutineCodeVersions(new $esa.ListRoutineCodeVersionsRequest({ name: "from-admin" }));
            assert.deepEqual(
                res.body?.codeVersions?.map((v) => v.codeVersion),
                [V3],
            );
        });

        it("puts the account in arrears and back", async () => {
            await admin("POST", "overdue", { overdue: true });
            await expectApiError(
                client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }])),
                "RoutineUserServiceStatusHalt",
                400,
            );
            await admin("POST", "overdue", { overdue: false });
            await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }]));
        });

        it("changes settings: envOrder, deploymentIdAs, readAfterWriteDelayMs", async () => {
            const res = await admin("POST", "settings", { envOrder: ["staging", "production"], deploymentIdAs: "number" });
            assert.deepEqual(res.json.envOrder, ["staging", "production"]);
            assert.equal(res.json.deploymentIdAs, "number");
            const got = await client.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE }));
            assert.deepEqual(
                got.body?.envs?.map((e) => e.env),
                ["staging", "production"],
            );
            assert.equal((await admin("POST", "settings", { envOrder: ["prod"] })).status, 400);
        });

        it("reports requests (without admin calls) and state, and resets", async () => {
            await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }]));
            await productionDeploy();
            await admin("GET", "state");

            const log = await admin("GET", "requests");
            assert.deepEqual(log.json.countByAction, { CreateRoutineCodeDeployment: 1, GetRoutine: 1 });
            assert.deepEqual(
                (log.json.requests as RecordedRequest[]).map((r) => r.action),
                ["CreateRoutineCodeDeployment", "GetRoutine"],
            );
            const state = (await admin("GET", "state")).json as EmulatorState;
            assert.deepEqual(state.routines[ROUTINE].deployments.production?.codeVersions, [{ codeVersion: V1, percentage: 100 }]);

            assert.equal((await admin("POST", "reset")).status, 200);
            assert.deepEqual(((await admin("GET", "state")).json as EmulatorState).routines[ROUTINE].deployments, {});
            assert.deepEqual((await admin("GET", "requests")).json.requests, []);
        });

        it("answers 404 for an unknown admin route", async () => {
            assert.equal((await admin("GET", "nothing-here")).status, 404);
            assert.equal((await admin("DELETE", "state")).status, 404);
        });
    });

    describe("code versions (release flows)", () => {
        const info = async (codeVersion: string) =>
            (await client.listRoutineCodeVersions(new $esa.ListRoutineCodeVersionsRequest({ name: ROUTINE }))).body?.codeVersions?.find(
                (v) => v.codeVersion === codeVersion,
            );

        it("createVersion makes a version with code and status out of band; setVersionStatus and deleteVersion change it", async () => {
            const id = emulator.createVersion(ROUTINE, { code: "export default 1;", description: "console", status: "init" });
            assert.equal((await info(id))?.status, "init");
            const code = await client.getRoutineCodeVersion(new $esa.GetRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: id }));
            assert.equal(Buffer.from(String(code.body?.routineCode), "base64").toString("utf8"), "export default 1;");
            emulator.setVersionStatus(ROUTINE, id, "available");
            assert.equal((await info(id))?.status, "available");
            emulator.deleteVersion(ROUTINE, id);
            assert.equal(await info(id), undefined);
            assert.throws(() => emulator.deleteVersion(ROUTINE, id), /no code version/);
            assert.throws(() => emulator.createVersion("missing"), /does not exist/);
            assert.throws(() => emulator.failNextBuild(ROUTINE, "available"), /other than/);
        });

        it("does the same through the admin path, with settings for quota, build delay, policy lifetime and the service", async () => {
            const created = await admin("POST", "versions", { name: ROUTINE, code: "x", status: "init" });
            assert.equal(created.status, 200);
            const id = created.json.codeVersion as string;
            assert.match(id, /^\d{19}$/);
            assert.equal((await admin("POST", "version-status", { name: ROUTINE, codeVersion: id, status: "failed" })).status, 200);
            assert.equal((await info(id))?.status, "failed");
            assert.equal(emulator.state().routines[ROUTINE].versions[0].hasCode, true);
            assert.equal((await admin("DELETE", `versions/${ROUTINE}/${id}`)).status, 200);
            assert.equal(await info(id), undefined);
            assert.equal((await admin("DELETE", `versions/${ROUTINE}/${id}`)).status, 400);
            assert.equal((await admin("POST", "fail-next-build", { name: ROUTINE, status: "build_error" })).status, 200);

            const settings = await admin("POST", "settings", {
                versionQuota: 2,
                buildDelayMs: 5,
                uploadPolicyTtlSeconds: 60,
                erServiceStatus: "Stopped",
            });
            assert.equal(settings.status, 200);
            assert.equal(settings.json.versionQuota, 2);
            await expectApiError(
                client.createRoutineWithAssetsCodeVersion(new $esa.CreateRoutineWithAssetsCodeVersionRequest({ name: ROUTINE })),
                "CodeVersionNumberExceedQuotaLimit",
                400,
            );
            assert.equal((await client.getErService(new $esa.GetErServiceRequest({}))).body?.status, "Stopped");
            assert.equal((await admin("POST", "settings", { erServiceStatus: "Sleeping" })).status, 400);
            assert.equal((await admin("POST", "settings", { versionQuota: 0 })).status, 400);
        });
    });
});
