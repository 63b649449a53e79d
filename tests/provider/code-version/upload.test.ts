/**
 * The OSS form upload of the release flows: `OssPostConfig` turned into form fields as
 * OSS and Alibaba's own tools expect them, and the multipart POST itself (fields first,
 * the file last as `file`), against a local server that records what arrives.
 */
import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { createSdkCodeVersionApi, toUploadForm } from "../../../provider/code-version/api";
import { resolveConnection } from "../../../provider/esa/config";

describe("release upload: OssPostConfig → form upload", () => {
    it("keeps every key but Url, lower-cases Key/Policy, renames XOssSecurityToken and drops it when empty", () => {
        assert.deepEqual(
            toUploadForm({
                Url: "https://oss",
                OSSAccessKeyId: "id",
                key: "k",
                policy: "p",
                Signature: "s",
                callback: "c",
                "x:codeDescription": "d",
            }),
            {
                url: "https://oss",
                fields: [
                    ["OSSAccessKeyId", "id"],
                    ["key", "k"],
                    ["policy", "p"],
                    ["Signature", "s"],
                    ["callback", "c"],
                    ["x:codeDescription", "d"],
                ],
            },
        );
        assert.deepEqual(toUploadForm({ Url: "u", Key: "k", Policy: "p", XOssSecurityToken: "" }).fields, [
            ["key", "k"],
            ["policy", "p"],
        ]);
        assert.deepEqual(toUploadForm({ Url: "u", XOssSecurityToken: "tok" }).fields, [["x-oss-security-token", "tok"]]);
    });

    describe("the multipart POST", () => {
        let server: http.Server;
        let received: { contentType: string; body: string } | undefined;
        let answer = 204;
        before(async () => {
            server = http.createServer((req, res) => {
                const chunks: Buffer[] = [];
                req.on("data", (c) => chunks.push(c));
                req.on("end", () => {
                    received = { contentType: String(req.headers["content-type"]), body: Buffer.concat(chunks).toString("utf8") };
                    res.statusCode = answer;
                    res.end(
                        answer === 403
                            ? "<Error><Code>AccessDenied</Code><Message>Policy expired.</Message><RequestId>OSS-1</RequestId></Error>"
                            : "",
                    );
                });
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        });
        after(() => new Promise<void>((resolve) => server.close(() => resolve())));

        const api = () => createSdkCodeVersionApi(resolveConnection({}, () => undefined, {}));
        const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/oss/bucket`;

        it("sends the fields in order, then the file last as `file` with its filename", async () => {
            answer = 204;
            await api().upload(
                {
                    url: url(),
                    fields: [
                        ["key", "site/x.js"],
                        ["policy", "p"],
                    ],
                },
                Buffer.from("export default 1"),
                "index.js",
                { timeoutMs: 5_000 },
            );
            assert.match(received!.contentType, /^multipart\/form-data; boundary=/);
            const body = received!.body;
            const positions = ['name="key"', 'name="policy"', 'name="file"; filename="index.js"'].map((part) => body.indexOf(part));
            assert.ok(
                positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1])),
                body,
            );
            assert.ok(body.includes("export default 1"));
        });

        it("a refusal becomes an error with OSS's code and RequestId", async () => {
            answer = 403;
            await assert.rejects(
                api().upload({ url: url(), fields: [] }, Buffer.from("x"), "index.js", { timeoutMs: 5_000 }),
                (error: any) => {
                    assert.equal(error.code, "AccessDenied");
                    assert.equal(error.requestId, "OSS-1");
                    assert.match(error.message, /Policy expired/);
                    return true;
                },
            );
        });
    });
});
