/**
 * Shared test helpers: an official-SDK client pointed at an emulator, a raw HTTP client
 * that signs with the SDK's own signing function (for requests the SDK would never
 * send), and a one-shot capture server to record exactly what the SDK sends.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { stringify as formEncode } from "node:querystring";
import Client, * as $esa from "@alicloud/esa20240910";
import * as $dara from "@darabonba/typescript";
import { $OpenApiUtil, OpenApiUtil } from "@alicloud/openapi-core";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, type CodeVersionSplit, type Emulator } from "../../emulator";

export { $esa };

/** Two existing versions of the seeded routine, and one more for three-way tests. */
export const V1 = "1723599747213377175";
export const V2 = "1723599747213377176";
export const V3 = "1723599747213377177";
export const ROUTINE = "hello-edge";

export const UUID_UPPER = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

export interface Keys {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken?: string;
}

export const TEST_KEYS: Keys = {
    accessKeyId: DEFAULT_ACCESS_KEY_ID,
    accessKeySecret: DEFAULT_ACCESS_KEY_SECRET,
};

export function sdkClient(endpointHost: string, keys: Keys = TEST_KEYS): Client {
    return new Client(
        new $OpenApiUtil.Config({
            ...keys,
            endpoint: endpointHost,
            protocol: "http",
            regionId: "cn-hangzhou",
        }),
    );
}

export function deployRequest(
    split: CodeVersionSplit[],
    overrides: { name?: string; env?: string; strategy?: string } = {},
): $esa.CreateRoutineCodeDeploymentRequest {
    return new $esa.CreateRoutineCodeDeploymentRequest({
        name: "name" in overrides ? overrides.name : ROUTINE,
        env: "env" in overrides ? overrides.env : "production",
        strategy: "strategy" in overrides ? overrides.strategy : "percentage",
        codeVersions: split.map((c) => new $esa.CreateRoutineCodeDeploymentRequestCodeVersions(c)),
    });
}

/** The SDK error's fields a client relies on. */
export interface SdkError {
    name: string;
    code: string;
    statusCode?: number;
    requestId?: string;
    data?: Record<string, unknown>;
    message: string;
}

/** Await `promise`, which must reject with API error `code` and HTTP `status`. */
export async function expectApiError(promise: Promise<unknown>, code: string, status: number): Promise<SdkError> {
    let error: SdkError | undefined;
    try {
        await promise;
    } catch (e) {
        error = e as SdkError;
    }
    assert.ok(error, `expected the call to fail with ${code}`);
    assert.equal(error.code, code, `error code (message: ${error.message})`);
    assert.equal(error.statusCode, status, "HTTP status");
    assert.match(String(error.requestId), UUID_UPPER);
    return error;
}

/** Await `promise`, which must reject without an HTTP answer (a network-level error). */
export async function expectNetworkError(promise: Promise<unknown>): Promise<NodeJS.ErrnoException> {
    let error: NodeJS.ErrnoException | undefined;
    try {
        await promise;
    } catch (e) {
        error = e as NodeJS.ErrnoException;
    }
    assert.ok(error, "expected the call to fail");
    assert.equal((error as unknown as SdkError).statusCode, undefined, "there must be no HTTP status");
    return error;
}

export interface RawResponse {
    status: number;
    headers: IncomingHttpHeaders;
    text: string;
    json: Record<string, unknown>;
}

export interface RawRequest {
    method?: string;
    path?: string;
    headers: Record<string, string>;
    body?: string;
}

/** Send exactly these headers and body (a fresh connection each time). */
export function sendRaw(emulator: Emulator, req: RawRequest): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
        const r = httpRequest(
            {
                host: "127.0.0.1",
                port: emulator.port,
                method: req.method ?? "POST",
                path: req.path ?? "/",
                headers: req.headers,
                agent: false,
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let json: Record<string, unknown> = {};
                    try {
                        json = JSON.parse(text);
                    } catch {
                        // leave empty: the caller asserts on text
                    }
                    resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
                });
            },
        );
        r.on("error", reject);
        r.end(req.body ?? "");
    });
}

export interface SignOptions {
    host: string;
    action: string;
    /** Form body parameters. */
    params?: Record<string, string>;
    query?: Record<string, string>;
    keys?: Keys;
    /** `x-acs-date`; default now. */
    date?: string;
    nonce?: string;
    version?: string;
    /** Headers to leave out of the signature (they are still sent). */
    unsigned?: string[];
    /** Default POST. */
    method?: string;
    /** A JSON body instead of a form body (as ESA's CLI sends some actions). */
    json?: Record<string, unknown>;
}

/**
 * Build a request the way the SDK's doRequest does and sign it with the SDK's own
 * `OpenApiUtil.getAuthorization`, so the emulator is checked against the reference
 * signer rather than against itself.
 */
export function signedRequest(opts: SignOptions): RawRequest {
    const keys = opts.keys ?? TEST_KEYS;
    const body = opts.json ? JSON.stringify(opts.json) : opts.params ? formEncode(opts.params) : "";
    const query = opts.query ?? {};
    const headers: Record<string, string> = {
        host: opts.host,
        "x-acs-version": opts.version ?? "2024-09-10",
        "x-acs-action": opts.action,
        "x-acs-date": opts.date ?? OpenApiUtil.getTimestamp(),
        "x-acs-signature-nonce": opts.nonce ?? randomBytes(16).toString("hex"),
        accept: "application/json",
        "x-acs-content-sha256": createHash("sha256").update(body, "utf8").digest("hex"),
    };
    if (body) headers["content-type"] = opts.json ? "application/json" : "application/x-www-form-urlencoded";
    if (keys.securityToken) {
        headers["x-acs-accesskey-id"] = keys.accessKeyId;
        headers["x-acs-security-token"] = keys.securityToken;
    }
    const toSign = { ...headers };
    for (const name of opts.unsigned ?? []) delete toSign[name];
    const authorization = OpenApiUtil.getAuthorization(
        { pathname: "/", method: opts.method ?? "POST", query, headers: toSign } as unknown as Parameters<
            typeof OpenApiUtil.getAuthorization
        >[0],
        "ACS3-HMAC-SHA256",
        headers["x-acs-content-sha256"],
        keys.accessKeyId,
        keys.accessKeySecret,
    );
    const search = Object.keys(query).length > 0 ? `?${formEncode(query)}` : "";
    return { method: opts.method ?? "POST", path: `/${search}`, headers: { ...headers, authorization }, body };
}

export interface CapturedRequest {
    method: string;
    url: string;
    headers: Record<string, string>;
    body: string;
}

/**
 * Run `call` with an SDK client pointed at a throw-away server that records the request
 * and answers `{}`; returns exactly what the unmodified SDK put on the wire.
 */
export async function captureSdkRequest(call: (client: Client) => Promise<unknown>): Promise<CapturedRequest> {
    let captured: CapturedRequest | undefined;
    const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
            captured = { method: req.method ?? "", url: req.url ?? "", headers, body: Buffer.concat(chunks).toString("utf8") };
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ RequestId: "CAPTURED" }));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
        await call(sdkClient(`127.0.0.1:${(server.address() as AddressInfo).port}`));
    } finally {
        await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        });
    }
    assert.ok(captured, "the SDK sent no request");
    return captured;
}

/** Replay a captured request with a different body (and otherwise identical headers). */
export function replay(
    emulator: Emulator,
    captured: CapturedRequest,
    body = captured.body,
    extraHeaders: Record<string, string> = {},
): Promise<RawResponse> {
    const headers = { ...captured.headers, ...extraHeaders };
    // Transport headers are recomputed for the body actually sent.
    delete headers["content-length"];
    delete headers["connection"];
    delete headers["transfer-encoding"];
    return sendRaw(emulator, { method: captured.method, path: captured.url, headers, body });
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The staging flow's `OssPostConfig` (an untyped map in the SDK). */
export type OssPostConfig = Record<string, string>;

/** GetRoutineStagingCodeUploadInfo through the SDK. */
export async function stagingUploadInfo(client: Client, name: string, codeDescription?: string): Promise<OssPostConfig> {
    const res = await client.getRoutineStagingCodeUploadInfo(new $esa.GetRoutineStagingCodeUploadInfoRequest({ name, codeDescription }));
    const config = res.body?.ossPostConfig as OssPostConfig | undefined;
    assert.ok(config?.Url, "OssPostConfig.Url");
    return config;
}

/**
 * A form upload as terraform sends it: every OssPostConfig field but Url (the security
 * token under its form name, dropped when empty), then the file part last.
 */
export function uploadForm(
    config: OssPostConfig,
    file: string | Uint8Array,
    options: { filename?: string; extra?: Record<string, string> } = {},
): FormData {
    const form = new FormData();
    for (const [name, value] of Object.entries(config)) {
        if (name === "Url") continue;
        if (name === "XOssSecurityToken") {
            if (value) form.append("x-oss-security-token", value);
            continue;
        }
        form.append(name, value);
    }
    for (const [name, value] of Object.entries(options.extra ?? {})) form.append(name, value);
    const blob = new Blob([typeof file === "string" ? file : Buffer.from(file)]);
    if (options.filename === "") form.append("file", typeof file === "string" ? file : blob);
    else form.append("file", blob, options.filename ?? "index.js");
    return form;
}

/** Upload `code` to the routine's staging slot the way terraform does (SDK + form POST). */
export async function stageCode(client: Client, name: string, code: string): Promise<void> {
    const config = await stagingUploadInfo(client, name);
    const res = await fetch(config.Url, { method: "POST", body: uploadForm(config, code, { extra: { success_action_status: "200" } }) });
    assert.equal(res.status, 200, await res.text());
}

/** Stage `code`, then commit it: the staging flow end to end; returns the new version id. */
export async function commitCode(client: Client, name: string, code: string, codeDescription?: string): Promise<string> {
    await stageCode(client, name, code);
    const res = await client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name, codeDescription }));
    return String(res.body?.codeVersion);
}

/**
 * An action through the SDK's generic `callApi`, as ESA's CLI calls the actions SDK 2.43.0
 * lacks: parameters in a form body (the SDK default), a JSON body, or a GET query.
 */
export async function callAction(
    client: Client,
    action: string,
    parameters: Record<string, unknown>,
    style: "form" | "json" | "query" = "form",
): Promise<Record<string, any>> {
    const params = new $OpenApiUtil.Params({
        action,
        version: "2024-09-10",
        protocol: "HTTPS",
        pathname: "/",
        method: style === "query" ? "GET" : "POST",
        authType: "AK",
        style: "RPC",
        reqBodyType: style === "json" ? "json" : "formData",
        bodyType: "json",
    });
    const request =
        style === "query"
            ? new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(parameters) })
            : new $OpenApiUtil.OpenApiRequest({ body: style === "json" ? parameters : OpenApiUtil.parseToMap(parameters) });
    const response = await client.callApi(params, request, new $dara.RuntimeOptions({}));
    return (response?.body ?? {}) as Record<string, any>;
}

/**
 * A multipart body built byte for byte, for a file part exactly as ESA's CLI sends its zip
 * (a Buffer appended without filename, so the part has none).
 */
export function rawMultipart(
    fields: Array<[string, string]>,
    file: Buffer,
    options: { filename?: string; contentType?: string } = {},
): { body: Buffer; contentType: string } {
    const boundary = `----esaEmulatorTest${randomBytes(8).toString("hex")}`;
    const parts: Buffer[] = [];
    for (const [name, value] of fields) {
        parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`, "utf8"));
    }
    const filename = options.filename === undefined ? "" : `; filename="${options.filename}"`;
    const type = options.contentType === undefined ? "" : `Content-Type: ${options.contentType}\r\n`;
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"${filename}\r\n${type}\r\n`, "utf8"));
    parts.push(file, Buffer.from(`\r\n--${boundary}--\r\n`, "utf8"));
    return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
