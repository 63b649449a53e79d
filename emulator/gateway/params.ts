/**
 * Request parameters of an RPC call. The SDK puts them in the query string for some
 * actions (ListUserRoutines) and in an `application/x-www-form-urlencoded` body for
 * others; both are merged into one flat string map, the body winning on a clash.
 */
import type { IncomingHttpHeaders } from "node:http";
import { parse as parseQueryString } from "node:querystring";
import type { Params } from "../model/action-params";
import { ApiError } from "../model/errors";

export function parseParams(rawQuery: string, headers: IncomingHttpHeaders, body: Buffer): Params {
    const params: Params = {};
    Object.assign(params, flatten(parseQueryString(rawQuery)));
    if (body.length > 0) {
        const contentType = String(headers["content-type"] ?? "").toLowerCase();
        if (contentType.startsWith("application/json")) {
            Object.assign(params, fromJson(body));
        } else {
            // Form encoding is the SDK's default (`reqBodyType: "formData"`).
            Object.assign(params, flatten(parseQueryString(body.toString("utf8"))));
        }
    }
    return params;
}

function flatten(parsed: NodeJS.Dict<string | string[]>): Params {
    const out: Params = {};
    for (const [key, value] of Object.entries(parsed)) {
        if (value === undefined) continue;
        out[key] = Array.isArray(value) ? (value[0] ?? "") : value;
    }
    return out;
}

function fromJson(body: Buffer): Params {
    let parsed: unknown;
    try {
        parsed = JSON.parse(body.toString("utf8"));
    } catch {
        throw new ApiError("InvalidParameter", "the JSON request body does not parse");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new ApiError("InvalidParameter", "the JSON request body must be an object");
    }
    const out: Params = {};
    for (const [key, value] of Object.entries(parsed)) {
        if (value === null || value === undefined) continue;
        out[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return out;
}
