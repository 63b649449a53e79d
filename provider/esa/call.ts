/**
 * The one way every ESA call of every resource is made (README: Errors): each HTTP
 * request bounded; retried with backoff within the operation's deadline (`withRetries`);
 * paced by the process's rate limiter, which the caller's API object applies below any
 * read shared from memory (`pacedApi`), and which a retry tells not to send past the
 * deadline; and a failure that stops the retries turned into the user-facing error: the
 * action, the routine, what to do, the RequestId, never a secret.
 */
import type { CallOptions } from "./sdk";
import type { Clock } from "./clock";
import { Connection, describeCredentials, secretsOf } from "./config";
import { ApiFailure, classify, explain, EsaOperationError, FailureClass, redact } from "./errors";
import { RetriesStopped, retryBound, withRetries } from "./retry";

/** The longest one HTTP request may take, unless a call says otherwise; the operation's deadline bounds the total. */
const MAX_REQUEST_MS = 30_000;

/** What the calls of one operation share: where and who, its clock, and whether its API is paced. */
export interface CallContext {
    connection: Connection;
    clock: Clock;
    /** The API applies the rate limiter (`pacedApi`): a throttled attempt goes again at its pace. */
    paced?: boolean;
}

/** Advice by error code, for resources whose failures need other words than a deployment's. */
type Advice = Record<string, (routine: string) => string>;

interface CallSpec<T> {
    /** The API action (or `OSS PostObject` for the upload), for messages. */
    action: string;
    routine: string;
    env?: string;
    /** One request; `options` bound its time and, for a retry, say the operation's deadline. */
    run: (options: CallOptions) => Promise<T>;
    /** May a request whose answer was lost be sent again as is? True for reads and idempotent writes. */
    retryAmbiguous: boolean;
    /** Before each retry: may settle the call (a change that landed although its answer was lost). */
    beforeRetry?: (failure: ApiFailure, failureClass: FailureClass) => Promise<{ settled: true; value: T } | undefined>;
    /** The longest one request may take (an upload carries the whole source). */
    maxRequestMs?: number;
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

/** The calls of one operation, within its deadline. */
export class Calls {
    readonly started: number;
    deadline: number;

    constructor(
        readonly ctx: CallContext,
        private readonly advice: Advice = {},
        /** How long the operation may take; default the connection's `timeoutSeconds`. */
        durationMs = ctx.connection.timeoutMs,
    ) {
        this.started = ctx.clock.now();
        this.deadline = this.started + durationMs;
    }

    /** Restarts the deadline: a release that waited its turn gets its full time. */
    restartDeadline(): void {
        this.deadline = this.ctx.clock.now() + this.ctx.connection.timeoutMs;
    }

    async call<T>(spec: CallSpec<T>): Promise<T> {
        const deadline = this.deadline;
        try {
            return await withRetries(
                (attempt) =>
                    spec.run({ timeoutMs: this.requestTimeout(spec.maxRequestMs ?? MAX_REQUEST_MS), ...retryBound(attempt, deadline) }),
                {
                    deadline,
                    clock: this.ctx.clock,
                    retryAmbiguous: spec.retryAmbiguous,
                    beforeRetry: spec.beforeRetry,
                    paced: this.ctx.paced,
                },
            );
        } catch (error) {
            if (!(error instanceof RetriesStopped)) throw error;
            const note = error.summary(this.ctx.clock.now() - this.started);
            throw new CallFailed(
                error.failure,
                error.failureClass,
                this.explain(error.failure, { action: spec.action, routine: spec.routine, env: spec.env }, note),
                error.attempts,
            );
        }
    }

    explain(failure: ApiFailure, context: { action: string; routine: string; env?: string }, note?: string): EsaOperationError {
        const credentials = describeCredentials(this.ctx.connection.credentials);
        const advice = this.advice[failure.code ?? ""]?.(context.routine);
        if (!advice) return explain(failure, { ...context, credentials }, secretsOf(this.ctx.connection.credentials), note);
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

/**
 * What to do about the failures of a routine's code (`Routine`, `RoutineCodeVersion`),
 * whose shared advice (`./errors`) speaks of deployments.
 */
export const CODE_ADVICE: Advice = {
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
