/**
 * The emulated account's adjustable behaviour (what options, tests and the admin path set)
 * and where the service says it can be reached: both are read by the actions. Every value
 * is checked where it is set, so that a wrong one fails its caller at once rather than an
 * action later.
 */
import { DEFAULT_UPLOAD_POLICY_TTL_SECONDS } from "./upload-policy";
import type { DeploymentIdMode, EmulatorOptions, Env, ErServiceStatus } from "../types";
import { ENVS } from "../types";

export interface Settings {
    envOrder: Env[];
    deploymentIdAs: DeploymentIdMode;
    readAfterWriteDelayMs: number;
    /** Account in arrears: mutating actions answer RoutineUserServiceStatusHalt. */
    overdue: boolean;
    /** Versions a routine may keep (all statuses count); creating one more fails. */
    versionQuota: number;
    /** How long an assets build stays `init` after its upload. */
    buildDelayMs: number;
    /** Added before every API and upload answer: a remote account's round trip. */
    roundTripMs: number;
    /** Lifetime of an upload policy. */
    uploadPolicyTtlSeconds: number;
    /** What GetErService reports. */
    erServiceStatus: ErServiceStatus;
}

/** Where the emulator can be reached; filled in by startEmulator once the servers listen. */
export interface Endpoints {
    endpoint: string;
    httpsEndpoint?: string;
    caFile?: string;
    uploadUrl: string;
    edgeUrl?: string;
    stagingEdgeUrl?: string;
    /** What GetRoutineStagingEnvIp answers: the staging edge's address. */
    stagingIps: string[];
}

const DEFAULT_VERSION_QUOTA = 10;
const DEFAULT_BUILD_DELAY_MS = 200;

const DEFAULT_ENV_ORDER: Env[] = ["production", "staging"];

/** The settings `options` ask for, checked; the defaults where they ask for none. */
export function initialSettings(options: EmulatorOptions): Settings {
    return {
        envOrder: checkEnvOrder(options.envOrder ?? DEFAULT_ENV_ORDER),
        deploymentIdAs: checkDeploymentIdMode(options.deploymentIdAs ?? "string"),
        readAfterWriteDelayMs: checkDelay(options.readAfterWriteDelayMs ?? 0, "readAfterWriteDelayMs"),
        overdue: false,
        versionQuota: checkQuota(options.versionQuota ?? DEFAULT_VERSION_QUOTA),
        buildDelayMs: checkDelay(options.buildDelayMs ?? DEFAULT_BUILD_DELAY_MS, "buildDelayMs"),
        roundTripMs: checkDelay(options.roundTripMs ?? 0, "roundTripMs"),
        uploadPolicyTtlSeconds: checkTtl(options.uploadPolicyTtlSeconds ?? DEFAULT_UPLOAD_POLICY_TTL_SECONDS),
        erServiceStatus: checkErServiceStatus(options.erServiceStatus ?? "Running"),
    };
}

export function checkEnvOrder(order: Env[]): Env[] {
    if (!Array.isArray(order) || order.length === 0 || order.some((e) => !ENVS.includes(e)) || new Set(order).size !== order.length) {
        throw new Error('envOrder must list "staging" and/or "production", each at most once');
    }
    return [...order];
}

export function checkDeploymentIdMode(mode: DeploymentIdMode): DeploymentIdMode {
    if (mode !== "string" && mode !== "number") {
        throw new Error('deploymentIdAs must be "string" or "number"');
    }
    return mode;
}

export function checkDelay(ms: number, name: string): number {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        throw new Error(`${name} must be a non-negative number`);
    }
    return ms;
}

export function checkQuota(quota: number): number {
    if (!Number.isInteger(quota) || quota < 1) throw new Error("versionQuota must be a positive integer");
    return quota;
}

export function checkTtl(seconds: number): number {
    if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) {
        throw new Error("uploadPolicyTtlSeconds must be a positive number");
    }
    return seconds;
}

const ER_SERVICE_STATUSES: readonly ErServiceStatus[] = ["Running", "NotOpened", "Stopped"];

export function checkErServiceStatus(status: ErServiceStatus): ErServiceStatus {
    if (!ER_SERVICE_STATUSES.includes(status)) throw new Error(`erServiceStatus must be one of ${ER_SERVICE_STATUSES.join(", ")}`);
    return status;
}
