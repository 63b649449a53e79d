/**
 * Alibaba Cloud signature V3 (`ACS3-HMAC-SHA256`), the server side: parse the
 * Authorization header and recompute the signature from what was actually received.
 *
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n
 *                      CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
 *   StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
 *   Signature        = hex(hmac-sha256(secret, StringToSign))
 *
 * Mirrors `getAuthorization` in @alicloud/openapi-core's utils.js, which is what the
 * official SDKs sign with. Pure functions only; policy (which headers must be signed,
 * clock skew, nonces) lives in auth.ts.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ApiError } from "../model/errors";

export const SIGNATURE_ALGORITHM = "ACS3-HMAC-SHA256";

interface ParsedAuthorization {
    algorithm: string;
    accessKeyId: string;
    signedHeaders: string[];
    signature: string;
}

/** Parse `ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<a;b>,Signature=<hex>`. */
export function parseAuthorization(header: string): ParsedAuthorization {
    const space = header.indexOf(" ");
    if (space <= 0) {
        throw new ApiError("IncompleteSignature", "Authorization has no algorithm and credential parts");
    }
    const algorithm = header.slice(0, space);
    const fields = new Map<string, string>();
    for (const part of header.slice(space + 1).split(",")) {
        const eq = part.indexOf("=");
        if (eq <= 0) {
            throw new ApiError("IncompleteSignature", `malformed Authorization part "${part.trim()}"`);
        }
        fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const accessKeyId = fields.get("Credential");
    const signedHeaders = fields.get("SignedHeaders");
    const signature = fields.get("Signature");
    if (!accessKeyId || !signedHeaders || !signature) {
        throw new ApiError("IncompleteSignature", "Authorization must carry Credential, SignedHeaders and Signature");
    }
    if (!/^[0-9a-f]{64}$/.test(signature)) {
        throw new ApiError("IncompleteSignature", "Signature must be 64 lower-case hex digits");
    }
    return { algorithm, accessKeyId, signedHeaders: signedHeaders.split(";"), signature };
}

/** The SDK's `encode`: encodeURIComponent plus the RFC 3986 reserved characters it leaves alone. */
function percentEncode(value: string): string {
    return encodeURIComponent(value)
        .replace(/!/g, "%21")
        .replace(/'/g, "%27")
        .replace(/\(/g, "%28")
        .replace(/\)/g, "%29")
        .replace(/\*/g, "%2A");
}

export function sha256Hex(data: Buffer | string): string {
    return createHash("sha256").update(data).digest("hex");
}

/** Same normalisation the SDK applies to the pathname before signing. */
function canonicalUri(rawPath: string): string {
    return (rawPath || "/").replace(/\+/g, "%20").replace(/\*/g, "%2A").replace(/%7E/g, "~");
}

/**
 * Decode the query string as received, then re-encode and sort it. Names are encoded as
 * well as values (the V3 rule); the SDK encodes values only, which is the same thing for
 * the plain ASCII parameter names the API uses.
 */
function canonicalQueryString(rawQuery: string): string {
    if (!rawQuery) return "";
    const pairs = rawQuery
        .split("&")
        .filter((p) => p.length > 0)
        .map((pair) => {
            const eq = pair.indexOf("=");
            const key = eq < 0 ? pair : pair.slice(0, eq);
            const value = eq < 0 ? "" : pair.slice(eq + 1);
            return [percentEncode(formDecode(key)), percentEncode(formDecode(value))] as const;
        });
    pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
    return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

function formDecode(s: string): string {
    try {
        return decodeURIComponent(s.replace(/\+/g, " "));
    } catch {
        return s;
    }
}

/** The value the signer saw for a header: trimmed; repeated headers joined with ",". */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
    const value = headers[name];
    if (value === undefined) return undefined;
    return Array.isArray(value)
        ? value
              .map((v) => v.trim())
              .sort()
              .join(",")
        : value.trim();
}

interface CanonicalRequestInput {
    method: string;
    rawPath: string;
    rawQuery: string;
    headers: IncomingHttpHeaders;
    signedHeaders: string[];
    hashedPayload: string;
}

export function canonicalRequest(input: CanonicalRequestInput): string {
    const canonicalHeaders = input.signedHeaders.map((name) => `${name}:${headerValue(input.headers, name) ?? ""}\n`).join("");
    return [
        input.method.toUpperCase(),
        canonicalUri(input.rawPath),
        canonicalQueryString(input.rawQuery),
        canonicalHeaders,
        input.signedHeaders.join(";"),
        input.hashedPayload,
    ].join("\n");
}

export function computeSignature(secret: string, canonical: string): string {
    const stringToSign = `${SIGNATURE_ALGORITHM}\n${sha256Hex(canonical)}`;
    return createHmac("sha256", secret).update(stringToSign).digest("hex");
}

/** Compare two hex signatures without leaking, through timing, how much of them matched. */
export function signaturesEqual(expected: string, received: string): boolean {
    const a = Buffer.from(expected, "utf8");
    const b = Buffer.from(received, "utf8");
    return a.length === b.length && timingSafeEqual(a, b);
}
