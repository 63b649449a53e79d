/**
 * The assets flow as ESA's CLI drives it (CreateRoutineWithAssetsCodeVersion with a JSON
 * body → zip upload → GetRoutineCodeVersionInfo polled until `available`), build failures,
 * the quota, and the version-reading actions: ListRoutineCodeVersions' 2 × 20 cap,
 * GetRoutineCodeVersion, DeleteRoutineCodeVersion, CreateRoutine, GetErService.
 */
import assert from "node:assert/strict";
import type Client from "@alicloud/esa20240910";
import { strToU8, zipSync } from "fflate";
import { startEmulator, type Emulator } from "../../emulator";
import { $esa, ROUTINE, V1, V2, callAction, deployRequest, expectApiError, rawMultipart, sdkClient, sleep } from "./helpers";

const CODE = "export default { async fetch() { return new Response('assets'); } };";

function zip(files: Record<string, string>): Buffer {
    return Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)]))));
}

interface AssetsPostConfig {
    Url: string;
    OSSAccessKeyId: string;
    Key: string;
    Policy: string;
    Signature: string;
    XOssSecurityToken?: string;
}

/**
 * ESA's CLI upload: its fields in its order, the token sent even when empty, the zip
 * without filename, typed `application/octet-stream` as the `form-data` package types a
 * Buffer. `untyped` sends the part with no Content-Type at all, i.e. as a text field.
 */
async function uploadZip(
    config: AssetsPostConfig,
    archive: Buffer,
    { token = config.XOssSecurityToken ?? "", untyped = false }: { token?: string; untyped?: boolean } = {},
): Promise<number> {
    const { body, contentType } = rawMultipart(
        [
            ["OSSAccessKeyId", config.OSSAccessKeyId],
            ["Signature", config.Signature],
            ["x-oss-security-token", token],
            ["policy", config.Policy],
            ["key", config.Key],
        ],
        archive,
        untyped ? {} : { contentType: "application/octet-stream" },
    );
    const res = await fetch(config.Url, { method: "POST", headers: { "content-type": contentType }, body });
    await res.arrayBuffer();
    return res.status;
}

describe("emulator: assets flow and code-version actions", () => {
    let emulator: Emulator;
    let client: Client;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2] }, buildDelayMs: 100, edge: false });
        client = sdkClient(emulator.host);
    });
    beforeEach(() => emulator.reset());
    after(() => emulator.close());

    async function createAssetsVersion(
        extra: Record<string, unknown> = {},
    ): Promise<{ id: string; config: AssetsPostConfig; status: string }> {
        const body = await callAction(
            client,
            "CreateRoutineWithAssetsCodeVersion",
            {
                Name: ROUTINE,
                CodeDescription: "from the CLI",
                ExtraInfo: '{"Source":"CLI"}',
                ConfOptions: { NotFoundStrategy: "SinglePageApplication" },
                ...extra,
            },
            "json",
        );
        return { id: String(body.CodeVersion), config: body.OssPostConfig as AssetsPostConfig, status: String(body.Status) };
    }

    const info = (codeVersion: string) =>
        callAction(client, "GetRoutineCodeVersionInfo", { Name: ROUTINE, CodeVersion: codeVersion }, "query");

    it("creates an init version with a typed OssPostConfig, which the zip upload builds to available after the delay", async () => {
        const { id, config, status } = await createAssetsVersion({ DeployEnv: "production", BuildId: 26035169 });
        assert.equal(status, "init");
        assert.match(id, /^\d{19}$/);
        assert.deepEqual(Object.keys(config).sort(), ["Key", "OSSAccessKeyId", "Policy", "Signature", "Url", "XOssSecurityToken"]);
        assert.equal(config.Url, emulator.uploadUrl);
        assert.ok(config.XOssSecurityToken, "an STS token for the upload");

        assert.equal((await info(id)).Status, "init", "init until the zip lands");
        assert.equal(
            await uploadZip(config, zip({ "routine/index.js": CODE, "assets/index.html": "<h1>hi</h1>", "assets/css/a.css": "a{}" })),
            200,
        );
        assert.equal((await info(id)).Status, "init", "init while building");
        await sleep(150);
        const ready = await info(id);
        assert.equal(ready.Status, "available");
        assert.equal(ready.CodeVersion, id);
        assert.equal(ready.CodeDescription, "from the CLI");
        assert.equal(ready.HasAssets, true);
        assert.equal(ready.ExtraInfo, '{"Source":"CLI"}');
        assert.equal(ready.BuildId, 26035169);
        assert.deepEqual(ready.ConfOptions, { NotFoundStrategy: "SinglePageApplication" });
        assert.match(String(ready.CreateTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

        const code = await client.getRoutineCodeVersion(new $esa.GetRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: id }));
        assert.equal(Buffer.from(String(code.body?.routineCode), "base64").toString("utf8"), CODE);
        assert.deepEqual(emulator.state().routines[ROUTINE].versions[0].assets, ["css/a.css", "index.html"]);
    });

    it("goes through the SDK's typed method too (ConfOptions as its JSON string)", async () => {
        const res = await client.createRoutineWithAssetsCodeVersion(
            new $esa.CreateRoutineWithAssetsCodeVersionRequest({
                name: ROUTINE,
                codeDescription: "typed",
                confOptions: new $esa.CreateRoutineWithAssetsCodeVersionRequestConfOptions({ notFoundStrategy: "SinglePageApplication" }),
            }),
        );
        assert.equal(res.body?.status, "init");
        assert.ok(res.body?.ossPostConfig?.key && res.body.ossPostConfig.policy && res.body.ossPostConfig.XOssSecurityToken);
        const listed = await client.listRoutineCodeVersions(new $esa.ListRoutineCodeVersionsRequest({ name: ROUTINE, pageSize: 1 }));
        assert.equal(listed.body?.codeVersions?.[0].status, "init");
        assert.equal(listed.body?.codeVersions?.[0].confOptions?.notFoundStrategy, "SinglePageApplication");
    });

    it("fails the build a test ordered, with its status, and only that one", async () => {
        emulator.failNextBuild(ROUTINE, "compile_failed");
        const first = await createAssetsVersion();
        const second = await createAssetsVersion();
        await uploadZip(first.config, zip({ "routine/index.js": CODE }));
        await uploadZip(second.config, zip({ "routine/index.js": CODE }));
        await sleep(150);
        assert.equal((await info(first.id)).Status, "compile_failed");
        assert.equal((await info(second.id)).Status, "available");
    });

    it("fails the build of a zip without routine/index.js, and of a file that is no zip", async () => {
        const noCode = await createAssetsVersion();
        const notZip = await createAssetsVersion();
        assert.equal(await uploadZip(noCode.config, zip({ "src/index.js": CODE })), 200, "OSS stores whatever it is given");
        assert.equal(await uploadZip(notZip.config, Buffer.from(CODE)), 200);
        await sleep(150);
        assert.equal((await info(noCode.id)).Status, "failed");
        assert.equal((await info(notZip.id)).Status, "failed");
    });

    it("refuses to deploy a version that is still building or failed, and deploys it once available", async () => {
        emulator.failNextBuild(ROUTINE);
        const failed = await createAssetsVersion();
        const building = await createAssetsVersion();
        await uploadZip(failed.config, zip({ "routine/index.js": CODE }));
        await uploadZip(building.config, zip({ "routine/index.js": CODE }));
        const deploy = (codeVersion: string) => client.createRoutineCodeDeployment(deployRequest([{ codeVersion, percentage: 100 }]));
        await expectApiError(deploy(building.id), "InvalidParameter", 400);
        await sleep(150);
        await expectApiError(deploy(failed.id), "InvalidParameter", 400);
        await deploy(building.id);
        assert.equal(emulator.state().routines[ROUTINE].deployments.production?.codeVersions[0].codeVersion, building.id);
    });

    for (const untyped of [false, true]) {
        const part = untyped ? "neither filename nor Content-Type (a text part)" : "no filename (typed application/octet-stream)";
        it(`keeps the zip's bytes intact when its part has ${part}`, async () => {
            const { id, config } = await createAssetsVersion();
            const binary = "\u00ff\u00fe\u0000\u0080 ünïcödé ✓";
            const archive = zip({ "routine/index.js": binary });
            assert.ok(
                !archive.equals(Buffer.from(archive.toString("utf8"), "utf8")),
                "the zip is not valid UTF-8, so decoding it as text would corrupt it",
            );
            assert.equal(await uploadZip(config, archive, { untyped }), 200);
            await sleep(150);
            assert.equal((await info(id)).Status, "available");
            const code = await client.getRoutineCodeVersion(new $esa.GetRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: id }));
            assert.equal(Buffer.from(String(code.body?.routineCode), "base64").toString("utf8"), binary);
        });
    }

    it("refuses the assets upload without its security token (403)", async () => {
        const { config } = await createAssetsVersion();
        assert.equal(await uploadZip(config, zip({ "routine/index.js": CODE }), { token: "" }), 403);
    });

    it("counts init versions against the quota", async () => {
        emulator.setVersionQuota(10);
        for (let i = 0; i < 8; i++) await createAssetsVersion();
        const error = await expectApiError(
            client.createRoutineWithAssetsCodeVersion(new $esa.CreateRoutineWithAssetsCodeVersionRequest({ name: ROUTINE })),
            "CodeVersionNumberExceedQuotaLimit",
            400,
        );
        assert.match(error.message, /code version number exceeds the quota limit/);
        assert.equal(emulator.state().routines[ROUTINE].versions.length, 10);
    });

    it("uses a quota of 10 unless told otherwise", async () => {
        const fresh = await startEmulator({ routines: { [ROUTINE]: [] }, edge: false });
        try {
            const c = sdkClient(fresh.host);
            for (let i = 0; i < 10; i++) fresh.createVersion(ROUTINE);
            await expectApiError(
                c.createRoutineWithAssetsCodeVersion(new $esa.CreateRoutineWithAssetsCodeVersionRequest({ name: ROUTINE })),
                "CodeVersionNumberExceedQuotaLimit",
                400,
            );
        } finally {
            await fresh.close();
        }
    });

    it("rejects a DeployEnv other than staging or production", async () => {
        await assert.rejects(createAssetsVersion({ DeployEnv: "canary" }), /InvalidParameter/);
    });

    describe("ListRoutineCodeVersions", () => {
        it("lists newest first and caps paging at 2 pages of 20", async () => {
            emulator.setVersionQuota(50);
            const created: string[] = [];
            for (let i = 0; i < 43; i++) created.push(emulator.createVersion(ROUTINE, { description: `v${i}` }));
            const page = (pageNumber: number, pageSize = 20) =>
                client.listRoutineCodeVersions(new $esa.ListRoutineCodeVersionsRequest({ name: ROUTINE, pageNumber, pageSize }));
            const [one, two] = [await page(1), await page(2)];
            assert.equal(one.body?.totalCount, 45);
            assert.deepEqual(
                [...(one.body?.codeVersions ?? []), ...(two.body?.codeVersions ?? [])].map((v) => v.codeVersion),
                [...created].reverse().slice(0, 40),
            );
            assert.equal(one.body?.codeVersions?.[0].extraInfo, "{}");
            await expectApiError(page(3), "InvalidParameter", 400);
            await expectApiError(page(1, 21), "InvalidParameter", 400);
        });
    });

    describe("GetRoutineCodeVersion / DeleteRoutineCodeVersion", () => {
        it("returns placeholder code for a version seeded by id only", async () => {
            const res = await client.getRoutineCodeVersion(new $esa.GetRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: V1 }));
            assert.match(Buffer.from(String(res.body?.routineCode), "base64").toString("utf8"), new RegExp(`version ${V1}`));
        });

        it("answers InvalidParameter for an unknown version and RoutineNotExist for an unknown routine", async () => {
            const unknown = "1000000000000000001";
            await expectApiError(
                client.getRoutineCodeVersion(new $esa.GetRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: unknown })),
                "InvalidParameter",
                400,
            );
            await expectApiError(
                client.deleteRoutineCodeVersion(new $esa.DeleteRoutineCodeVersionRequest({ name: "missing", codeVersion: V1 })),
                "RoutineNotExist",
                400,
            );
            await assert.rejects(info(unknown), /InvalidParameter/);
        });

        it("refuses to delete a version serving in production (DependedByOthers), and deletes an init version", async () => {
            await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }]));
            await expectApiError(
                client.deleteRoutineCodeVersion(new $esa.DeleteRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: V1 })),
                "DependedByOthers",
                400,
            );
            const { id } = await createAssetsVersion();
            const res = await client.deleteRoutineCodeVersion(new $esa.DeleteRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: id }));
            assert.equal(res.body?.status, "OK");
            assert.deepEqual(
                emulator.state().routines[ROUTINE].versions.map((v) => v.codeVersion),
                [V2, V1],
            );
        });
    });

    describe("routines and the service", () => {
        it("creates a routine with HasAssets from a JSON body (as ESA's CLI does) and refuses a taken name", async () => {
            await callAction(client, "CreateRoutine", { Name: "pages-site", Description: "", HasAssets: true }, "json");
            const got = await client.getRoutine(new $esa.GetRoutineRequest({ name: "pages-site" }));
            assert.equal(got.body?.hasAssets, true);
            await expectApiError(client.createRoutine(new $esa.CreateRoutineRequest({ name: "pages-site" })), "RoutineAlreadyExist", 400);
        });

        it("a HasAssets routine may build a zip of static files only", async () => {
            await client.createRoutine(new $esa.CreateRoutineRequest({ name: "static-site", hasAssets: true }));
            const body = await callAction(client, "CreateRoutineWithAssetsCodeVersion", { Name: "static-site" }, "json");
            await uploadZip(body.OssPostConfig as AssetsPostConfig, zip({ "assets/index.html": "<p>static</p>" }));
            await sleep(150);
            const res = await callAction(client, "GetRoutineCodeVersionInfo", { Name: "static-site", CodeVersion: body.CodeVersion });
            assert.equal(res.Status, "available");
        });

        it("lists routines with the usual paging fields", async () => {
            const res = await client.listUserRoutines(new $esa.ListUserRoutinesRequest({ pageNumber: 1, pageSize: 10 }));
            assert.deepEqual(
                res.body?.routines?.map((r) => r.routineName),
                [ROUTINE],
            );
            assert.equal(res.body?.totalCount, 1);
            assert.match(String(res.body?.routines?.[0].createTime), /Z$/);
        });

        it("reports the Edge Routine service Running, or the status set, and refuses CreateRoutine when it is not", async () => {
            assert.equal((await client.getErService(new $esa.GetErServiceRequest({}))).body?.status, "Running");
            emulator.setErServiceStatus("NotOpened");
            assert.equal((await client.getErService(new $esa.GetErServiceRequest({}))).body?.status, "NotOpened");
            assert.equal(emulator.requests().at(-1)?.action, "GetErService");
            await expectApiError(client.createRoutine(new $esa.CreateRoutineRequest({ name: "too-early" })), "ServiceNotOpen", 400);
        });

        it("updates a routine's description", async () => {
            await client.updateRoutineConfigDescription(
                new $esa.UpdateRoutineConfigDescriptionRequest({ name: ROUTINE, description: "new words" }),
            );
            assert.equal(emulator.state().routines[ROUTINE].description, "new words");
        });
    });
});
