/**
 * The routine and code-version actions besides deployment, driven through the official
 * SDK: CreateRoutine, DeleteRoutine, ListUserRoutines, ListRoutineCodeVersions,
 * CommitRoutineStagingCode, DeleteRoutineCodeVersion; plus routing errors.
 */
import assert from "node:assert/strict";
import type Client from "@alicloud/esa20240910";
import { startEmulator, type Emulator } from "../../emulator";
import { $esa, ROUTINE, UUID_UPPER, V1, V2, commitCode, deployRequest, expectApiError, sdkClient, sendRaw, signedRequest } from "./helpers";

describe("emulator: routine and code-version actions", () => {
    let emulator: Emulator;
    let client: Client;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2] } });
        client = sdkClient(emulator.host);
    });
    beforeEach(() => emulator.reset());
    after(() => emulator.close());

    describe("CreateRoutine / DeleteRoutine", () => {
        it("creates a routine that GetRoutine then finds, and deletes it", async () => {
            const created = await client.createRoutine(new $esa.CreateRoutineRequest({ name: "api-edge-2", description: "ZGVzYw==" }));
            assert.equal(created.body?.status, "OK");
            assert.match(String(created.body?.requestId), UUID_UPPER);
            const got = await client.getRoutine(new $esa.GetRoutineRequest({ name: "api-edge-2" }));
            assert.equal(got.body?.description, "ZGVzYw==");

            const deleted = await client.deleteRoutine(new $esa.DeleteRoutineRequest({ name: "api-edge-2" }));
            assert.equal(deleted.body?.status, "OK");
            await expectApiError(client.getRoutine(new $esa.GetRoutineRequest({ name: "api-edge-2" })), "RoutineNotExist", 400);
        });

        it("refuses a duplicate name", async () => {
            await expectApiError(client.createRoutine(new $esa.CreateRoutineRequest({ name: ROUTINE })), "RoutineAlreadyExist", 400);
        });

        for (const name of ["A-upper", "x", "-leading", "trailing-", "under_score", "a".repeat(65)]) {
            it(`refuses the invalid name "${name.length > 10 ? `${name.slice(0, 5)}…(${name.length})` : name}"`, async () => {
                await expectApiError(client.createRoutine(new $esa.CreateRoutineRequest({ name })), "InvalidParameter", 400);
                assert.equal(emulator.state().routines[name], undefined);
            });
        }

        it("answers RoutineNotExist when deleting an unknown routine", async () => {
            await expectApiError(client.deleteRoutine(new $esa.DeleteRoutineRequest({ name: "missing" })), "RoutineNotExist", 400);
        });
    });

    describe("ListUserRoutines (parameters in the query string)", () => {
        beforeEach(() => {
            for (const name of ["alpha", "beta", "gamma", "delta"]) emulator.addRoutine(name);
        });

        it("pages through routines in name order with totals", async () => {
            const page1 = await client.listUserRoutines(new $esa.ListUserRoutinesRequest({ pageNumber: 1, pageSize: 2 }));
            const page3 = await client.listUserRoutines(new $esa.ListUserRoutinesRequest({ pageNumber: 3, pageSize: 2 }));
            assert.deepEqual(
                page1.body?.routines?.map((r) => r.routineName),
                ["alpha", "beta"],
            );
            assert.deepEqual(
                page3.body?.routines?.map((r) => r.routineName),
                ["hello-edge"],
            );
            assert.equal(page1.body?.totalCount, 5);
            assert.equal(page1.body?.usedRoutineNumber, 5);
            assert.equal(page1.body?.pageNumber, 1);
            assert.equal(page1.body?.pageSize, 2);
            assert.equal(typeof page1.body?.quotaRoutineNumber, "number");
            assert.equal(emulator.requests().at(-1)?.params.PageNumber, "3");
        });

        it("filters by SearchKeyWord, including characters that need percent-encoding in the signature", async () => {
            const res = await client.listUserRoutines(new $esa.ListUserRoutinesRequest({ searchKeyWord: "ta" }));
            assert.deepEqual(
                res.body?.routines?.map((r) => r.routineName),
                ["beta", "delta"],
            );
            const odd = await client.listUserRoutines(new $esa.ListUserRoutinesRequest({ searchKeyWord: "a b*(x)!'~é" }));
            assert.equal(odd.body?.totalCount, 0);
        });

        it("refuses a PageSize above 20", async () => {
            await expectApiError(client.listUserRoutines(new $esa.ListUserRoutinesRequest({ pageSize: 21 })), "InvalidParameter", 400);
        });
    });

    describe("CommitRoutineStagingCode / ListRoutineCodeVersions / DeleteRoutineCodeVersion", () => {
        it("commits versions with increasing 19-digit ids that survive as strings", async () => {
            const idA = await commitCode(client, ROUTINE, "export default {}", "first");
            const idB = await commitCode(client, ROUTINE, "export default { v: 2 }");
            assert.match(idA, /^\d{19}$/);
            assert.match(idB, /^\d{19}$/);
            assert.ok(BigInt(idB) > BigInt(idA));
            // Beyond what a JavaScript number holds: only a string keeps them apart.
            assert.ok(BigInt(idA) > BigInt(Number.MAX_SAFE_INTEGER));
            assert.ok(BigInt(idA) > BigInt(V2), "new ids sort after the seeded ones");

            // The new version can be deployed at once.
            await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: idB, percentage: 100 }]));
            assert.equal(emulator.state().routines[ROUTINE].deployments.production?.codeVersions[0].codeVersion, idB);
        });

        it("answers RoutineNotExist when committing to an unknown routine", async () => {
            await expectApiError(
                client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: "missing" })),
                "RoutineNotExist",
                400,
            );
        });

        it("lists versions newest first, paged and searchable", async () => {
            const committed = { body: { codeVersion: await commitCode(client, ROUTINE, "export default {}", "fix headers") } };
            const list = (req: Partial<$esa.ListRoutineCodeVersionsRequest>) =>
                client.listRoutineCodeVersions(new $esa.ListRoutineCodeVersionsRequest({ name: ROUTINE, ...req }));

            const all = await list({});
            assert.deepEqual(
                all.body?.codeVersions?.map((v) => v.codeVersion),
                [committed.body?.codeVersion, V2, V1],
            );
            assert.equal(all.body?.totalCount, 3);
            const newest = all.body?.codeVersions?.[0];
            assert.equal(newest?.codeDescription, "fix headers");
            assert.equal(newest?.status, "available");
            assert.equal(typeof newest?.buildId, "number");
            assert.match(String(newest?.createTime), /Z$/);

            const second = await list({ pageNumber: 2, pageSize: 2 });
            assert.deepEqual(
                second.body?.codeVersions?.map((v) => v.codeVersion),
                [V1],
            );
            const found = await list({ searchKeyWord: "headers" });
            assert.deepEqual(
                found.body?.codeVersions?.map((v) => v.codeVersion),
                [committed.body?.codeVersion],
            );
        });

        it("refuses to delete a version deployed in any environment (DependedByOthers), then deletes it once replaced", async () => {
            await client.createRoutineCodeDeployment(
                deployRequest(
                    [
                        { codeVersion: V1, percentage: 50 },
                        { codeVersion: V2, percentage: 50 },
                    ],
                    { env: "staging" },
                ),
            );
            const del = () => client.deleteRoutineCodeVersion(new $esa.DeleteRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: V1 }));
            await expectApiError(del(), "DependedByOthers", 400);
            assert.equal(emulator.state().routines[ROUTINE].versions.length, 2);

            await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V2, percentage: 100 }], { env: "staging" }));
            const res = await del();
            assert.equal(res.body?.status, "OK");
            assert.deepEqual(
                emulator.state().routines[ROUTINE].versions.map((v) => v.codeVersion),
                [V2],
            );
        });

        it("answers InvalidParameter when deleting a version that does not exist", async () => {
            await expectApiError(
                client.deleteRoutineCodeVersion(
                    new $esa.DeleteRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: "1000000000000000001" }),
                ),
                "InvalidParameter",
                400,
            );
        });
    });

    describe("overdue account", () => {
        it("refuses every mutating action with RoutineUserServiceStatusHalt and still serves reads", async () => {
            emulator.setOverdue(true);
            const halted: Array<() => Promise<unknown>> = [
                () => client.createRoutine(new $esa.CreateRoutineRequest({ name: "new-one" })),
                () => client.deleteRoutine(new $esa.DeleteRoutineRequest({ name: ROUTINE })),
                () => client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE })),
                () => client.deleteRoutineCodeVersion(new $esa.DeleteRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: V1 })),
                () => client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }])),
            ];
            for (const call of halted) await expectApiError(call(), "RoutineUserServiceStatusHalt", 400);
            assert.equal(emulator.state().overdue, true);
            assert.deepEqual(Object.keys(emulator.state().routines), [ROUTINE]);
            assert.equal(emulator.state().routines[ROUTINE].versions.length, 2);

            await client.listUserRoutines(new $esa.ListUserRoutinesRequest({}));
            await client.listRoutineCodeVersions(new $esa.ListRoutineCodeVersionsRequest({ name: ROUTINE }));
        });
    });

    describe("routing", () => {
        it("listens on loopback and reports its address in the forms the SDK and a stack config take", () => {
            assert.match(emulator.host, /^127\.0\.0\.1:\d+$/);
            assert.equal(emulator.host, `127.0.0.1:${emulator.port}`);
            assert.equal(emulator.endpoint, `http://${emulator.host}`);
        });

        it("answers InvalidAction.NotFound (404) for an action it does not know", async () => {
            const res = await sendRaw(emulator, signedRequest({ host: emulator.host, action: "DescribeNothing", params: { Name: "x" } }));
            assert.equal(res.status, 404);
            assert.equal(res.json.Code, "InvalidAction.NotFound");
            assert.equal(res.json.Message, "Specified api is not found, please check your url and method.");
            assert.match(String(res.json.RequestId), UUID_UPPER);
        });

        it("answers InvalidVersion for another API version", async () => {
            const res = await sendRaw(
                emulator,
                signedRequest({ host: emulator.host, action: "GetRoutine", params: { Name: ROUTINE }, version: "2022-01-01" }),
            );
            assert.equal(res.status, 400);
            assert.equal(res.json.Code, "InvalidVersion");
        });

        it("gives every answer a fresh upper-case RequestId, in the body and the x-acs-request-id header", async () => {
            const a = await sendRaw(emulator, signedRequest({ host: emulator.host, action: "GetRoutine", params: { Name: ROUTINE } }));
            const b = await sendRaw(emulator, signedRequest({ host: emulator.host, action: "GetRoutine", params: { Name: "nope" } }));
            assert.equal(a.status, 200);
            assert.equal(b.status, 400);
            for (const res of [a, b]) {
                assert.match(String(res.json.RequestId), UUID_UPPER);
                assert.equal(res.headers["x-acs-request-id"], res.json.RequestId);
            }
            assert.notEqual(a.json.RequestId, b.json.RequestId);
            assert.deepEqual(Object.keys(b.json).sort(), ["Code", "HostId", "Message", "Recommend", "RequestId"]);
        });
    });
});
