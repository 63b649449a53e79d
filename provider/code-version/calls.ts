/**
 * One ESA call of the release resources, the way every call is made (SPEC §5): through
 * `withRetries` (backoff within the operation's deadline, and the process-wide rate
 * limiter hooked there), each HTTP request bounded, and a failure that stops the
 * retries turned into the user-facing error: the action, the routine, what to do, the
 * RequestId, never a secret.
 */
import type { Logger } from "../engine/log";
import type { CallOptions, ReleaseApi } from "../esa/client";
import { Connection, describeCredentials, secretsOf } from "../esa/config";
import { ApiFailure, classify, explain, EsaOperationError, FailureClass, redact } from "../esa/errors";
import { Clock, RetriesStopped, withRetries } from "../esa/retry";

/** The longest one HTTP request may take; the operation's deadline bounds the total. */
const MAX_REQUEST_MS = 30_000;
/** An upload carries the whole source: give it longer. */
const MAX_UPLOAD_MS = 120_000;

export interface ReleaseContext {
    api: ReleaseApi;
    connection: Connection;
    clock: Clock;
    log: Logger;
}

export interface CallSpec<T> {
    /** The API action (or `OSS PostObject` for the upload), for messages. */
    action: string;
    routine: string;
    run: (options: CallOptions) => Promise<T>;
    /** May a request whose answer was lost be sent again as is? True for reads and idempotent writes. */
    retryAmbiguous: boolean;
    /** Before each retry: may settle the call (a change that landed although its answer was lost). */
    beforeRetry?: (failure: ApiFailure, failureClass: FailureClass) => Promise<{ settled: true; value: T } | undefined>;
    upload?: boolean;
}

/** A failure that stopped the retries, with what the user should read. */
export class CallFailed extends Error {
    constructor(
        readonly failure: ApiFailure,
        readonly failureClass: FailureClass,
        readonly userError: EsaOperationError,
        /** How many requests were sent. */
        readonly attempts: number,
    ) {
        super(userError.message);
        this.name = "CallFailed";
    }
}

export class Calls {
    readonly started: number;
    deadline: number;

    constructor(readonly ctx: ReleaseContext) {
        this.started = ctx.clock.now();
        this.deadline = this.started + ctx.connection.timeoutMs;
    }

    /** Restarts the deadline: a release that waited its turn gets its full time. */
    restartDeadline(): void {
        this.deadline = this.ctx.clock.now() + this.ctx.connection.timeoutMs;
    }

    async call<T>(spec: CallSpec<T>): Promise<T> {
        try {
            return await withRetries(() => spec.run({ timeoutMs: this.requestTimeout(spec.upload ? MAX_UPLOAD_MS : MAX_REQUEST_MS) }), {
                deadline: this.deadline,
                clock: this.ctx.clock,
                retryAmbiguous: spec.retryAmbiguous,
                beforeRetry: spec.beforeRetry,
            });
        } catch (error) {
            if (!(error instanceof RetriesStopped)) throw error;
            const note = error.summary(this.ctx.clock.now() - this.started);
            throw new CallFailed(
                error.failure,
                error.failureClass,
                this.explain(error.failure, { action: spec.action, routine: spec.routine }, note),
                error.attempts,
            );
        }
    }

    explain(failure: ApiFailure, context: { action: string; routine: string }, note?: string): EsaOperationError {
        const credentials = describeCredentials(this.ctx.connection.credentials);
        const advice = RELEASE_ADVICE[failure.code ?? ""]?.(context.routine);
        if (!advice) return explain(failure, { ...context, credentials }, secretsOf(this.ctx.connection.credentials), note);
        // The shared advice for these codes speaks of deployments; a release needs its own.
        const text = [
            `ESA ${context.action} for routine "${context.routine}" failed: ${failure.code}: ${failure.message.replace(/\.?\s*$/, ".")}`,
            advice,
            note,
            failure.requestId ? `(RequestId: ${failure.requestId})` : "(no RequestId: the request got no answer from ESA)",
        ]
            .filter(Boolean)
            .join(" ");
        return new EsaOperationError(this.redact(text), failure, classify(failure));
    }

    /** Scrubs a message of this connection's secrets. */
    redact(message: string): string {
        return redact(message, secretsOf(this.ctx.connection.credentials));
    }

    remainingMs(): number {
        return this.deadline - this.ctx.clock.now();
    }

    private requestTimeout(max: number): number {
        return Math.max(1_000, Math.min(max, this.deadline - this.ctx.clock.now()));
    }
}

/** What to do about the failures whose shared advice (`../esa/errors`) is about deployments. */
const RELEASE_ADVICE: Record<string, (routine: string) => string> = {
    RoutineNotExist: (routine) =>
        `The routine "${routine}" does not exist for this account and region: create it first (a Routine resource in this stack, the ESA console or the API), or check the name and the region.`,
    InvalidParameter: () =>
        'ESA refused the parameters: check the routine name, the description and deployEnv ("staging" or "production"); for an upload, run `pulumi up` again (upload permissions expire after a few minutes).',
    ParameterNotExist: () =>
        "A parameter refers to something that does not exist, usually a code version deleted meanwhile: run `pulumi refresh`, then `pulumi up`.",
};

/** ESA says the thing asked about does not exist (the routine or the version). */
export function isNotFound(failure: ApiFailure): boolean {
    return (
        /NotExist|NotFound/i.test(failure.code ?? "") || (failure.code === "InvalidParameter" && /not (exist|found)/i.test(failure.message))
    );
}

/** The version quota of the routine is full. */
export function isQuotaFull(failure: ApiFailure): boolean {
    return (
        /ExceedQuota|QuotaLimit|QuotaExceeded/i.test(failure.code ?? "") ||
        /code version number exceeds the quota limit/i.test(failure.message)
    );
}
