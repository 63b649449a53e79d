/**
 * ACS3-HMAC-SHA256 verification: the emulator must accept what the official SDK signs
 * and refuse, with the gateway's real codes, anything signed wrongly, tampered with
 * after signing, stale, replayed, or presented with the wrong security token.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator, type Emulator } from "../../emulator";
import {
    $esa,
    ROUTINE,
    TEST_KEYS,
    V1,
    V2,
    captureSdkRequest,
    deployRequest,
    expectApiError,
    replay,
    sdkClient,
    sendRaw,
    signedRequest,
    type Keys,
} from "./helpers";

const SECOND_KEYS: Keys = { accessKeyId: "LTAI5tSecondTestKey0001", accessKeySecret: "second-test-secret-1111111111" };
const STS: Keys = { accessKeyId: "STS.NTestTemporaryKey01", accessKeySecret: "sts-temp-secret-aaaa", securityToken: "CAIS-token-one" };
const STS_OTHER: Keys = {
    accessKeyId: "STS.NTestTemporaryKey02",
    accessKeySecret: "sts-temp-secret-bbbb",
    securityToken: "CAIS-token-two",
};
const STS_EXPIRED: Keys = {
    accessKeyId: "STS.NTestTemporaryKey03",
    accessKeySecret: "sts-temp-secret-cccc",
    securityToken: "CAIS-token-old",
};

function isoSecondsAgo(seconds: number): string {
    return new Date(Date.now() - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

describe("emulator: signature and credentials", () => {
    let emulator: Emulator;
    const getRoutine = (keys: Keys) => sdkClient(emulator.host, keys).getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE }));

    before(async () => {
        emulator = await startEmulator({
            routines: { [ROUTINE]: [V1, V2] },
            accessKeys: {
                [DEFAULT_ACCESS_KEY_ID]: DEFAULT_ACCESS_KEY_SECRET,
                [SECOND_KEYS.accessKeyId]: SECOND_KEYS.accessKeySecret,
            },
            stsCredentials: [
                { ...STS, securityToken: STS.securityToken! },
                { ...STS_OTHER, securityToken: STS_OTHER.securityToken! },
                { ...STS_EXPIRED, securityToken: STS_EXPIRED.securityToken!, expiresAt: Date.now() - 1000 },
            ],
        });
    });
    beforeEach(() => emulator.reset());
    after(() => emulator.close());

    describe("AccessKey pairs", () => {
        it("accepts every configured pair and records which one signed", async () => {
            await getRoutine(TEST_KEYS);
            await getRoutine(SECOND_KEYS);
            assert.deepEqual(
                emulator.requests().map((r) => [r.accessKeyId, r.status]),
                [
                    [DEFAULT_ACCESS_KEY_ID, 200],
                    [SECOND_KEYS.accessKeyId, 200],
                ],
            );
        });

        it("refuses a wrong secret with SignatureDoesNotMatch and the service's message", async () => {
            const error = await expectApiError(
                getRoutine({ accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: "not-the-secret" }),
                "SignatureDoesNotMatch",
                400,
            );
            assert.equal(error.data?.Message, "Specified signature is not matched with our calculation.");
        });

        it("refuses another key's secret (a pair mixed up) with SignatureDoesNotMatch", async () => {
            await expectApiError(
                getRoutine({ accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: SECOND_KEYS.accessKeySecret }),
                "SignatureDoesNotMatch",
                400,
            );
        });

        it("refuses an unknown AccessKey id with InvalidAccessKeyId.NotFound (404)", async () => {
            await expectApiError(
                getRoutine({ accessKeyId: "LTAI5tNoSuchKey", accessKeySecret: "whatever" }),
                "InvalidAccessKeyId.NotFound",
                404,
            );
        });

        it("only knows the configured pairs: the default test pair needs no configuration, but is not added to others", async () => {
            const onlySecond = await startEmulator({ accessKeys: { [SECOND_KEYS.accessKeyId]: SECOND_KEYS.accessKeySecret } });
            const defaults = await startEmulator({});
            try {
                await expectApiError(
                    sdkClient(onlySecond.host).listUserRoutines(new $esa.ListUserRoutinesRequest({})),
                    "InvalidAccessKeyId.NotFound",
                    404,
                );
                const res = await sdkClient(defaults.host).listUserRoutines(new $esa.ListUserRoutinesRequest({}));
                assert.equal(res.statusCode, 200);
            } finally {
                await Promise.all([onlySecond.close(), defaults.close()]);
            }
        });
    });

    describe("Authorization header", () => {
        const base = () => signedRequest({ host: emulator.host, action: "GetRoutine", params: { Name: ROUTINE } });

        it("accepts a request signed by the SDK's getAuthorization (the reference signer)", async () => {
            const res = await sendRaw(emulator, base());
            assert.equal(res.status, 200, res.text);
        });

        it("refuses a request without Authorization with IncompleteSignature", async () => {
            const req = base();
            delete req.headers.authorization;
            const res = await sendRaw(emulator, req);
            assert.equal(res.status, 400);
            assert.equal(res.json.Code, "IncompleteSignature");
            assert.equal(emulator.requests().at(-1)?.accessKeyId, null);
        });

        const malformed: Array<[string, (sig: string) => string]> = [
            ["algorithm only", () => "ACS3-HMAC-SHA256"],
            ["no Signature", () => `ACS3-HMAC-SHA256 Credential=${DEFAULT_ACCESS_KEY_ID},SignedHeaders=host`],
            ["a part without '='", (sig) => `ACS3-HMAC-SHA256 Credential=${DEFAULT_ACCESS_KEY_ID},SignedHeaders,Signature=${sig}`],
            [
                "a signature that is not hex",
                () => `ACS3-HMAC-SHA256 Credential=${DEFAULT_ACCESS_KEY_ID},SignedHeaders=host,Signature=${"z".repeat(64)}`,
            ],
        ];
        for (const [what, build] of malformed) {
            it(`refuses a malformed Authorization (${what}) with IncompleteSignature`, async () => {
                const req = base();
                const sig = /Signature=([0-9a-f]+)/.exec(req.headers.authorization)![1];
                req.headers.authorization = build(sig);
                const res = await sendRaw(emulator, req);
                assert.equal(res.status, 400);
                assert.equal(res.json.Code, "IncompleteSignature");
            });
        }

        it("refuses another signature algorithm with InvalidSignatureMethod", async () => {
            const req = base();
            req.headers.authorization = req.headers.authorization.replace("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3");
            const res = await sendRaw(emulator, req);
            assert.equal(res.json.Code, "InvalidSignatureMethod");
        });

        for (const header of ["x-acs-content-sha256", "host", "x-acs-date"]) {
            it(`refuses a signature that does not cover ${header}, even though it verifies (IncompleteSignature)`, async () => {
                const req = signedRequest({ host: emulator.host, action: "GetRoutine", params: { Name: ROUTINE }, unsigned: [header] });
                assert.ok(!req.headers.authorization.includes(`${header};`) && !req.headers.authorization.endsWith(header));
                const res = await sendRaw(emulator, req);
                assert.equal(res.status, 400);
                assert.equal(res.json.Code, "IncompleteSignature");
            });
        }
    });

    describe("tampering and replay (a request captured from the unmodified SDK)", () => {
        const captureDeployment = () =>
            captureSdkRequest((client) => client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }])));

        it("refuses a body changed after signing, accepts the original once, then refuses its replay", async () => {
            const captured = await captureDeployment();
            assert.equal(captured.method, "POST");
            assert.equal(captured.headers["content-type"], "application/x-www-form-urlencoded");
            assert.ok(captured.body.includes(V1));
            const tampered = captured.body.replace(V1, V2);
            assert.notEqual(tampered, captured.body);

            // 1. Body swapped, headers (and their signed body hash) as signed.
            const swapped = await replay(emulator, captured, tampered);
            assert.equal(swapped.status, 400);
            assert.equal(swapped.json.Code, "SignatureDoesNotMatch");

            // 2. Body swapped and the hash header recomputed to match it: the hash header is signed.
            const rehashed = await replay(emulator, captured, tampered, {
                "x-acs-content-sha256": createHash("sha256").update(tampered).digest("hex"),
            });
            assert.equal(rehashed.status, 400);
            assert.equal(rehashed.json.Code, "SignatureDoesNotMatch");
            assert.deepEqual(emulator.state().routines[ROUTINE].deployments, {}, "nothing was deployed");

            // 3. The untouched request is valid: the refusals above were about the tampering.
            const original = await replay(emulator, captured);
            assert.equal(original.status, 200, original.text);
            assert.equal(emulator.state().routines[ROUTINE].deployments.production?.codeVersions[0].codeVersion, V1);

            // 4. The same signed request again: its nonce is spent.
            const again = await replay(emulator, captured);
            assert.equal(again.status, 400);
            assert.equal(again.json.Code, "SignatureNonceUsed");
        });

        it("refuses a query string changed after signing", async () => {
            const captured = await captureSdkRequest((client) =>
                client.listUserRoutines(new $esa.ListUserRoutinesRequest({ pageSize: 5 })),
            );
            assert.match(captured.url, /PageSize=5/);
            const res = await replay(emulator, { ...captured, url: captured.url.replace("PageSize=5", "PageSize=6") });
            assert.equal(res.json.Code, "SignatureDoesNotMatch");
            assert.equal((await replay(emulator, captured)).status, 200);
        });

        it("refuses a changed action header (the action is signed)", async () => {
            const captured = await captureSdkRequest((client) => client.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE })));
            const res = await replay(emulator, captured, captured.body, { "x-acs-action": "DeleteRoutine" });
            assert.equal(res.json.Code, "SignatureDoesNotMatch");
            assert.ok(emulator.state().routines[ROUTINE], "the routine is still there");
        });
    });

    describe("request time", () => {
        const at = (date: string, target = emulator) =>
            sendRaw(target, signedRequest({ host: target.host, action: "GetRoutine", params: { Name: ROUTINE }, date }));

        it("refuses a correctly signed request dated an hour ago or ahead with InvalidTimeStamp.Expired", async () => {
            for (const date of [isoSecondsAgo(3600), isoSecondsAgo(-3600)]) {
                const res = await at(date);
                assert.equal(res.status, 400);
                assert.equal(res.json.Code, "InvalidTimeStamp.Expired");
            }
        });

        it("accepts a date within the allowed skew (5 minutes)", async () => {
            assert.equal((await at(isoSecondsAgo(300))).status, 200);
        });

        it("refuses a date that is not yyyy-MM-ddTHH:mm:ssZ with InvalidTimeStamp.Format", async () => {
            const res = await at("2024-09-10 12:00:00");
            assert.equal(res.json.Code, "InvalidTimeStamp.Format");
        });

        it("applies maxClockSkewSeconds", async () => {
            const strict = await startEmulator({ routines: { [ROUTINE]: [V1] }, maxClockSkewSeconds: 60 });
            try {
                assert.equal((await at(isoSecondsAgo(120), strict)).json.Code, "InvalidTimeStamp.Expired");
                assert.equal((await at(isoSecondsAgo(30), strict)).status, 200);
            } finally {
                await strict.close();
            }
        });
    });

    describe("STS security tokens", () => {
        it("accepts a temporary key with its own token (SDK configured with securityToken)", async () => {
            const res = await getRoutine(STS);
            assert.equal(res.statusCode, 200);
            assert.equal(emulator.requests().at(-1)?.accessKeyId, STS.accessKeyId);
        });

        it("refuses a token issued for another temporary key (MismatchWithAccessKey)", async () => {
            await expectApiError(
                getRoutine({ ...STS, securityToken: STS_OTHER.securityToken }),
                "InvalidSecurityToken.MismatchWithAccessKey",
                400,
            );
        });

        it("refuses a token it never issued (Malformed)", async () => {
            await expectApiError(getRoutine({ ...STS, securityToken: "CAIS-forged" }), "InvalidSecurityToken.Malformed", 400);
        });

        it("refuses a temporary key used without its token (MissingSecurityToken)", async () => {
            await expectApiError(
                getRoutine({ accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret }),
                "MissingSecurityToken",
                400,
            );
        });

        it("refuses an expired token (InvalidSecurityToken.Expired)", async () => {
            await expectApiError(getRoutine(STS_EXPIRED), "InvalidSecurityToken.Expired", 400);
        });

        it("refuses a permanent key presented with a token", async () => {
            await expectApiError(
                getRoutine({ ...TEST_KEYS, securityToken: STS.securityToken }),
                "InvalidSecurityToken.MismatchWithAccessKey",
                400,
            );
        });
    });

    it("never echoes a secret or token in answers or in the request log", async () => {
        const answers: string[] = [];
        for (const keys of [
            { accessKeyId: DEFAULT_ACCESS_KEY_ID, accessKeySecret: "wrong-secret-zzz" },
            { ...STS, securityToken: "CAIS-forged" },
            STS,
        ]) {
            try {
                const res = await getRoutine(keys);
                answers.push(JSON.stringify(res.body));
            } catch (e) {
                answers.push(JSON.stringify((e as { data?: unknown }).data));
            }
        }
        const everything = answers.join("\n") + JSON.stringify(emulator.requests());
        for (const secret of [DEFAULT_ACCESS_KEY_SECRET, "wrong-secret-zzz", STS.accessKeySecret, STS.securityToken!, "CAIS-forged"]) {
            assert.ok(!everything.includes(secret), `"${secret}" leaked`);
        }
    });
});
