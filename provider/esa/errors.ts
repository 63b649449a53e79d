/**
 * What an ESA failure means and what the user should do about it (README: Errors).
 *
 * Failures fall in three classes:
 * - `retryable`: the request was refused before anything changed (throttling, a busy or
 *   failing service); sending it again is safe.
 * - `ambiguous`: the connection broke or timed out, so the request may or may not have
 *   been carried out; reads retry, a deployment first looks whether it already landed.
 * - `fatal`: retrying cannot help (bad input, a missing routine, credentials, arrears);
 *   fail at once with a message that says what to do.
 *
 * Every message names the operation, the routine and env, the error code and the API's
 * RequestId, and is scrubbed of any credential before it leaves the provider.
 */

export type FailureClass = "retryable" | "ambiguous" | "fatal";

/** The parts of an SDK or network error that matter, in one shape. */
export interface ApiFailure {
    code?: string;
    statusCode?: number;
    requestId?: string;
    message: string;
    /** The server's own hint of when to come back (`x-acs-retry-after`), in milliseconds. */
    retryAfterMs?: number;
}

const RETRYABLE_CODES = [
    /^Throttling/i,
    /TooManyRequests/i,
    /ServiceBusy/i,
    /ServiceUnavailable/i,
    /^InternalException$/,
    /^InternalOperationError$/,
    /^InternalError$/,
    /^LockFailed$/,
];
const NETWORK_CODES = ["ECONNRESET", "EPIPE", "ETIMEDOUT", "ESOCKETTIMEDOUT", "ECONNABORTED", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"];
const AUTHENTICATION_CODES = [
    /^InvalidAccessKeyId/,
    /^SignatureDoesNotMatch$/,
    /^IncompleteSignature$/,
    /^InvalidSecurityToken/,
    /^MissingSecurityToken$/,
    /^InvalidCredentials$/,
    /^InvalidTimeStamp/,
    /^SignatureNonceUsed$/,
];
const PERMISSION_CODES = [/^Forbidden/, /^NoPermission/, /^NotAuthorized/, /^AccessDenied/];

/** Pulls code, status, RequestId and retry hint out of whatever the SDK or Node threw. */
export function toApiFailure(error: unknown): ApiFailure {
    const e = (error ?? {}) as Record<string, any>;
    const data = (e.data ?? {}) as Record<string, any>;
    const code = firstText(e.code, data.Code, e.name === "RequestTimeoutError" ? "RequestTimeout" : undefined);
    const requestId = firstText(e.requestId, data.RequestId);
    // The HTTP layer under the SDK words every request timeout as a failed connect;
    // say what happened instead: the request got no answer in time.
    const timedOut = e.name === "RequestTimeoutError";
    const apiMessage = timedOut ? "no answer from ESA within the request timeout" : (firstText(data.Message, e.message) ?? String(error));
    const retryAfter = Number(e.retryAfter);
    return {
        code,
        statusCode: typeof e.statusCode === "number" ? e.statusCode : undefined,
        requestId: requestId && requestId !== "undefined" ? requestId : undefined,
        message: stripSdkDecoration(apiMessage),
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    };
}

export function classify(failure: ApiFailure): FailureClass {
    const code = failure.code ?? "";
    if (RETRYABLE_CODES.some((pattern) => pattern.test(code))) return "retryable";
    if (failure.statusCode !== undefined && failure.statusCode >= 500) return "retryable";
    // Refused connections never reached the server: nothing can have changed.
    if (code === "ECONNREFUSED") return "retryable";
    if (NETWORK_CODES.includes(code) || code === "RequestTimeout" || /socket hang up|ReadTimeout|ConnectTimeout/i.test(failure.message)) {
        return "ambiguous";
    }
    return "fatal";
}

/** True when the API refused the request outright (throttling): nothing was carried out. */
export function wasRefused(failure: ApiFailure): boolean {
    return /^Throttling|TooManyRequests/i.test(failure.code ?? "");
}

/** The context an error message needs. */
interface OperationContext {
    /** The API action, e.g. `CreateRoutineCodeDeployment`. */
    action: string;
    routine: string;
    env?: string;
    /** Says where the credentials came from, never what they are. */
    credentials?: string;
}

/** An ESA failure as the user sees it. */
export class EsaOperationError extends Error {
    readonly code?: string;
    readonly requestId?: string;
    readonly failureClass: FailureClass;

    constructor(message: string, failure: ApiFailure, failureClass: FailureClass) {
        super(message);
        this.name = "EsaOperationError";
        this.code = failure.code;
        this.requestId = failure.requestId;
        this.failureClass = failureClass;
    }
}

/** Builds the user-facing error, scrubbed of the given secrets. */
export function explain(failure: ApiFailure, context: OperationContext, secrets: string[] = [], note?: string): EsaOperationError {
    const where = `routine "${context.routine}"${context.env ? ` (${context.env})` : ""}`;
    const code = failure.code ? `${failure.code}: ` : "";
    const advice = adviceFor(failure, context);
    const parts = [
        `ESA ${context.action} for ${where} failed: ${code}${failure.message.replace(/\.?\s*$/, ".")}`,
        advice,
        note,
        failure.requestId ? `(RequestId: ${failure.requestId})` : "(no RequestId: the request got no answer from ESA)",
    ].filter(Boolean);
    return new EsaOperationError(redact(parts.join(" "), secrets), failure, classify(failure));
}

function adviceFor(failure: ApiFailure, context: OperationContext): string {
    const code = failure.code ?? "";
    const creds = context.credentials ? ` The request used ${context.credentials}.` : "";
    if (AUTHENTICATION_CODES.some((p) => p.test(code)) || failure.statusCode === 401) {
        return (
            `Authentication failed: check the AccessKey pair (an explicit provider's accessKey / secretKey, stack config esa:accessKey / esa:secretKey ` +
            `or, on the dynamic path, alicloud:accessKey / alicloud:secretKey, ` +
            `or ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET), that an STS token has not expired, and the machine's clock.${creds}`
        );
    }
    if (PERMISSION_CODES.some((p) => p.test(code)) || failure.statusCode === 403) {
        return (
            `The caller is not allowed to do this: grant its RAM user or role the actions esa:${context.action}` +
            `${context.action === "GetRoutine" ? "" : " and esa:GetRoutine"} (for example with the AliyunESAFullAccess policy).${creds}`
        );
    }
    switch (code) {
        case "RoutineNotExist":
            return `The routine "${context.routine}" does not exist for this account and region: create it first (ESA console or API), or check the name and the region.`;
        case "InvalidParameter":
            return "ESA refused the parameters: check that every codeVersion is a committed code version of this routine, that percentages are 1–100 and add up to 100.";
        case "ParameterNotExist":
            return `A parameter refers to something that does not exist, usually a code version: list the routine's versions (ListRoutineCodeVersions) and use one of them.`;
        case "DependedByOthers":
            return "Another resource or operation depends on this one right now: wait for it to finish (or remove the dependency), then run again.";
        case "RoutineUserServiceStatusHalt":
            return "The account has overdue payments, so ESA accepts no changes: settle the balance in the Alibaba Cloud console (Expenses and Costs), then run again. Nothing was changed.";
    }
    if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(code))
        return "ESA could not be reached at this address until the operation's deadline: check the endpoint (the resource's endpoint, the provider's endpoint or esa:endpoint) or the region, and the network.";
    if (classify(failure) === "retryable")
        return "ESA kept refusing the request as busy or throttled until the operation's deadline; raise timeoutSeconds (or esa:timeoutSeconds), lower the parallelism (pulumi up --parallel), or run again later.";
    if (classify(failure) === "ambiguous")
        return "The connection to ESA broke or timed out; check the network and the endpoint, then run again (a re-run is safe: what the interrupted run already made, an identical live deployment or the same code version, is adopted, not made again).";
    return "";
}

/** Replaces every occurrence of each secret with a placeholder. */
export function redact(text: string, secrets: string[]): string {
    let result = text;
    for (const secret of secrets) {
        if (secret && secret.length >= 4) result = result.split(secret).join("[redacted]");
    }
    return result;
}

/** The SDK prefixes messages with "code: 400, " and suffixes " request id: …"; the rest is the API's own words. */
function stripSdkDecoration(message: string): string {
    return (
        message
            .replace(/^code: \d+, /, "")
            // The SDK runs a network error's text into "<METHOD> <url> failed".
            .replace(/(\S)((?:GET|POST|PUT|DELETE) https?:\/\/\S+ failed)/, "$1 ($2)")
            .replace(/ request id: \S*$/, "")
            .trim()
    );
}

function firstText(...values: unknown[]): string | undefined {
    for (const value of values) {
        if (typeof value === "string" && value !== "" && value !== "undefined") return value;
    }
    return undefined;
}
