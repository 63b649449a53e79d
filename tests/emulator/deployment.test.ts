/**
 * CreateRoutineCodeDeployment and GetRoutine, driven through the official SDK: every
 * documented rule and error code, both DeploymentId encodings, the Envs order and the
 * read-after-write delay.
 */
import assert from "node:assert/strict";
import type Client from "@alicloud/esa20240910";
import { startEmulator, type CodeVersionSplit, type Emulator } from "../../emulator";
import { $esa, ROUTINE, V1, V2, V3, deployRequest, expectApiError, sdkClient, sendRaw, signedRequest, sleep } from "./helpers";

describe("emulator: CreateRoutineCodeDeployment", () => {
    let emulator: Emulator;
    let client: Client;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2, V3], other: [] } });
        client = sdkClient(emulator.host);
    });
    beforeEach(() => emulator.reset());
    after(() => emulator.close());

    it("deploys a canary split and answers with the response model's fields", async () => {
        const res = await client.createRoutineCodeDeployment(
            deployRequest([
                { codeVersion: V1, percentage: 90 },
                { codeVersion: V2, percentage: 10 },
            ]),
        );
        assert.equal(res.statusCode, 200);
        assert.equal(res.body?.strategy, "percentage");
        assert.match(String(res.body?.deploymentId), /^\d+$/);
        assert.deepEqual(
            res.body?.codeVersions?.map((c) => [c.codeVersion, c.percentage]),
            [
                [V1, 90],
                [V2, 10],
            ],
        );
        const live = emulator.state().routines[ROUTINE].deployments.production;
        assert.equal(live?.deploymentId, res.body?.deploymentId);
        assert.deepEqual(live?.codeVersions, [
            { codeVersion: V1, percentage: 90 },
            { codeVersion: V2, percentage: 10 },
        ]);
        assert.equal(emulator.state().routines[ROUTINE].deployments.staging, undefined);
    });

    it("issues increasing deployment ids", async () => {
        const a = await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }]));
        const b = await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V2, percentage: 100 }], { env: "staging" }));
        assert.ok(Number(b.body?.deploymentId) > Number(a.body?.deploymentId));
    });

    const invalid: Array<[string, CodeVersionSplit[], { name?: string; env?: string; strategy?: string }]> = [
        ["Name missing", [{ codeVersion: V1, percentage: 100 }], { name: undefined }],
        ["Env not staging|production (prod)", [{ codeVersion: V1, percentage: 100 }], { env: "prod" }],
        ["Env in the wrong case (Production)", [{ codeVersion: V1, percentage: 100 }], { env: "Production" }],
        ["Env missing", [{ codeVersion: V1, percentage: 100 }], { env: undefined }],
        ["Strategy other than percentage", [{ codeVersion: V1, percentage: 100 }], { strategy: "canary" }],
        ["Strategy missing", [{ codeVersion: V1, percentage: 100 }], { strategy: undefined }],
        ["no CodeVersions entry", [], {}],
        [
            "three CodeVersions entries",
            [
                { codeVersion: V1, percentage: 34 },
                { codeVersion: V2, percentage: 33 },
                { codeVersion: V3, percentage: 33 },
            ],
            {},
        ],
        [
            "a Percentage of 0",
            [
                { codeVersion: V1, percentage: 100 },
                { codeVersion: V2, percentage: 0 },
            ],
            {},
        ],
        ["a Percentage above 100", [{ codeVersion: V1, percentage: 101 }], {}],
        [
            "a fractional Percentage",
            [
                { codeVersion: V1, percentage: 50.5 },
                { codeVersion: V2, percentage: 49.5 },
            ],
            {},
        ],
        [
            "percentages summing to 90",
            [
                { codeVersion: V1, percentage: 80 },
                { codeVersion: V2, percentage: 10 },
            ],
            {},
        ],
        [
            "the same version twice",
            [
                { codeVersion: V1, percentage: 50 },
                { codeVersion: V1, percentage: 50 },
            ],
            {},
        ],
    ];
    for (const [rule, split, overrides] of invalid) {
        it(`refuses ${rule} with InvalidParameter and deploys nothing`, async () => {
            await expectApiError(client.createRoutineCodeDeployment(deployRequest(split, overrides)), "InvalidParameter", 400);
            assert.deepEqual(emulator.state().routines[ROUTINE].deployments, {});
            assert.equal(emulator.requests().at(-1)?.code, "InvalidParameter");
        });
    }

    it("refuses CodeVersions that is not a JSON array with InvalidParameter", async () => {
        const res = await sendRaw(
            emulator,
            signedRequest({
                host: emulator.host,
                action: "CreateRoutineCodeDeployment",
                params: { Name: ROUTINE, Env: "production", Strategy: "percentage", CodeVersions: `{"CodeVersion":"${V1}"}` },
            }),
        );
        assert.equal(res.status, 400);
        assert.equal(res.json.Code, "InvalidParameter");
    });

    it("answers RoutineNotExist for an unknown routine", async () => {
        await expectApiError(
            client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }], { name: "missing" })),
            "RoutineNotExist",
            400,
        );
    });

    it("answers ParameterNotExist for a version the routine does not have", async () => {
        await expectApiError(
            client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }], { name: "other" })),
            "ParameterNotExist",
            400,
        );
        assert.deepEqual(emulator.state().routines.other.deployments, {});
    });

    it("does not find a 19-digit id that a JavaScript number rounded on the client", async () => {
        // What a client sends when the id went through a number: 1723599747213377175 → …300.
        const rounded = Number(V1) as unknown as string;
        await expectApiError(
            client.createRoutineCodeDeployment(deployRequest([{ codeVersion: rounded, percentage: 100 }])),
            "ParameterNotExist",
            400,
        );
        assert.match(emulator.requests().at(-1)?.params.CodeVersions ?? "", /1723599747213377300/);
    });

    it("reads an exact 19-digit CodeVersion sent as a JSON number without rounding it", async () => {
        const res = await sendRaw(
            emulator,
            signedRequest({
                host: emulator.host,
                action: "CreateRoutineCodeDeployment",
                params: {
                    Name: ROUTINE,
                    Env: "staging",
                    Strategy: "percentage",
                    CodeVersions: `[{"CodeVersion":${V2},"Percentage":100}]`,
                },
            }),
        );
        assert.equal(res.status, 200, res.text);
        assert.ok(res.text.includes(`"CodeVersion":"${V2}"`));
        assert.equal(emulator.state().routines[ROUTINE].deployments.staging?.codeVersions[0].codeVersion, V2);
    });

    it("answers RoutineUserServiceStatusHalt while the account is overdue, and deploys again once paid", async () => {
        emulator.setOverdue(true);
        await expectApiError(
            client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }])),
            "RoutineUserServiceStatusHalt",
            400,
        );
        // Reading is still allowed.
        await client.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE }));
        assert.deepEqual(emulator.state().routines[ROUTINE].deployments, {});
        emulator.setOverdue(false);
        await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }]));
    });

    describe("DeploymentId encoding (both documented samples)", () => {
        const deployRaw = () =>
            sendRaw(
                emulator,
                signedRequest({
                    host: emulator.host,
                    action: "CreateRoutineCodeDeployment",
                    params: {
                        Name: ROUTINE,
                        Env: "production",
                        Strategy: "percentage",
                        CodeVersions: JSON.stringify([{ CodeVersion: V1, Percentage: 100 }]),
                    },
                }),
            );

        it("writes DeploymentId as a JSON string by default", async () => {
            const res = await deployRaw();
            assert.equal(res.status, 200);
            assert.match(res.text, /"DeploymentId":"\d+"/);
            assert.equal(typeof res.json.DeploymentId, "string");
            assert.match(res.text, new RegExp(`"CodeVersion":"${V1}"`));
        });

        it("writes DeploymentId as a JSON number with deploymentIdAs: number, CodeVersion still a string", async () => {
            emulator.setDeploymentIdAs("number");
            const res = await deployRaw();
            assert.match(res.text, /"DeploymentId":\d+[,}]/);
            assert.equal(typeof res.json.DeploymentId, "number");
            assert.match(res.text, new RegExp(`"CodeVersion":"${V1}"`));
            // The SDK model turns the number into a string.
            const viaSdk = await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V2, percentage: 100 }]));
            assert.equal(viaSdk.body?.deploymentId, String(Number(res.json.DeploymentId) + 1));
        });

        it("honours deploymentIdAs given at start", async () => {
            const numeric = await startEmulator({ routines: { [ROUTINE]: [V1] }, deploymentIdAs: "number" });
            try {
                const res = await sendRaw(
                    numeric,
                    signedRequest({
                        host: numeric.host,
                        action: "CreateRoutineCodeDeployment",
                        params: {
                            Name: ROUTINE,
                            Env: "production",
                            Strategy: "percentage",
                            CodeVersions: JSON.stringify([{ CodeVersion: V1, Percentage: 100 }]),
                        },
                    }),
                );
                assert.equal(typeof res.json.DeploymentId, "number");
            } finally {
                await numeric.close();
            }
        });
    });
});

describe("emulator: GetRoutine", () => {
    let emulator: Emulator;
    let client: Client;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2] } });
        client = sdkClient(emulator.host);
    });
    beforeEach(() => emulator.reset());
    after(() => emulator.close());

    const getRoutine = (name = ROUTINE) => client.getRoutine(new $esa.GetRoutineRequest({ name }));

    it("lists both environments, production first by default, without CodeDeploy when never deployed", async () => {
        const res = await getRoutine();
        assert.deepEqual(
            res.body?.envs?.map((e) => [e.env, e.codeDeploy]),
            [
                ["production", undefined],
                ["staging", undefined],
            ],
        );
        assert.match(String(res.body?.createTime), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    });

    it("shows the deployment with DeployId, Strategy, CreationTime and each version's details", async () => {
        const created = await client.createRoutineCodeDeployment(
            deployRequest(
                [
                    { codeVersion: V2, percentage: 30 },
                    { codeVersion: V1, percentage: 70 },
                ],
                { env: "staging" },
            ),
        );
        const staging = (await getRoutine()).body?.envs?.find((e) => e.env === "staging");
        assert.equal(staging?.codeDeploy?.deployId, created.body?.deploymentId);
        assert.equal(staging?.codeDeploy?.strategy, "percentage");
        assert.match(String(staging?.codeDeploy?.creationTime), /Z$/);
        assert.deepEqual(
            staging?.codeDeploy?.codeVersions?.map((c) => [c.codeVersion, c.percentage, typeof c.description, typeof c.createTime]),
            [
                [V2, 30, "string", "string"],
                [V1, 70, "string", "string"],
            ],
        );
        const production = (await getRoutine()).body?.envs?.find((e) => e.env === "production");
        assert.equal(production?.codeDeploy, undefined);
    });

    it("answers RoutineNotExist for an unknown routine", async () => {
        await expectApiError(getRoutine("missing"), "RoutineNotExist", 400);
    });

    it("orders Envs as envOrder says (option and setEnvOrder)", async () => {
        const stagingFirst = await startEmulator({ routines: { [ROUTINE]: [V1] }, envOrder: ["staging", "production"] });
        try {
            const res = await sdkClient(stagingFirst.host).getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE }));
            assert.deepEqual(
                res.body?.envs?.map((e) => e.env),
                ["staging", "production"],
            );
        } finally {
            await stagingFirst.close();
        }
        emulator.setEnvOrder(["staging", "production"]);
        assert.deepEqual(
            (await getRoutine()).body?.envs?.map((e) => e.env),
            ["staging", "production"],
        );
        emulator.reset();
        assert.deepEqual(
            (await getRoutine()).body?.envs?.map((e) => e.env),
            ["production", "staging"],
        );
    });

    it("keeps showing the previous split for readAfterWriteDelayMs after a deployment", async () => {
        await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }]));
        emulator.setReadAfterWriteDelay(300);
        const created = await client.createRoutineCodeDeployment(
            deployRequest([
                { codeVersion: V1, percentage: 50 },
                { codeVersion: V2, percentage: 50 },
            ]),
        );
        const production = async () => (await getRoutine()).body?.envs?.find((e) => e.env === "production")?.codeDeploy;

        const stale = await production();
        assert.notEqual(stale?.deployId, created.body?.deploymentId);
        assert.deepEqual(
            stale?.codeVersions?.map((c) => c.percentage),
            [100],
        );
        // The committed state already has it.
        assert.equal(emulator.state().routines[ROUTINE].deployments.production?.deploymentId, created.body?.deploymentId);

        await sleep(350);
        const fresh = await production();
        assert.equal(fresh?.deployId, created.body?.deploymentId);
        assert.deepEqual(
            fresh?.codeVersions?.map((c) => c.percentage),
            [50, 50],
        );
    });

    it("shows no CodeDeploy during the delay after an environment's first deployment", async () => {
        const delayed = await startEmulator({ routines: { [ROUTINE]: [V1] }, readAfterWriteDelayMs: 200 });
        try {
            const c = sdkClient(delayed.host);
            await c.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }]));
            const res = await c.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE }));
            assert.equal(res.body?.envs?.find((e) => e.env === "production")?.codeDeploy, undefined);
        } finally {
            await delayed.close();
        }
    });
});
