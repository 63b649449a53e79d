/**
 * The HTTP front door. Every API request goes through the same pipeline, in the order a
 * real gateway applies it:
 *
 *   injected fault → parameters → method → version → action → signature → rate limit
 *   → action handler → answer (or, for `lostResponse`, a dropped connection)
 *
 * and is recorded in the request log. Paths under /__emulator/ go to the admin handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isKnownAction, runAction } from "./actions";
import { handleAdmin, isAdminPath } from "./admin";
import { authenticate, claimedAccessKeyId, type ReceivedRequest } from "./auth";
import type { EmulatorContext } from "./context";
import { ApiError, errorBody } from "./errors";
import { faultError } from "./faults";
import { newRequestId } from "./ids";
import { parseParams, type Params } from "./params";
import { headerValue } from "./signature";

/** The only API version this service has (`x-acs-version`). */
export const API_VERSION = "2024-09-10";

/** Requests to this API are a few hundred bytes; anything far larger is not a client of it. */
const MAX_BODY_BYTES = 1024 * 1024;

export function createApiServer(ctx: EmulatorContext): Server {
    const server = createServer((req, res) => {
        dispatch(ctx, req, res).catch((error: unknown) => {
            // Only reached when reading the request or writing the answer failed (the client went
            // away); API errors are answered inside dispatch.
            process.stderr.write(`esa-emulator: ${(error as Error).message}\n`);
            req.socket.destroy();
        });
    });
    // The SDK's HTTP agent keeps idle connections open with no timeout of its own, so the
    // server decides when they close. Node's default (5 s) makes a request sent just as the
    // server closes an idle connection fail with a spurious ECONNRESET, which would look like
    // an injected fault. close() still ends these connections at once.
    server.keepAliveTimeout = 30_000;
    return server;
}

async function dispatch(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [rawPath, rawQuery = ""] = (req.url ?? "/").split(/\?(.*)/s, 2);
    const body = await readBody(req);
    if (body === undefined) return;

    if (isAdminPath(rawPath)) {
        const answer = handleAdmin(ctx, req.method ?? "GET", rawPath, body);
        sendJson(res, answer.status, answer.body);
        return;
    }
    await handleApiRequest(ctx, req, res, rawPath, rawQuery, body);
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
    if (fault?.kind === "latency") await sleep(fault.latencyMs);

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
        payload = { RequestId: requestId, ...serve(ctx, received, action, params, arrivedAt) };
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

function serve(ctx: EmulatorContext, req: ReceivedRequest, action: string, params: Params, now: number): Record<string, unknown> {
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
    return runAction(action, { store: ctx.store, settings: ctx.settings, now }, params);
}

function internalError(error: unknown): ApiError {
    // A bug in the emulator: say so on stderr (never request contents) and answer as the
    // service would.
    process.stderr.write(`esa-emulator: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return new ApiError("InternalError", "unexpected emulator error");
}

/** Reads the whole body; undefined (connection dropped) when it is absurdly large. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
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

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
