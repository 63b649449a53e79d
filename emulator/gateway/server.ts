/**
 * The HTTP front door. Every API request goes through the same pipeline, in the order a
 * real gateway applies it:
 *
 *   injected fault → parameters → method → version → action → signature → rate limit
 *   → action handler → answer (or, for `lostResponse`, a dropped connection)
 *
 * and is recorded in the request log. Paths under /__emulator/ go to the admin handler,
 * `/oss/<bucket>` to the form-upload endpoint (oss-upload.ts). The same handler serves
 * HTTP and HTTPS.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { isKnownAction, runAction } from "../model/actions";
import { handleAdmin, isAdminPath } from "./admin";
import { authenticate, claimedAccessKeyId, type ReceivedRequest } from "./auth";
import type { EmulatorContext } from "../context";
import { ApiError, errorBody } from "../model/errors";
import { faultError, type PendingFault } from "./faults";
import { newRequestId } from "../model/ids";
import { acceptUpload, OssError, ossErrorXml, ossRequestId, readUploadForm, sendUploadAnswer, UPLOAD_ACTION } from "./oss-upload";
import type { Params } from "../model/action-params";
import { parseParams } from "./params";
import { headerValue } from "./signature";
import { MAX_UPLOAD_BYTES, OSS_PATH } from "../model/upload-policy";

/** The only API version this service has (`x-acs-version`). */
export const API_VERSION = "2024-09-10";

/** Requests to this API are a few hundred bytes; anything far larger is not a client of it. */
const MAX_BODY_BYTES = 1024 * 1024;

export function createApiServer(ctx: EmulatorContext): Server {
    const server = createServer(apiRequestListener(ctx));
    configureKeepAlive(server);
    return server;
}

/** The request handler, for an HTTP or an HTTPS server. */
export function apiRequestListener(ctx: EmulatorContext): RequestListener {
    return (req, res) => {
        dispatch(ctx, req, res).catch((error: unknown) => {
            // Only reached when reading the request or writing the answer failed (the client went
            // away); API errors are answered inside dispatch.
            process.stderr.write(`esa-emulator: ${(error as Error).message}\n`);
            req.socket.destroy();
        });
    };
}

export function configureKeepAlive(server: Pick<Server, "keepAliveTimeout">): void {
    // The SDK's HTTP agent keeps idle connections open with no timeout of its own, so the
    // server decides when they close. Node's default (5 s) makes a request sent just as the
    // server closes an idle connection fail with a spurious ECONNRESET, which would look like
    // an injected fault. close() still ends these connections at once.
    server.keepAliveTimeout = 30_000;
}

async function dispatch(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [rawPath, rawQuery = ""] = (req.url ?? "/").split(/\?(.*)/s, 2);
    const isUpload = rawPath === OSS_PATH || rawPath === `${OSS_PATH}/`;
    // Uploads carry code and static files; API requests are a few hundred bytes.
    const body = await readBody(req, isUpload ? MAX_UPLOAD_BYTES + 64 * 1024 : MAX_BODY_BYTES);
    if (body === undefined) return;

    if (isUpload) {
        await handleUpload(ctx, req, res, body);
        return;
    }
    if (isAdminPath(rawPath)) {
        const answer = handleAdmin(ctx, req.method ?? "GET", rawPath, body);
        sendJson(res, answer.status, answer.body);
        return;
    }
    await handleApiRequest(ctx, req, res, rawPath, rawQuery, body);
}

async function handleUpload(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const arrivedAt = Date.now();
    const requestId = ossRequestId();
    const base = { action: UPLOAD_ACTION, accessKeyId: null, requestId, at: new Date(arrivedAt).toISOString() };
    const fault = ctx.faults.take(UPLOAD_ACTION);
    if (fault?.kind === "connectionReset") {
        // Dropped before anything was stored.
        ctx.log.record({ ...base, params: {}, status: 0, fault: fault.kind });
        dropConnection(req);
        return;
    }
    await answerDelay(ctx, fault);

    let status: number;
    let answer: () => void;
    let code: string | undefined;
    // The object key only (no policy, signature or token), to tell uploads apart in the log.
    const params: Record<string, string> = {};
    try {
        if (req.method !== "POST")
            throw new OssError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
        const injected = fault ? faultError(fault.kind) : undefined;
        if (injected) {
            throw injected.status >= 500
                ? new OssError(injected.status, injected.status === 503 ? "ServiceUnavailable" : "InternalError", injected.message)
                : new OssError(503, "ServiceUnavailable", "Please reduce your request rate.");
        }
        const fields = await readUploadForm(req.headers, body);
        const key = fields.get("key");
        if (typeof key === "string") params.key = key;
        const outcome = acceptUpload(ctx, fields, arrivedAt);
        status = outcome.status;
        answer = () => sendUploadAnswer(res, outcome, requestId);
    } catch (error) {
        const failure = error instanceof OssError ? error : new OssError(500, "InternalError", "unexpected emulator error");
        if (!(error instanceof OssError)) process.stderr.write(`esa-emulator: upload: ${(error as Error)?.stack ?? String(error)}\n`);
        status = failure.status;
        code = failure.code;
        answer = () =>
            sendUploadAnswer(
                res,
                { status: failure.status, body: ossErrorXml(failure, requestId), contentType: "application/xml" },
                requestId,
            );
    }
    ctx.log.record({ ...base, params, status, ...(code ? { code } : {}), ...(fault ? { fault: fault.kind } : {}) });
    if (fault?.kind === "lostResponse") {
        // The upload landed; only the answer is lost.
        dropConnection(req);
        return;
    }
    answer();
}

/** `<scheme>://<host>` of a request, as the client addressed the emulator. */
function requestOrigin(ctx: EmulatorContext, req: IncomingMessage): string {
    const encrypted = (req.socket as TLSSocket).encrypted === true;
    const host = headerValue(req.headers, "host");
    if (host) return `${encrypted ? "https" : "http"}://${host}`;
    return (encrypted ? ctx.endpoints.httpsEndpoint : undefined) ?? ctx.endpoints.endpoint;
}

async function handleApiRequest(
    ctx: EmulatorContext,
    req: IncomingMessage,
    res: ServerResponse,
    rawPath: string,
    rawQuery: string,
    body: Buffer,
): Promise<void> {
    const arrivedAt = Date.now();
    const requestId = newRequestId();
    const action = headerValue(req.headers, "x-acs-action") ?? "";
    const base = {
        action,
        accessKeyId: claimedAccessKeyId(req.headers),
        requestId,
        at: new Date(arrivedAt).toISOString(),
    };

    const fault = ctx.faults.take(action);
    // The body has been read by now, so the client sees a reset connection rather than
    // (depending on timing) a failed write.
    if (fault?.kind === "connectionReset") {
        ctx.log.record({ ...base, params: {}, status: 0, fault: fault.kind });
        dropConnection(req);
        return;
    }
    await answerDelay(ctx, fault);

    let params: Params = {};
    let status: number;
    let payload: Record<string, unknown>;
    let failure: ApiError | undefined;
    try {
        const injected = fault ? faultError(fault.kind) : undefined;
        if (injected) throw injected;
        params = parseParams(rawQuery, req.headers, body);
        const received: ReceivedRequest = {
            method: (req.method ?? "").toUpperCase(),
            rawPath,
            rawQuery,
            headers: req.headers,
            body,
        };
        payload = { RequestId: requestId, ...serve(ctx, received, action, params, arrivedAt, requestOrigin(ctx, req)) };
        status = 200;
    } catch (error) {
        failure = error instanceof ApiError ? error : internalError(error);
        payload = errorBody(failure, requestId, headerValue(req.headers, "host") ?? "");
        status = failure.status;
    }

    ctx.log.record({
        ...base,
        params,
        status,
        ...(failure ? { code: failure.code, detail: failure.detail } : {}),
        ...(fault ? { fault: fault.kind } : {}),
    });

    if (fault?.kind === "lostResponse") {
        // The change is committed; only the answer is lost on its way back.
        dropConnection(req);
        return;
    }
    sendJson(res, status, payload, { "x-acs-request-id": requestId });
}

function serve(
    ctx: EmulatorContext,
    req: ReceivedRequest,
    action: string,
    params: Params,
    now: number,
    origin: string,
): Record<string, unknown> {
    if (req.method !== "POST" && req.method !== "GET") {
        throw new ApiError("UnsupportedHTTPMethod", `method ${req.method} is not accepted`);
    }
    const version = headerValue(req.headers, "x-acs-version");
    if (version !== API_VERSION) {
        throw new ApiError("InvalidVersion", `x-acs-version must be ${API_VERSION}, got "${version ?? ""}"`);
    }
    if (!isKnownAction(action)) {
        throw new ApiError("InvalidAction.NotFound", `the emulator does not implement "${action}"`);
    }
    authenticate(req, ctx.auth, now);
    if (!ctx.rateLimiter.tryAcquire(now)) {
        throw new ApiError("Throttling.User", `over the rate limit of ${ctx.rateLimiter.requestsPerSecond}/s`);
    }
    return runAction(
        action,
        { store: ctx.store, settings: ctx.settings, now, tickets: ctx.tickets, endpoints: ctx.endpoints, origin },
        params,
    );
}

function internalError(error: unknown): ApiError {
    // A bug in the emulator: say so on stderr (never request contents) and answer as the
    // service would.
    process.stderr.write(`esa-emulator: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return new ApiError("InternalError", "unexpected emulator error");
}

/** Reads the whole body; undefined (connection dropped) when it is absurdly large. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > limit) {
            req.socket.destroy();
            return undefined;
        }
        chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
        "content-type": "application/json;charset=utf-8",
        "content-length": Buffer.byteLength(text),
        ...headers,
    });
    res.end(text);
}

/** Close the connection abruptly (TCP RST where supported), without an HTTP answer. */
function dropConnection(req: IncomingMessage): void {
    const socket = req.socket as typeof req.socket & { resetAndDestroy?: () => void };
    if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
    else socket.destroy();
}

/** The account's round trip, plus an injected latency fault's wait. */
function answerDelay(ctx: EmulatorContext, fault: PendingFault | undefined): Promise<void> {
    const ms = ctx.settings.roundTripMs + (fault?.kind === "latency" ? fault.latencyMs : 0);
    return ms > 0 ? sleep(ms) : Promise.resolve();
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
