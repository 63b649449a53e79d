/**
 * The staging flow (GetRoutineStagingCodeUploadInfo → form upload → CommitRoutineStagingCode)
 * and the OSS-like upload endpoint's checks, with the form fields spelled and ordered the
 * way terraform, mcp-server-esa and ESA's CLI send them.
 */
import assert from "node:assert/strict";
import type Client from "@alicloud/esa20240910";
import { startEmulator, type Emulator } from "../../emulator";
import {
    $esa,
    ROUTINE,
    V1,
    commitCode,
    expectApiError,
    expectNetworkError,
    sdkClient,
    stagingUploadInfo,
    uploadForm,
    type OssPostConfig,
} from "./helpers";

async function post(url: string, form: FormData): Promise<{ status: number; text: string; code?: string }> {
    const res = await fetch(url, { method: "POST", body: form });
    const text = await res.text();
    return { status: res.status, text, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] };
}

async function versionCode(client: Client, codeVersion: string): Promise<string> {
    const res = await client.getRoutineCodeVersion(new $esa.GetRoutineCodeVersionRequest({ name: ROUTINE, codeVersion }));
    return Buffer.from(String(res.body?.routineCode), "base64").toString("utf8");
}

describe("emulator: staging upload flow and the upload endpoint", () => {
    let emulator: Emulator;
    let client: Client;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1] }, edge: false });
        client = sdkClient(emulator.host);
    });
    beforeEach(() => emulator.reset());
    after(() => emulator.close());

    it("hands out an OssPostConfig in the staging flow's spellings, on the emulator's upload endpoint", async () => {
        const config = await stagingUploadInfo(client, ROUTINE, "Hello World");
        assert.equal(config.Url, emulator.uploadUrl);
        assert.match(config.key, new RegExp(`^site_er_js/${ROUTINE}\\.\\d+\\.unstable\\.js$`));
        assert.deepEqual(Object.keys(config).sort(), [
            "OSSAccessKeyId",
            "Signature",
            "Url",
            "callback",
            "key",
            "policy",
            "x:codeDescription",
        ]);
        assert.equal(config["x:codeDescription"], "IkhlbGxvIFdvcmxkIg==", 'Base64 of the JSON-quoted "Hello World"');
        const policy = JSON.parse(Buffer.from(config.policy, "base64").toString("utf8"));
        const ttl = Date.parse(policy.expiration) - Date.now();
        assert.ok(ttl > 290_000 && ttl <= 300_000, `policy lifetime ~5 min, got ${ttl} ms`);
        assert.deepEqual(
            policy.conditions.find((c: unknown) => Array.isArray(c) && c[0] === "eq"),
            ["eq", "$key", config.key],
        );
    });

    it("commits the uploaded code as a new available version and gives it back (terraform's fields and order)", async () => {
        const code = "export default { async fetch() { return new Response('hi ✓'); } };";
        const id = await commitCode(client, ROUTINE, code, "first");
        assert.match(id, /^\d{19}$/);
        assert.equal(await versionCode(client, id), code);
        const list = await client.listRoutineCodeVersions(new $esa.ListRoutineCodeVersionsRequest({ name: ROUTINE }));
        assert.equal(list.body?.codeVersions?.[0].codeVersion, id);
        assert.equal(list.body?.codeVersions?.[0].status, "available");
        assert.equal(list.body?.codeVersions?.[0].codeDescription, "first");
        assert.deepEqual(emulator.countByAction(), {
            GetRoutineStagingCodeUploadInfo: 1,
            PostObject: 1,
            CommitRoutineStagingCode: 1,
            GetRoutineCodeVersion: 1,
            ListRoutineCodeVersions: 1,
        });
    });

    it("accepts mcp-server-esa's upload: its field order, the code as a plain field without filename, answered 200", async () => {
        const config = await stagingUploadInfo(client, ROUTINE, "from mcp");
        const form = new FormData();
        for (const name of ["OSSAccessKeyId", "Signature", "callback", "x:codeDescription", "policy", "key"])
            form.append(name, config[name]);
        form.append("file", "export default 'mcp';");
        const res = await post(config.Url, form);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(JSON.parse(res.text), { Status: "OK" }, "with a callback, the callback server's JSON");
        const commit = await client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE }));
        const id = String(commit.body?.codeVersion);
        assert.equal(await versionCode(client, id), "export default 'mcp';");
        const listed = await client.listRoutineCodeVersions(new $esa.ListRoutineCodeVersionsRequest({ name: ROUTINE, pageSize: 1 }));
        assert.equal(listed.body?.codeVersions?.[0].codeDescription, "from mcp", "the description uploaded in x:codeDescription");
    });

    it("takes code sent as a plain field whole, however long (no field-size cap below the upload limit)", async () => {
        const config = await stagingUploadInfo(client, ROUTINE);
        const code = `export default ${JSON.stringify("x".repeat(3 * 1024 * 1024))};`;
        const res = await post(config.Url, uploadForm(config, code, { filename: "" }));
        assert.equal(res.status, 200, res.text);
        const commit = await client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE }));
        assert.equal((await versionCode(client, String(commit.body?.codeVersion))).length, code.length);
    });

    it("accepts capitalised field names and an empty x-oss-security-token, and honours success_action_status", async () => {
        const config = await stagingUploadInfo(client, ROUTINE);
        const form = new FormData();
        form.append("OSSAccessKeyId", config.OSSAccessKeyId);
        form.append("Policy", config.policy);
        form.append("Signature", config.Signature);
        form.append("Key", config.key);
        form.append("x-oss-security-token", "");
        form.append("success_action_status", "204");
        form.append("file", new Blob(["export default 204;"]), "index.js");
        const res = await post(config.Url, form);
        assert.equal(res.status, 204, res.text);
        assert.equal(res.text, "");
        const created = await post(config.Url, uploadForm(config, "export default 201;", { extra: { success_action_status: "201" } }));
        assert.equal(created.status, 201);
        assert.match(created.text, /<PostResponse>.*<Key>site_er_js\//s);
    });

    it("ignores fields after the file, as OSS does", async () => {
        const config = await stagingUploadInfo(client, ROUTINE);
        const form = new FormData();
        for (const name of ["OSSAccessKeyId", "policy", "Signature"]) form.append(name, config[name]);
        form.append("file", new Blob(["x"]), "index.js");
        form.append("key", config.key);
        const res = await post(config.Url, form);
        assert.equal(res.status, 403);
        assert.equal(res.code, "AccessDenied");
    });

    describe("refusals (OSS XML errors)", () => {
        let config: OssPostConfig;
        beforeEach(async () => {
            config = await stagingUploadInfo(client, ROUTINE);
        });

        const cases: Array<[string, (c: OssPostConfig) => FormData, number, string, RegExp]> = [
            [
                "a key other than the one issued",
                (c) => uploadForm({ ...c, key: "site_er_js/other.1.unstable.js" }, "x"),
                403,
                "AccessDenied",
                /Policy Condition failed/,
            ],
            [
                "a bad signature",
                (c) => uploadForm({ ...c, Signature: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" }, "x"),
                403,
                "SignatureDoesNotMatch",
                /signature/,
            ],
            [
                "a policy changed after signing",
                (c) => uploadForm({ ...c, policy: c.policy.replace(/.$/, c.policy.endsWith("=") ? "A" : "=") }, "x"),
                403,
                "SignatureDoesNotMatch",
                /signature/,
            ],
            [
                "another AccessKey id",
                (c) => uploadForm({ ...c, OSSAccessKeyId: "LTAI5tSomebodyElse" }, "x"),
                403,
                "InvalidAccessKeyId",
                /does not exist/,
            ],
            ["no policy (anonymous)", ({ policy: _p, ...c }) => uploadForm(c, "x"), 403, "AccessDenied", /Anonymous/],
            [
                "a security token that was never issued",
                (c) => uploadForm({ ...c, XOssSecurityToken: "CAISforged" }, "x"),
                403,
                "InvalidAccessKeyId",
                /security token/,
            ],
            [
                "no file",
                (c) => {
                    const form = uploadForm(c, "x");
                    form.delete("file");
                    return form;
                },
                400,
                "InvalidArgument",
                /file/,
            ],
        ];
        for (const [what, form, status, code, message] of cases) {
            it(`answers ${status} ${code} for ${what}, and stages nothing`, async () => {
                const res = await post(config.Url, form(config));
                assert.equal(res.status, status, res.text);
                assert.equal(res.code, code);
                assert.match(res.text, message);
                assert.match(res.text, /<RequestId>[0-9A-F]{24}<\/RequestId>/);
                await expectApiError(
                    client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE })),
                    "InvalidParameter",
                    400,
                );
            });
        }

        it("answers 403 AccessDenied once the policy has expired", async () => {
            emulator.setUploadPolicyTtl(0.05);
            const shortLived = await stagingUploadInfo(client, ROUTINE);
            await new Promise((resolve) => setTimeout(resolve, 80));
            const res = await post(shortLived.Url, uploadForm(shortLived, "x"));
            assert.equal(res.status, 403);
            assert.equal(res.code, "AccessDenied");
            assert.match(res.text, /Policy expired/);
        });

        it("answers 400 for a body that is not multipart/form-data", async () => {
            const res = await fetch(config.Url, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" });
            assert.equal(res.status, 400);
            assert.match(await res.text(), /<Code>InvalidArgument<\/Code>/);
        });

        it("answers 400 for multipart/form-data without a boundary, and for a body cut off before its last boundary", async () => {
            const noBoundary = await fetch(config.Url, { method: "POST", headers: { "content-type": "multipart/form-data" }, body: "x" });
            assert.equal(noBoundary.status, 400);
            assert.match(await noBoundary.text(), /<Code>InvalidArgument<\/Code>/);
            const cut = '--b\r\nContent-Disposition: form-data; name="key"\r\n\r\nsite_er_js/x';
            const res = await fetch(config.Url, {
                method: "POST",
                headers: { "content-type": "multipart/form-data; boundary=b" },
                body: cut,
            });
            assert.equal(res.status, 400);
            assert.match(await res.text(), /<Code>MalformedPOSTRequest<\/Code>/);
        });
    });

    it("refuses a commit with nothing staged, saying what to do", async () => {
        const error = await expectApiError(
            client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE })),
            "InvalidParameter",
            400,
        );
        assert.match(error.message, /GetRoutineStagingCodeUploadInfo/);
    });

    it("keeps the staged code after a commit and replaces it with the next upload", async () => {
        const first = await commitCode(client, ROUTINE, "one");
        const again = String(
            (await client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE }))).body?.codeVersion,
        );
        const second = await commitCode(client, ROUTINE, "two");
        assert.deepEqual(
            [await versionCode(client, first), await versionCode(client, again), await versionCode(client, second)],
            ["one", "one", "two"],
        );
    });

    it("a lost upload response: the connection drops after the code was stored, so a commit finds it", async () => {
        const config = await stagingUploadInfo(client, ROUTINE);
        emulator.injectFault({ action: "PostObject", kind: "lostResponse" });
        await expectNetworkError(fetch(config.Url, { method: "POST", body: uploadForm(config, "landed") }));
        const id = String(
            (await client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE }))).body?.codeVersion,
        );
        assert.equal(await versionCode(client, id), "landed");
        const logged = emulator.requests().find((r) => r.action === "PostObject");
        assert.equal(logged?.fault, "lostResponse");
        assert.deepEqual(logged?.params, { key: config.key }, "the key only: no policy, signature or token");
    });

    it("a reset connection stores nothing; a 503 fault answers OSS XML", async () => {
        const config = await stagingUploadInfo(client, ROUTINE);
        emulator.injectFault({ action: "PostObject", kind: "connectionReset" });
        await expectNetworkError(fetch(config.Url, { method: "POST", body: uploadForm(config, "lost") }));
        emulator.injectFault({ action: "PostObject", kind: "serviceUnavailable" });
        const res = await post(config.Url, uploadForm(config, "lost"));
        assert.equal(res.status, 503);
        assert.equal(res.code, "ServiceUnavailable");
        await expectApiError(
            client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE })),
            "InvalidParameter",
            400,
        );
    });

    it("enforces the version quota on commits, with the service's message", async () => {
        emulator.setVersionQuota(3);
        await commitCode(client, ROUTINE, "a");
        await commitCode(client, ROUTINE, "b");
        const error = await expectApiError(
            client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE })),
            "CodeVersionNumberExceedQuotaLimit",
            400,
        );
        assert.match(error.message, /code version number exceeds the quota limit/);
        assert.equal(emulator.state().routines[ROUTINE].versions.length, 3);
        await client.deleteRoutineCodeVersion(new $esa.DeleteRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: V1 }));
        await client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE }));
    });
});
