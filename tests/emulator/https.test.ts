/**
 * HTTPS: the emulator serves the same API and upload endpoint over TLS with a certificate
 * its own CA signed; a client trusts it through the CA file (`ca` option, or
 * NODE_EXTRA_CA_CERTS in another process). The upload URL follows the scheme of the call.
 * A CA made in a temporary folder is removed at close; a caDir the caller gave is kept.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import Client from "@alicloud/esa20240910";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import * as $dara from "@darabonba/typescript";
import { startEmulator, type Emulator } from "../../emulator";
import {
    $esa,
    ROUTINE,
    TEST_KEYS,
    V1,
    expectNetworkError,
    signedRequest,
    uploadForm,
    type OssPostConfig,
    type RawRequest,
} from "./helpers";

/** POST a FormData over HTTPS, trusting only `ca`. */
async function postForm(url: string, form: FormData, ca: string): Promise<{ status: number; text: string }> {
    const encoded = new Response(form);
    const body = Buffer.from(await encoded.arrayBuffer());
    return new Promise((resolve, reject) => {
        const req = httpsRequest(
            url,
            { method: "POST", ca, headers: { "content-type": encoded.headers.get("content-type") ?? "" } },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
            },
        );
        req.on("error", reject);
        req.end(body);
    });
}

/** Send a signed request over HTTPS exactly as built, trusting only `ca`. */
function sendHttps(endpoint: string, req: RawRequest, ca: string): Promise<{ status: number; json: Record<string, any> }> {
    return new Promise((resolve, reject) => {
        const r = httpsRequest(
            `${endpoint}${req.path ?? "/"}`,
            { method: req.method ?? "POST", headers: req.headers, ca, agent: false },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
            },
        );
        r.on("error", reject);
        r.end(req.body ?? "");
    });
}

describe("emulator: HTTPS", () => {
    let emulator: Emulator;
    let caDir: string;
    let ca: string;
    let client: Client;
    let runtime: $dara.RuntimeOptions;

    before(async () => {
        caDir = mkdtempSync(join(tmpdir(), "esa-emulator-ca-"));
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1] }, https: { caDir }, edge: false });
        ca = readFileSync(String(emulator.caFile), "utf8");
        client = new Client(
            new $OpenApiUtil.Config({ ...TEST_KEYS, endpoint: emulator.httpsHost, protocol: "https", regionId: "cn-hangzhou" }),
        );
        runtime = new $dara.RuntimeOptions({ ca });
    });
    beforeEach(() => emulator.reset());
    after(async () => {
        await emulator.close();
        rmSync(caDir, { recursive: true, force: true });
    });

    it("exposes its HTTPS endpoint, the CA file and the NODE_EXTRA_CA_CERTS line; HTTP stays available", async () => {
        assert.match(String(emulator.httpsEndpoint), /^https:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(emulator.httpsEndpoint, `https://${emulator.httpsHost}`);
        assert.equal(emulator.caFile, join(caDir, "ca.pem"));
        assert.equal(emulator.nodeExtraCaCerts, `NODE_EXTRA_CA_CERTS=${emulator.caFile}`);
        assert.match(ca, /BEGIN CERTIFICATE/);
        assert.equal((await fetch(`${emulator.endpoint}/__emulator/state`)).status, 200);
    });

    it("serves the SDK over HTTPS, signature checked, with the same state as HTTP", async () => {
        const res = await client.getErServiceWithOptions(new $esa.GetErServiceRequest({}), runtime);
        assert.equal(res.body?.status, "Running");
        const got = await client.getRoutineWithOptions(new $esa.GetRoutineRequest({ name: ROUTINE }), runtime);
        assert.ok(got.body?.createTime);
        const wrongKey = new Client(
            new $OpenApiUtil.Config({
                ...TEST_KEYS,
                accessKeySecret: "wrong",
                endpoint: emulator.httpsHost,
                protocol: "https",
                regionId: "cn-hangzhou",
            }),
        );
        await assert.rejects(wrongKey.getErServiceWithOptions(new $esa.GetErServiceRequest({}), runtime), /SignatureDoesNotMatch/);
    });

    it("takes plain signed HTTPS requests as Alibaba's tools send them: GET query, JSON body, form body", async () => {
        const host = String(emulator.httpsHost);
        const viaQuery = await sendHttps(
            String(emulator.httpsEndpoint),
            signedRequest({ host, action: "GetRoutineCodeVersion", method: "GET", query: { Name: ROUTINE, CodeVersion: V1 } }),
            ca,
        );
        assert.equal(viaQuery.status, 200, JSON.stringify(viaQuery.json));
        assert.ok(viaQuery.json.RoutineCode);
        const viaJson = await sendHttps(
            String(emulator.httpsEndpoint),
            signedRequest({ host, action: "CreateRoutine", json: { Name: "cli-made", Description: "", HasAssets: true } }),
            ca,
        );
        assert.equal(viaJson.status, 200, JSON.stringify(viaJson.json));
        assert.ok(emulator.state().routines["cli-made"]);
        const viaForm = await sendHttps(
            String(emulator.httpsEndpoint),
            signedRequest({ host, action: "GetRoutineStagingCodeUploadInfo", params: { Name: "cli-made" } }),
            ca,
        );
        assert.equal(viaForm.status, 200, JSON.stringify(viaForm.json));
        assert.equal(viaForm.json.OssPostConfig.Url, `${emulator.httpsEndpoint}/oss/esa-emulator-code`);
        const badSignature = signedRequest({ host, action: "GetErService", method: "GET", query: {} });
        badSignature.headers.authorization = badSignature.headers.authorization.replace(/Signature=[0-9a-f]{4}/, "Signature=0000");
        const refused = await sendHttps(String(emulator.httpsEndpoint), badSignature, ca);
        assert.deepEqual([refused.status, refused.json.Code], [400, "SignatureDoesNotMatch"]);
    });

    it("is refused by a client that does not trust the CA", async () => {
        await expectNetworkError(client.getErService(new $esa.GetErServiceRequest({})));
    });

    it("hands out an https upload URL to an HTTPS caller and takes the upload over TLS", async () => {
        const info = await client.getRoutineStagingCodeUploadInfoWithOptions(
            new $esa.GetRoutineStagingCodeUploadInfoRequest({ name: ROUTINE }),
            runtime,
        );
        const config = info.body?.ossPostConfig as OssPostConfig;
        assert.equal(config.Url, `${emulator.httpsEndpoint}/oss/esa-emulator-code`);
        const res = await postForm(config.Url, uploadForm(config, "export default 'tls';"), ca);
        assert.equal(res.status, 200, res.text);
        const commit = await client.commitRoutineStagingCodeWithOptions(
            new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE }),
            runtime,
        );
        const code = await client.getRoutineCodeVersionWithOptions(
            new $esa.GetRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: commit.body?.codeVersion }),
            runtime,
        );
        assert.equal(Buffer.from(String(code.body?.routineCode), "base64").toString("utf8"), "export default 'tls';");

        // An HTTP caller gets the HTTP URL.
        const plain = new Client(
            new $OpenApiUtil.Config({ ...TEST_KEYS, endpoint: emulator.host, protocol: "http", regionId: "cn-hangzhou" }),
        );
        const overHttp = await plain.getRoutineStagingCodeUploadInfo(new $esa.GetRoutineStagingCodeUploadInfoRequest({ name: ROUTINE }));
        assert.equal((overHttp.body?.ossPostConfig as OssPostConfig).Url, emulator.uploadUrl);
    });

    it("is trusted by another process through NODE_EXTRA_CA_CERTS", async function () {
        this.timeout(10_000);
        const script = `fetch(${JSON.stringify(`${emulator.httpsEndpoint}/__emulator/state`)}).then((r) => console.log(r.status), (e) => { console.log(String(e.cause ?? e)); process.exit(3); })`;
        const run = (env: NodeJS.ProcessEnv) =>
            new Promise<{ code: number | null; out: string }>((resolve) => {
                const child = spawn(process.execPath, ["-e", script], { env, stdio: ["ignore", "pipe", "pipe"] });
                let out = "";
                child.stdout.on("data", (c: Buffer) => (out += c.toString()));
                child.on("exit", (code) => resolve({ code, out }));
            });
        const { NODE_EXTRA_CA_CERTS: _inherited, ...env } = process.env;
        const [trusted, untrusted] = await Promise.all([run({ ...env, NODE_EXTRA_CA_CERTS: emulator.caFile }), run(env)]);
        assert.equal(trusted.out.trim(), "200");
        assert.equal(untrusted.code, 3, untrusted.out);
    });

    it("reuses the CA already in caDir at the next start, so a trust setting survives restarts", async () => {
        const again = await startEmulator({ https: { caDir }, edge: false });
        try {
            assert.equal(readFileSync(String(again.caFile), "utf8"), ca);
            assert.ok(existsSync(join(caDir, "ca-key.pem")));
            const res = await new Client(
                new $OpenApiUtil.Config({ ...TEST_KEYS, endpoint: again.httpsHost, protocol: "https", regionId: "cn-hangzhou" }),
            ).getErServiceWithOptions(new $esa.GetErServiceRequest({}), runtime);
            assert.equal(res.body?.status, "Running");
        } finally {
            await again.close();
        }
    });
});

describe("emulator: HTTPS temporary CA folders", () => {
    // os.tmpdir() follows TMPDIR, so the emulators below make their folders in a directory
    // of this test's own, where no other process's folders can appear.
    let privateTmp: string;
    let savedTmpdir: string | undefined;
    const leftovers = () => readdirSync(privateTmp).filter((name) => name.startsWith("esa-emulator-tls-"));

    beforeEach(() => {
        privateTmp = mkdtempSync(join(tmpdir(), "esa-emulator-tmp-"));
        savedTmpdir = process.env.TMPDIR;
        process.env.TMPDIR = privateTmp;
    });
    afterEach(() => {
        if (savedTmpdir === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = savedTmpdir;
        rmSync(privateTmp, { recursive: true, force: true });
    });

    it("removes the CA folder it made at close, for every start", async () => {
        const emulators = [await startEmulator({ https: true, edge: false }), await startEmulator({ https: true, edge: false })];
        const folders = emulators.map((emulator) => dirname(String(emulator.caFile)));
        assert.deepEqual(leftovers().sort(), folders.map((folder) => basename(folder)).sort(), "each start made its own folder here");
        await Promise.all(emulators.map((emulator) => emulator.close()));
        assert.deepEqual(leftovers(), []);
    });

    it("removes it when the start fails after making it (HTTPS port taken)", async () => {
        const taken = createNetServer();
        await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
        try {
            const port = (taken.address() as AddressInfo).port;
            await assert.rejects(startEmulator({ https: { port }, edge: false }), /EADDRINUSE/);
            assert.deepEqual(leftovers(), []);
        } finally {
            await new Promise((resolve) => taken.close(resolve));
        }
    });

    it("keeps a caDir the caller gave", async () => {
        const caDir = join(privateTmp, "kept-ca");
        const emulator = await startEmulator({ https: { caDir }, edge: false });
        await emulator.close();
        assert.ok(existsSync(join(caDir, "ca.pem")) && existsSync(join(caDir, "ca-key.pem")));
    });
});
