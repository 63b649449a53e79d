/**
 * Error catalogue: every code the emulator can answer, with the HTTP status and message
 * the real service uses. Sources: the CreateRoutineCodeDeployment reference (seeds/) for
 * the ESA codes, and Alibaba Cloud's public list of gateway ("common") error codes for
 * authentication, routing and throttling.
 *
 * Messages are the service's own generic texts, so clients see what they would see in
 * production; the specific reason for a refusal is kept in `ApiError.detail`, which only
 * goes to the emulator's request log.
 */

interface ErrorDefinition {
    status: number;
    message: string;
}

const GENERIC_FAILURE = "Failed to call the service. Try again later or contact technical support.";

export const ERROR_CATALOGUE = {
    // --- ESA (seeds/) -----------------------------------------------------------------
    InternalException: { status: 400, message: GENERIC_FAILURE },
    RoutineNotExist: {
        status: 400,
        message: "The routine name does not exist. Check the routine name and try again.",
    },
    ParameterNotExist: {
        status: 400,
        message: "The specified parameter does not exist. Check your configurations and try again.",
    },
    InternalOperationError: { status: 400, message: GENERIC_FAILURE },
    DependedByOthers: { status: 400, message: GENERIC_FAILURE },
    RoutineUserServiceStatusHalt: {
        status: 400,
        message: "Failed to update the configurations because you have overdue payments.",
    },
    InvalidParameter: {
        status: 400,
        message: "Parameter verification failed. Check your configurations and try again.",
    },
    // CreateRoutine's documented code and message for a name already taken.
    RoutineAlreadyExist: { status: 400, message: "The routine name already exists." },
    // CreateRoutine's documented code when the Edge Routine service is not opened.
    ServiceNotOpen: { status: 400, message: "The Edge Routine service is not activated." },
    // The code is the emulator's choice (modelled on RoutineNumberExceedQuotaLimit); the
    // message is the one observed from the service when a routine has too many versions.
    CodeVersionNumberExceedQuotaLimit: { status: 400, message: "code version number exceeds the quota limit" },

    // --- Gateway: routing -------------------------------------------------------------
    "InvalidAction.NotFound": {
        status: 404,
        message: "Specified api is not found, please check your url and method.",
    },
    InvalidVersion: { status: 400, message: "Specified parameter Version is not valid." },
    UnsupportedHTTPMethod: { status: 400, message: "This http method is not supported." },

    // --- Gateway: authentication --------------------------------------------------------
    IncompleteSignature: {
        status: 400,
        message: "The request signature does not conform to Aliyun standards.",
    },
    InvalidSignatureMethod: { status: 400, message: "Specified signature method is not valid." },
    "InvalidAccessKeyId.NotFound": { status: 404, message: "Specified access key is not found." },
    SignatureDoesNotMatch: {
        status: 400,
        message: "Specified signature is not matched with our calculation.",
    },
    "InvalidTimeStamp.Format": {
        status: 400,
        message: "Specified time stamp or date value is not well formatted.",
    },
    "InvalidTimeStamp.Expired": {
        status: 400,
        message: "Specified time stamp or date value is expired.",
    },
    SignatureNonceUsed: { status: 400, message: "Specified signature nonce was used already." },
    MissingSecurityToken: { status: 400, message: "SecurityToken is mandatory for this action." },
    "InvalidSecurityToken.Expired": { status: 400, message: "Specified SecurityToken is expired." },
    "InvalidSecurityToken.Malformed": { status: 400, message: "Specified SecurityToken is malformed." },
    "InvalidSecurityToken.MismatchWithAccessKey": {
        status: 400,
        message: "Specified SecurityToken mismatch with the AccessKey.",
    },

    // --- Gateway: capacity and failures -------------------------------------------------
    "Throttling.User": { status: 400, message: "Request was denied due to user flow control." },
    ServiceUnavailable: {
        status: 503,
        message: "The request has failed due to a temporary failure of the server.",
    },
    InternalError: {
        status: 500,
        message: "The request processing has failed due to some unknown error, exception or failure.",
    },
} satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** A refusal the emulator answers with the API's JSON error body. */
export class ApiError extends Error {
    readonly code: ErrorCode;
    readonly status: number;
    /** Why, in emulator terms; recorded in the request log, never sent to the client. */
    readonly detail?: string;

    /** `message` replaces the catalogue's text where the service is known to say more. */
    constructor(code: ErrorCode, detail?: string, message?: string) {
        super(message ?? ERROR_CATALOGUE[code].message);
        this.name = "ApiError";
        this.code = code;
        this.status = ERROR_CATALOGUE[code].status;
        this.detail = detail;
    }
}

/** The JSON error body the SDK parses: it reads `Code`, `Message` and `RequestId`. */
export function errorBody(error: ApiError, requestId: string, hostId: string): Record<string, string> {
    return {
        RequestId: requestId,
        HostId: hostId,
        Code: error.code,
        Message: error.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=ESA&requestId=${requestId}`,
    };
}
