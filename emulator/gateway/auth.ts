/**
 * Request authentication policy: which credential signed the request, whether the
 * signature covers what it must, whether the request is fresh and not a replay.
 * Each failure maps to the gateway error code a real client would get.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { CredentialRegistry } from "./credentials";
import { ApiError } from "../model/errors";
import type { NonceCache } from "./nonces";
import {
    SIGNATURE_ALGORITHM,
    canonicalRequest,
    computeSignature,
    headerValue,
    parseAuthorization,
    sha256Hex,
    signaturesEqual,
} from "./signature";

/**
 * Headers a signature must cover. Without `host`, a request could be replayed against
 * another endpoint; without `x-acs-date` and the nonce, it could be replayed later;
 * without `x-acs-content-sha256`, the body could be swapped.
 */
const REQUIRED_SIGNED_HEADERS = ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"];

const ACS_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

export interface ReceivedRequest {
    method: string;
    rawPath: string;
    rawQuery: string;
    headers: IncomingHttpHeaders;
    body: Buffer;
}

export interface AuthPolicy {
    credentials: CredentialRegistry;
    nonces: NonceCache;
    maxClockSkewSeconds: number;
}

/** The AccessKey id a request claims, before any verification (for the request log). */
export function claimedAccessKeyId(headers: IncomingHttpHeaders): string | null {
    const header = headerValue(headers, "authorization");
    const match = header ? /Credential=([^,\s]+)/.exec(header) : null;
    return match ? match[1] : null;
}

/** Verify the request; returns the AccessKey id that signed it, or throws ApiError. */
export function authenticate(req: ReceivedRequest, policy: AuthPolicy, now: number): string {
    const authorization = headerValue(req.headers, "authorization");
    if (!authorization) {
        throw new ApiError("IncompleteSignature", "the request has no Authorization header");
    }
    const parsed = parseAuthorization(authorization);
    if (parsed.algorithm !== SIGNATURE_ALGORITHM) {
        throw new ApiError("InvalidSignatureMethod", `only ${SIGNATURE_ALGORITHM} is supported, got "${parsed.algorithm}"`);
    }

    const tokenKeyId = headerValue(req.headers, "x-acs-accesskey-id");
    if (tokenKeyId !== undefined && tokenKeyId !== parsed.accessKeyId) {
        throw new ApiError("IncompleteSignature", "x-acs-accesskey-id differs from the Credential");
    }
    const securityToken = headerValue(req.headers, "x-acs-security-token");
    const credential = policy.credentials.resolve(parsed.accessKeyId, securityToken, now);

    const signed = new Set(parsed.signedHeaders);
    const mustSign = securityToken !== undefined ? [...REQUIRED_SIGNED_HEADERS, "x-acs-security-token"] : REQUIRED_SIGNED_HEADERS;
    for (const name of mustSign) {
        if (!signed.has(name)) {
            throw new ApiError("IncompleteSignature", `header "${name}" must be among SignedHeaders`);
        }
    }
    for (const name of parsed.signedHeaders) {
        if (headerValue(req.headers, name) === undefined) {
            throw new ApiError("IncompleteSignature", `signed header "${name}" is not in the request`);
        }
    }

    const nonce = headerValue(req.headers, "x-acs-signature-nonce") ?? "";
    if (nonce === "") {
        throw new ApiError("IncompleteSignature", "x-acs-signature-nonce is empty");
    }
    checkDate(headerValue(req.headers, "x-acs-date") ?? "", policy.maxClockSkewSeconds, now);

    // The signature covers the payload only through this header, so the header must
    // describe the body that actually arrived.
    const declaredHash = headerValue(req.headers, "x-acs-content-sha256") ?? "";
    if (declaredHash !== sha256Hex(req.body)) {
        throw new ApiError("SignatureDoesNotMatch", "x-acs-content-sha256 does not match the body received");
    }

    const expected = computeSignature(
        credential.secret,
        canonicalRequest({
            method: req.method,
            rawPath: req.rawPath,
            rawQuery: req.rawQuery,
            headers: req.headers,
            signedHeaders: parsed.signedHeaders,
            hashedPayload: declaredHash,
        }),
    );
    if (!signaturesEqual(expected, parsed.signature)) {
        throw new ApiError("SignatureDoesNotMatch", "the signature does not match the request");
    }

    // Checked last, so that a request refused for another reason does not burn its nonce.
    if (!policy.nonces.remember(credential.accessKeyId, nonce, now)) {
        throw new ApiError("SignatureNonceUsed", "this x-acs-signature-nonce was already used");
    }
    return credential.accessKeyId;
}

function checkDate(value: string, maxSkewSeconds: number, now: number): void {
    const m = ACS_DATE.exec(value);
    const at = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
    if (Number.isNaN(at)) {
        throw new ApiError("InvalidTimeStamp.Format", "x-acs-date must be yyyy-MM-ddTHH:mm:ssZ (UTC)");
    }
    if (Math.abs(now - at) > maxSkewSeconds * 1000) {
        throw new ApiError("InvalidTimeStamp.Expired", `x-acs-date is more than ${maxSkewSeconds}s away from the emulator's clock`);
    }
}
