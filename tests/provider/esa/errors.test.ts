import { strict as assert } from "assert";
import { ApiFailure, classify, EsaOperationError, explain, FailureClass, redact, toApiFailure } from "../../../provider/esa/errors";
import type { Clock } from "../../../provider/esa/clock";
import { backoffDelay, RetriesStopped, withRetries } from "../../../provider/esa/retry";

/** An error shaped like the one @alicloud/openapi-core throws for a 4xx/5xx answer. */
function sdkError(
    code: string,
    statusCode: number,
    message: string,
    requestId = "REQ-1234-ABCD",
    extra: Record<string, unknown> = {},
): Error {
    const error = new Error(`code: ${statusCode}, ${message} request id: ${requestId}`) as any;
    error.code = code;
    error.statusCode = statusCode;
    error.requestId = requestId;
    error.data = { Code: code, Message: message, RequestId: requestId, HostId: "esa.cn-hangzhou.aliyuncs.com" };
    Object.assign(error, extra);
    return error;
}

function networkError(code: string, message = "socket hang up"): Error {
    return Object.assign(new Error(message), { code });
}

const context = { action: "CreateRoutineCodeDeployment", routine: "my-routine", env: "production" };

describe("toApiFailure", () => {
    it("takes code, status, RequestId and the API's own message from an SDK error", () => {
        const failure = toApiFailure(sdkError("RoutineNotExist", 400, "The specified routine does not exist.", "6E2F-REQ"));
        assert.deepEqual(failure, {
            code: "RoutineNotExist",
            statusCode: 400,
            requestId: "6E2F-REQ",
            message: "The specified routine does not exist.",
            retryAfterMs: undefined,
        });
    });

    it("strips the SDK's 'code: 400, … request id: X' decoration when only the message is there", () => {
        const error = { code: "InvalidParameter", statusCode: 400, message: "code: 400, Percentage is invalid. request id: R-9" };
        const failure = toApiFailure(error);
        assert.equal(failure.message, "Percentage is invalid.");
        assert.equal(failure.code, "InvalidParameter");
    });

    it("falls back to data.Code and data.RequestId", () => {
        const failure = toApiFailure({ data: { Code: "ServiceBusy", Message: "busy", RequestId: "R-DATA" }, message: "x" });
        assert.equal(failure.code, "ServiceBusy");
        assert.equal(failure.requestId, "R-DATA");
        assert.equal(failure.message, "busy");
    });

    it('ignores the SDK\'s "undefined" RequestId and code strings', () => {
        const failure = toApiFailure({
            code: "undefined",
            requestId: "undefined",
            statusCode: 502,
            message: "code: 502, Bad gateway request id: undefined",
        });
        assert.equal(failure.code, undefined);
        assert.equal(failure.requestId, undefined);
        assert.equal(failure.message, "Bad gateway");
    });

    it("keeps the server's retry hint (x-acs-retry-after) in milliseconds", () => {
        const failure = toApiFailure(
            sdkError("Throttling.User", 400, "Request was denied due to user flow control.", "R-T", { retryAfter: 1500 }),
        );
        assert.equal(failure.retryAfterMs, 1500);
    });

    it("reads a Node network error (ECONNRESET): code, no RequestId", () => {
        const failure = toApiFailure(networkError("ECONNRESET"));
        assert.equal(failure.code, "ECONNRESET");
        assert.equal(failure.requestId, undefined);
        assert.equal(failure.statusCode, undefined);
        assert.equal(failure.message, "socket hang up");
    });

    it("tells a refused connection apart from throttling, and keeps the SDK's two texts apart", () => {
        const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9POST http://127.0.0.1:9/ failed."), {
            code: "ECONNREFUSED",
        });
        const message = explain(toApiFailure(refused), { action: "GetRoutine", routine: "hello" } as any).message;
        assert.match(message, /ECONNREFUSED 127\.0\.0\.1:9 \(POST http:\/\/127\.0\.0\.1:9\/ failed\)/);
        assert.match(message, /could not be reached at this address .* check the endpoint/);
        assert.doesNotMatch(message, /busy or throttled/);
    });

    it("reads the SDK's RequestTimeoutError as the code RequestTimeout", () => {
        const failure = toApiFailure({ name: "RequestTimeoutError", message: "Read timeout of 10000ms" });
        assert.equal(failure.code, "RequestTimeout");
    });

    it("copes with null, strings and other non-errors", () => {
        for (const value of [null, undefined, "boom", 42, {}]) {
            const failure = toApiFailure(value);
            assert.equal(typeof failure.message, "string");
        }
        assert.equal(toApiFailure("boom").message, "boom");
    });
});

describe("classify (SPEC §5)", () => {
    const cases: [string, ApiFailure, FailureClass][] = [
        ["Throttling.User", { code: "Throttling.User", statusCode: 400, message: "" }, "retryable"],
        ["Throttling", { code: "Throttling", statusCode: 400, message: "" }, "retryable"],
        ["TooManyRequests", { code: "TooManyRequests", statusCode: 429, message: "" }, "retryable"],
        ["ServiceBusy", { code: "ServiceBusy", statusCode: 400, message: "" }, "retryable"],
        ["ServiceUnavailable", { code: "ServiceUnavailable", statusCode: 503, message: "" }, "retryable"],
        ["InternalException", { code: "InternalException", statusCode: 400, message: "" }, "retryable"],
        ["InternalOperationError", { code: "InternalOperationError", statusCode: 400, message: "" }, "retryable"],
        ["status 500", { code: "UnknownError", statusCode: 500, message: "" }, "retryable"],
        ["status 503 without a code", { statusCode: 503, message: "" }, "retryable"],
        ["ECONNREFUSED", { code: "ECONNREFUSED", message: "connect ECONNREFUSED" }, "retryable"],
        ["ECONNRESET", { code: "ECONNRESET", message: "socket hang up" }, "ambiguous"],
        ["ETIMEDOUT", { code: "ETIMEDOUT", message: "" }, "ambiguous"],
        ["RequestTimeout", { code: "RequestTimeout", message: "" }, "ambiguous"],
        ["a ReadTimeout message", { message: "ReadTimeout(10000)" }, "ambiguous"],
        ["socket hang up without a code", { message: "socket hang up" }, "ambiguous"],
        ["RoutineNotExist", { code: "RoutineNotExist", statusCode: 400, message: "" }, "fatal"],
        ["InvalidParameter", { code: "InvalidParameter", statusCode: 400, message: "" }, "fatal"],
        ["ParameterNotExist", { code: "ParameterNotExist", statusCode: 400, message: "" }, "fatal"],
        ["DependedByOthers", { code: "DependedByOthers", statusCode: 400, message: "" }, "fatal"],
        ["RoutineUserServiceStatusHalt", { code: "RoutineUserServiceStatusHalt", statusCode: 400, message: "" }, "fatal"],
        ["InvalidAccessKeyId.NotFound", { code: "InvalidAccessKeyId.NotFound", statusCode: 404, message: "" }, "fatal"],
        ["SignatureDoesNotMatch", { code: "SignatureDoesNotMatch", statusCode: 400, message: "" }, "fatal"],
        ["Forbidden.RAM", { code: "Forbidden.RAM", statusCode: 403, message: "" }, "fatal"],
    ];
    for (const [label, failure, expected] of cases) {
        it(`${label} → ${expected}`, () => {
            assert.equal(classify(failure), expected);
        });
    }

    it("classifies what toApiFailure makes of real-shaped errors", () => {
        assert.equal(classify(toApiFailure(sdkError("Throttling.User", 400, "flow control"))), "retryable");
        assert.equal(classify(toApiFailure(networkError("ECONNRESET"))), "ambiguous");
        assert.equal(classify(toApiFailure({ name: "RequestTimeoutError", message: "timeout" })), "ambiguous");
        assert.equal(classify(toApiFailure(sdkError("RoutineNotExist", 400, "no routine"))), "fatal");
    });
});

describe("explain", () => {
    function explained(code: string, statusCode: number, message: string, ctx = context, secrets: string[] = []): EsaOperationError {
        return explain(toApiFailure(sdkError(code, statusCode, message, "REQ-42-XYZ")), ctx, secrets);
    }

    it("names the operation, routine, env, code and RequestId", () => {
        const error = explained("InvalidParameter", 400, "The parameter CodeVersions is invalid.");
        assert.ok(error instanceof EsaOperationError);
        for (const part of [
            "CreateRoutineCodeDeployment",
            '"my-routine"',
            "production",
            "InvalidParameter",
            "The parameter CodeVersions is invalid.",
            "RequestId: REQ-42-XYZ",
        ]) {
            assert.ok(error.message.includes(part), `missing ${part}: ${error.message}`);
        }
        assert.equal(error.code, "InvalidParameter");
        assert.equal(error.requestId, "REQ-42-XYZ");
        assert.equal(error.failureClass, "fatal");
    });

    it("says when there is no RequestId because ESA never answered", () => {
        const error = explain(toApiFailure(networkError("ECONNRESET")), context);
        assert.match(error.message, /no RequestId/);
        assert.equal(error.failureClass, "ambiguous");
    });

    it("RoutineNotExist: tells the user to create the routine", () => {
        const error = explained("RoutineNotExist", 400, "The routine does not exist.");
        assert.match(error.message, /create it first/);
        assert.match(error.message, /region/);
    });

    it("RoutineUserServiceStatusHalt: tells the user about the overdue payment", () => {
        const error = explained("RoutineUserServiceStatusHalt", 400, "Service halted.");
        assert.match(error.message, /overdue payment/);
        assert.match(error.message, /Nothing was changed/);
    });

    it("ParameterNotExist: points at the code versions", () => {
        assert.match(explained("ParameterNotExist", 400, "Version not found.").message, /ListRoutineCodeVersions/);
    });

    it("DependedByOthers: says to wait and run again", () => {
        assert.match(explained("DependedByOthers", 400, "Depended.").message, /wait for it to finish/);
    });

    for (const code of ["InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch", "InvalidSecurityToken.Expired"]) {
        it(`${code}: points at the AccessKey config`, () => {
            const error = explained(code, 400, "Authentication failed.", {
                ...context,
                credentials: "the AccessKey LTAI5t…001 from stack config",
            } as any);
            assert.match(error.message, /Authentication failed: check the AccessKey pair/);
            assert.ok(error.message.includes("alicloud:accessKey"), error.message);
            assert.ok(error.message.includes("ALIBABA_CLOUD_ACCESS_KEY_ID"), error.message);
            assert.ok(error.message.includes("LTAI5t…001 from stack config"), error.message);
        });
    }

    it("a 401 without a known code is treated as an authentication failure", () => {
        assert.match(explained("Unauthorized", 401, "no").message, /AccessKey pair/);
    });

    for (const code of ["Forbidden.RAM", "NoPermission", "AccessDenied"]) {
        it(`${code}: names the RAM action esa:CreateRoutineCodeDeployment`, () => {
            const error = explained(code, 403, "User not authorized to operate on the specified resource.");
            assert.ok(error.message.includes("esa:CreateRoutineCodeDeployment"), error.message);
            assert.ok(error.message.includes("esa:GetRoutine"), error.message);
            assert.match(error.message, /RAM/);
        });
    }

    it("recognises a permission code by itself, whatever the HTTP status", () => {
        const error = explain({ code: "Forbidden.RAM", statusCode: 400, message: "not authorized", requestId: "R-P" }, context);
        assert.ok(error.message.includes("esa:CreateRoutineCodeDeployment"), error.message);
    });

    it("explains a retryable failure that outlived the deadline", () => {
        assert.match(explained("Throttling.User", 400, "flow control").message, /timeoutSeconds/);
    });

    it("appends a caller's note", () => {
        const error = explain(toApiFailure(sdkError("ServiceBusy", 503, "busy")), context, [], "Gave up after 3 attempts in 20 s.");
        assert.ok(error.message.includes("Gave up after 3 attempts in 20 s."));
    });

    it("removes a secret that appears in the API's message", () => {
        const secret = "s3cr3t-AccessKeySecret-value";
        const error = explained(
            "SignatureDoesNotMatch",
            400,
            `The request signature does not conform. Server string to sign is: GET&${secret}&x`,
            context,
            [secret],
        );
        assert.ok(!error.message.includes(secret), error.message);
        assert.ok(error.message.includes("[redacted]"), error.message);
        assert.ok(error.message.includes("REQ-42-XYZ"), "the RequestId survives redaction");
    });
});

describe("redact", () => {
    it("replaces every occurrence of every secret", () => {
        assert.equal(redact("a SECRET b SECRET c TOKEN1", ["SECRET", "TOKEN1"]), "a [redacted] b [redacted] c [redacted]");
    });

    it("ignores empty and very short secrets that would shred the message", () => {
        assert.equal(redact("a b c", ["", "a"]), "a b c");
    });
});

/** A clock that advances only when slept, and records every sleep. */
function fakeClock(random = 0.5, start = 1_000_000): Clock & { sleeps: number[]; time: number } {
    const clock = {
        time: start,
        sleeps: [] as number[],
        now: () => clock.time,
        sleep: async (ms: number) => {
            clock.sleeps.push(ms);
            clock.time += ms;
        },
        random: () => random,
    };
    return clock;
}

/** An operation that throws the given errors in turn, then returns "done". */
function failingThen(errors: unknown[]): (() => Promise<string>) & { calls: number } {
    const op = async () => {
        op.calls++;
        if (op.calls <= errors.length) throw errors[op.calls - 1];
        return "done";
    };
    op.calls = 0;
    return op;
}

async function stopped(promise: Promise<unknown>): Promise<RetriesStopped> {
    try {
        await promise;
    } catch (error) {
        assert.ok(error instanceof RetriesStopped, `expected RetriesStopped, got ${error}`);
        return error;
    }
    assert.fail("expected the operation to fail");
}

describe("withRetries (SPEC §5)", () => {
    const throttled = () => sdkError("Throttling.User", 400, "Request was denied due to user flow control.");

    it("retries retryable errors, then returns the result", async () => {
        const clock = fakeClock();
        const op = failingThen([
            throttled(),
            sdkError("ServiceUnavailable", 503, "unavailable"),
            sdkError("InternalException", 500, "internal"),
        ]);
        const result = await withRetries(op, { clock, deadline: clock.now() + 60_000, retryAmbiguous: false });
        assert.equal(result, "done");
        assert.equal(op.calls, 4);
        assert.equal(clock.sleeps.length, 3);
    });

    it("fails fast on a fatal error: one attempt, no sleep", async () => {
        const clock = fakeClock();
        const op = failingThen([sdkError("RoutineNotExist", 400, "no routine")]);
        const error = await stopped(withRetries(op, { clock, deadline: clock.now() + 60_000, retryAmbiguous: true }));
        assert.equal(op.calls, 1);
        assert.equal(error.attempts, 1);
        assert.equal(error.failureClass, "fatal");
        assert.equal(error.deadlineReached, false);
        assert.equal(error.failure.code, "RoutineNotExist");
        assert.equal(error.failure.requestId, "REQ-1234-ABCD");
        assert.deepEqual(clock.sleeps, []);
    });

    it("does not retry an ambiguous failure when retryAmbiguous is false (a write)", async () => {
        const clock = fakeClock();
        const op = failingThen([networkError("ECONNRESET")]);
        const error = await stopped(withRetries(op, { clock, deadline: clock.now() + 60_000, retryAmbiguous: false }));
        assert.equal(op.calls, 1);
        assert.equal(error.failureClass, "ambiguous");
        assert.equal(error.deadlineReached, false);
    });

    it("retries an ambiguous failure when retryAmbiguous is true (a read)", async () => {
        const clock = fakeClock();
        const op = failingThen([networkError("ECONNRESET"), { name: "RequestTimeoutError", message: "timeout" }]);
        assert.equal(await withRetries(op, { clock, deadline: clock.now() + 60_000, retryAmbiguous: true }), "done");
        assert.equal(op.calls, 3);
    });

    it("stops at the deadline, never sleeping past it, and says so", async () => {
        const clock = fakeClock(0.999);
        const deadline = clock.now() + 5_000;
        const op = failingThen(Array.from({ length: 100 }, throttled));
        const error = await stopped(withRetries(op, { clock, deadline, retryAmbiguous: false }));
        assert.equal(error.deadlineReached, true);
        assert.equal(error.failureClass, "retryable");
        assert.ok(error.attempts > 1 && error.attempts < 100, `attempts: ${error.attempts}`);
        assert.equal(error.attempts, op.calls);
        assert.ok(clock.now() <= deadline, "slept past the deadline");
        assert.match(error.summary(clock.now() - 1_000_000) ?? "", /Gave up after \d+ attempts .*deadline/);
    });

    it("uses full-jitter exponential delays capped at maxDelayMs (random() = 0.999)", async () => {
        const clock = fakeClock(0.999);
        const op = failingThen(Array.from({ length: 8 }, throttled));
        await withRetries(op, { clock, deadline: clock.now() + 1_000_000, retryAmbiguous: false, baseDelayMs: 100, maxDelayMs: 2_000 });
        assert.deepEqual(clock.sleeps, [99, 199, 399, 799, 1598, 1998, 1998, 1998]);
    });

    it("uses the defaults (250 ms base, 10 s cap) when none are given", async () => {
        const clock = fakeClock(0.999);
        const op = failingThen(Array.from({ length: 8 }, throttled));
        await withRetries(op, { clock, deadline: clock.now() + 1_000_000, retryAmbiguous: false });
        assert.deepEqual(clock.sleeps, [249, 499, 999, 1998, 3996, 7992, 9990, 9990]);
    });

    it("waits 0 with random() = 0 (full jitter starts at zero)", async () => {
        const clock = fakeClock(0);
        const op = failingThen(Array.from({ length: 4 }, throttled));
        await withRetries(op, { clock, deadline: clock.now() + 60_000, retryAmbiguous: false });
        assert.deepEqual(clock.sleeps, [0, 0, 0, 0]);
    });

    it("waits at least the server's retry-after hint", async () => {
        const clock = fakeClock(0);
        const op = failingThen([sdkError("Throttling.User", 400, "flow control", "R", { retryAfter: 3_000 }), throttled()]);
        await withRetries(op, { clock, deadline: clock.now() + 60_000, retryAmbiguous: false });
        assert.deepEqual(clock.sleeps, [3_000, 0]);
    });

    it("does not wait for a retry-after hint that ends past the deadline", async () => {
        const clock = fakeClock(0);
        const op = failingThen([sdkError("Throttling.User", 400, "flow control", "R", { retryAfter: 30_000 })]);
        const error = await stopped(withRetries(op, { clock, deadline: clock.now() + 10_000, retryAmbiguous: false }));
        assert.equal(error.deadlineReached, true);
        assert.equal(error.attempts, 1);
        assert.deepEqual(clock.sleeps, []);
    });

    it("lets beforeRetry settle the operation (a deployment that landed although its answer was lost)", async () => {
        const clock = fakeClock();
        const op = failingThen([networkError("ECONNRESET"), networkError("ECONNRESET")]);
        const seen: [string | undefined, string][] = [];
        const result = await withRetries(op, {
            clock,
            deadline: clock.now() + 60_000,
            retryAmbiguous: true,
            beforeRetry: async (failure, failureClass) => {
                seen.push([failure.code, failureClass]);
                return { settled: true, value: "adopted" };
            },
        });
        assert.equal(result, "adopted");
        assert.equal(op.calls, 1, "the operation is not sent again once settled");
        assert.deepEqual(seen, [["ECONNRESET", "ambiguous"]]);
    });

    it("retries as usual when beforeRetry does not settle", async () => {
        const clock = fakeClock();
        const op = failingThen([throttled()]);
        let asked = 0;
        const result = await withRetries(op, {
            clock,
            deadline: clock.now() + 60_000,
            retryAmbiguous: false,
            beforeRetry: async () => {
                asked++;
                return undefined;
            },
        });
        assert.equal(result, "done");
        assert.equal(asked, 1);
        assert.equal(op.calls, 2);
    });

    it("backoffDelay: grows exponentially to the cap, scaled by random()", () => {
        const at = (random: number) => ({ now: () => 0, sleep: async () => undefined, random: () => random });
        assert.equal(backoffDelay(0, at(0.5), 100, 1_000), 50);
        assert.equal(backoffDelay(3, at(0.5), 100, 1_000), 400);
        assert.equal(backoffDelay(10, at(0.5), 100, 1_000), 500);
        assert.equal(backoffDelay(10, at(0), 100, 1_000, 700), 700);
    });
});
