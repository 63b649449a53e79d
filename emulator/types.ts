/**
 * Public types of the local ESA emulator. Kept in one place so that the
 * server, the admin path and the CLI agree on the same shapes.
 */

/** The two environments an ESA routine can serve code from. */
export type Env = "staging" | "production";

export const ENVS: readonly Env[] = ["staging", "production"];

/** One entry of a percentage split, as the API's `CodeVersions` carries it. */
export interface CodeVersionSplit {
    /** 19-digit version id, always a string (a JavaScript number cannot hold it). */
    codeVersion: string;
    percentage: number;
}

/** How `DeploymentId` is written in CreateRoutineCodeDeployment's response. The API's
 * documentation shows both: `"234"` (Chinese page) and `234` (English page). */
export type DeploymentIdMode = "string" | "number";

export type FaultKind =
    | "throttling"
    | "serviceUnavailable"
    | "internalError"
    | "internalException"
    | "internalOperationError"
    | "latency"
    | "connectionReset"
    | "lostResponse";

export const FAULT_KINDS: readonly FaultKind[] = [
    "throttling",
    "serviceUnavailable",
    "internalError",
    "internalException",
    "internalOperationError",
    "latency",
    "connectionReset",
    "lostResponse",
];

export interface FaultSpec {
    /** Action name (`x-acs-action`), or "*" for any action. */
    action: string;
    kind: FaultKind;
    /** How many matching requests the fault applies to. Default 1. */
    count?: number;
    /** Only for `latency`: how long to wait before answering. */
    latencyMs?: number;
}

/** A temporary (STS) credential: the key pair is only valid together with its token. */
export interface StsCredential {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken: string;
    /** When the token stops being accepted (ISO-8601 string or epoch milliseconds). */
    expiresAt?: string | number;
}

/** What GetErService reports as the account's Edge Routine service status. */
export type ErServiceStatus = "Running" | "NotOpened" | "Stopped";

/** How the edge answers for one version (all optional; default: 200 naming routine and version). */
export interface VersionBehaviour {
    /** Share of requests answered 500, from 0 to 1. */
    errorRate?: number;
    /** Status of every answer (before errorRate applies). */
    status?: number;
    /** Added before answering. */
    latencyMs?: number;
    body?: string;
}

/** Requests the edge served: routine → env → version → counts (errors = answers >= 500). */
export type EdgeCounts = Record<string, Partial<Record<Env, Record<string, { requests: number; errors: number }>>>>;

/** A version created out of band (`createVersion`). */
export interface VersionInput {
    /** Default: a fresh id. */
    codeVersion?: string;
    /** The routine's JavaScript (what GetRoutineCodeVersion returns). */
    code?: string;
    description?: string;
    /** Default "available". */
    status?: string;
}

export interface EmulatorOptions {
    /** TCP port; 0 (the default) picks any free port. */
    port?: number;
    /** Interface to bind; default 127.0.0.1 so the unauthenticated admin path stays local. */
    host?: string;
    /** AccessKey id → secret. Default: the documented test pair in `gateway/credentials.ts`. */
    accessKeys?: Record<string, string>;
    stsCredentials?: StsCredential[];
    /** Routine name → ids of its existing code versions (19-digit strings). */
    routines?: Record<string, string[]>;
    /** Order of `Envs` in GetRoutine. Default `["production", "staging"]`. */
    envOrder?: Env[];
    /** Default "string". */
    deploymentIdAs?: DeploymentIdMode;
    /** For this long after CreateRoutineCodeDeployment, GetRoutine still shows the previous
     * split (eventual consistency). Default 0. */
    readAfterWriteDelayMs?: number;
    /** Persist routines, versions and deployments to this JSON file and reload it at start. */
    statePath?: string;
    /** Accepted difference between `x-acs-date` and the emulator's clock. Default 900 (15 min). */
    maxClockSkewSeconds?: number;
    /** Code versions a routine may keep; one more fails with CodeVersionNumberExceedQuotaLimit. Default 10. */
    versionQuota?: number;
    /** How long an assets version stays `init` after its zip is uploaded. Default 200. */
    buildDelayMs?: number;
    /**
     * Every API and upload answer waits this long first, as a remote account's round trip
     * does (network and service time). Default 0: answers as fast as the machine allows.
     */
    roundTripMs?: number;
    /** Lifetime of the upload policies handed out. Default 300 (5 min). */
    uploadPolicyTtlSeconds?: number;
    /** What GetErService answers. Default "Running". */
    erServiceStatus?: ErServiceStatus;
    /**
     * Also serve HTTPS with a generated certificate. `true`: CA written to a new temporary
     * directory, removed at close; `{ caDir }`: CA kept in (and reused from) that directory; `port` 0 (default) picks one.
     */
    https?: boolean | { caDir?: string; port?: number };
    /** The edge (default on): `false` to skip it, `{ port }` for a fixed port (0 picks one). */
    edge?: boolean | { port?: number };
    /** Random numbers for the edge's weighted pick and error rates, in [0, 1). Default Math.random. */
    edgeRandom?: () => number;
}

export interface RecordedRequest {
    action: string;
    /** The AccessKey id the request claimed (verified or not); null when it carried none. */
    accessKeyId: string | null;
    /** Query and form parameters as received (strings). */
    params: Record<string, string>;
    /** HTTP status sent, or that would have been sent for `lostResponse`; 0 for `connectionReset`. */
    status: number;
    code?: string;
    /** Why a request was refused, in more words than the API's generic message. */
    detail?: string;
    requestId: string;
    /** ISO-8601 time the request arrived. */
    at: string;
    /** The injected fault that shaped this answer, if any. */
    fault?: FaultKind;
}

export interface DeploymentState {
    deploymentId: string;
    strategy: "percentage";
    creationTime: string;
    codeVersions: CodeVersionSplit[];
}

export interface CodeVersionState {
    codeVersion: string;
    description: string;
    createTime: string;
    /** `init`, `available`, or a failed build's status. */
    status: string;
    /** False for ids that were seeded or set out of band without code. */
    hasCode: boolean;
    /** Static files of an assets version (paths under `assets/`). */
    assets?: string[];
}

export interface RoutineState {
    description: string;
    createTime: string;
    versions: CodeVersionState[];
    /** The latest (committed) deployment per environment, regardless of read-after-write delay. */
    deployments: Partial<Record<Env, DeploymentState>>;
}

export interface EmulatorState {
    overdue: boolean;
    routines: Record<string, RoutineState>;
}

export interface Emulator {
    /** e.g. "http://127.0.0.1:8787" */
    readonly endpoint: string;
    /** e.g. "127.0.0.1:8787": what the SDK's `endpoint` config expects. */
    readonly host: string;
    readonly port: number;
    /** With `https`: e.g. "https://127.0.0.1:8788" (same API, same state). */
    readonly httpsEndpoint?: string;
    /** With `https`: "127.0.0.1:8788", for the SDK's `endpoint` with protocol "https". */
    readonly httpsHost?: string;
    /** With `https`: the CA certificate (PEM) that signed the emulator's certificate. */
    readonly caFile?: string;
    /** With `https`: `NODE_EXTRA_CA_CERTS=<caFile>`, for processes that must trust the emulator. */
    readonly nodeExtraCaCerts?: string;
    /** Production edge, "http://127.0.0.1:<port>" (undefined with `edge: false`). */
    readonly edgeUrl?: string;
    /** Staging edge, "http://127.0.0.2:<same port>" (another port on 127.0.0.1 where 127.0.0.2 is unavailable). */
    readonly stagingEdgeUrl?: string;
    /** The form-upload endpoint's URL over HTTP (`/oss/<bucket>`). */
    readonly uploadUrl: string;
    close(): Promise<void>;

    requests(): RecordedRequest[];
    countByAction(): Record<string, number>;
    clearRequests(): void;

    injectFault(fault: FaultSpec): void;
    clearFaults(): void;
    setRateLimit(requestsPerSecond: number | undefined): void;

    /** An out-of-band change, as if made in the console: a new deployment id, immediately
     * visible; versions the routine does not have yet are created. Returns the deployment id. */
    setDeployment(name: string, env: Env, codeVersions: CodeVersionSplit[]): string;
    deleteRoutine(name: string): void;
    addRoutine(name: string, versions?: string[]): void;
    setOverdue(overdue: boolean): void;
    setEnvOrder(order: Env[]): void;
    setDeploymentIdAs(mode: DeploymentIdMode): void;
    setReadAfterWriteDelay(ms: number): void;

    setVersionQuota(quota: number): void;
    setBuildDelay(ms: number): void;
    /** Every API and upload answer waits `ms` first (see EmulatorOptions.roundTripMs). */
    setRoundTrip(ms: number): void;
    setUploadPolicyTtl(seconds: number): void;
    setErServiceStatus(status: ErServiceStatus): void;

    /** The next assets build of `routine` ends with this status (default "failed") instead of "available". */
    failNextBuild(routine: string, status?: string): void;
    /** Create a version out of band (no quota check); returns its id. */
    createVersion(routine: string, input?: VersionInput): string;
    deleteVersion(routine: string, codeVersion: string): void;
    /** Set a version's status at once (ends a build in progress). */
    setVersionStatus(routine: string, codeVersion: string, status: string): void;

    /** How the edge answers for a version; `undefined` restores the default. */
    setVersionBehaviour(routine: string, codeVersion: string, behaviour: VersionBehaviour | undefined): void;
    edgeCounts(): EdgeCounts;
    clearEdgeCounts(): void;

    state(): EmulatorState;
    /** Back to the state at start (seed or loaded file); faults, rate limit, log, upload
     * tickets, ordered build failures, edge behaviours and counts cleared. */
    reset(): void;
}
