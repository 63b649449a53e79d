/**
 * The emulator's live state and controls, shared by the API server, the admin path and
 * the programmatic `Emulator` object, so the three always act on the same data.
 */
import type { AuthPolicy } from "./gateway/auth";
import { validateSplit } from "./model/code-versions";
import { CredentialRegistry } from "./gateway/credentials";
import { FaultQueue } from "./gateway/faults";
import { NonceCache } from "./gateway/nonces";
import { loadState, saveState } from "./model/persistence";
import { RateLimiter } from "./gateway/rate-limit";
import { RequestLog } from "./gateway/request-log";
import { EdgeState } from "./gateway/edge";
import { Store, STATUS_AVAILABLE, type NewVersion, type StoreData } from "./model/store";
import type { CodeVersionSplit, DeploymentIdMode, EmulatorOptions, EmulatorState, Env, ErServiceStatus, VersionInput } from "./types";
import { ENVS } from "./types";
import {
    checkDeploymentIdMode,
    checkDelay,
    checkEnvOrder,
    checkErServiceStatus,
    checkQuota,
    checkTtl,
    initialSettings,
    type Endpoints,
    type Settings,
} from "./model/settings";
import { UploadTickets } from "./model/upload-policy";

const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 900;

export class EmulatorContext {
    readonly store: Store;
    readonly settings: Settings;
    readonly faults = new FaultQueue();
    readonly rateLimiter = new RateLimiter();
    readonly log = new RequestLog();
    readonly auth: AuthPolicy;
    readonly tickets = new UploadTickets();
    readonly edge = new EdgeState();
    readonly endpoints: Endpoints = { endpoint: "", uploadUrl: "", stagingIps: ["127.0.0.2"] };
    /** Failure statuses ordered by failNextBuild, per routine, used up in order. */
    private readonly failedBuilds = new Map<string, string[]>();
    private readonly initialSettings: Settings;
    /** What `reset()` returns to: the seeded (or loaded) data as it was at start. */
    private readonly initialData: StoreData;

    constructor(options: EmulatorOptions) {
        const statePath = options.statePath;
        const loaded = statePath ? loadState(statePath) : undefined;
        this.initialData = loaded ?? Store.seedData(options.routines ?? {});
        this.store = new Store(structuredClone(this.initialData), statePath ? (data) => saveState(statePath, data) : undefined);
        if (statePath && !loaded) saveState(statePath, this.initialData);

        this.initialSettings = initialSettings(options);
        this.settings = { ...this.initialSettings, envOrder: [...this.initialSettings.envOrder] };

        const skew = options.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS;
        if (!(skew > 0) || !Number.isFinite(skew)) throw new Error("maxClockSkewSeconds must be a positive number");
        this.auth = {
            credentials: new CredentialRegistry(options.accessKeys, options.stsCredentials),
            // A nonce must be remembered while a request bearing it can still pass the date check.
            nonces: new NonceCache(2 * skew * 1000),
            maxClockSkewSeconds: skew,
        };
    }

    setEnvOrder(order: Env[]): void {
        this.settings.envOrder = checkEnvOrder(order);
    }

    setDeploymentIdAs(mode: DeploymentIdMode): void {
        this.settings.deploymentIdAs = checkDeploymentIdMode(mode);
    }

    setReadAfterWriteDelay(ms: number): void {
        this.settings.readAfterWriteDelayMs = checkDelay(ms, "readAfterWriteDelayMs");
    }

    setVersionQuota(quota: number): void {
        this.settings.versionQuota = checkQuota(quota);
    }

    setBuildDelay(ms: number): void {
        this.settings.buildDelayMs = checkDelay(ms, "buildDelayMs");
    }

    setRoundTrip(ms: number): void {
        this.settings.roundTripMs = checkDelay(ms, "roundTripMs");
    }

    setUploadPolicyTtl(seconds: number): void {
        this.settings.uploadPolicyTtlSeconds = checkTtl(seconds);
    }

    setErServiceStatus(status: ErServiceStatus): void {
        this.settings.erServiceStatus = checkErServiceStatus(status);
    }

    /** The next assets build of `routine` ends in `status` instead of `available`. */
    failNextBuild(routine: string, status: string = "failed"): void {
        if (typeof status !== "string" || status === "" || status.toLowerCase() === STATUS_AVAILABLE || status === "init") {
            throw new Error('a failed build needs a status other than "init" and "available", e.g. "failed"');
        }
        const queue = this.failedBuilds.get(routine) ?? [];
        queue.push(status);
        this.failedBuilds.set(routine, queue);
    }

    /** The failure ordered for this routine's next build, if any (used up). */
    takeFailedBuild(routine: string): string | undefined {
        const queue = this.failedBuilds.get(routine);
        const status = queue?.shift();
        if (queue && queue.length === 0) this.failedBuilds.delete(routine);
        return status;
    }

    /** A version made out of band (as the console would, without the quota): returns its id. */
    createVersion(name: string, input: VersionInput = {}): string {
        if (!this.store.getRoutine(name)) throw new Error(`routine "${name}" does not exist`);
        if (input.status !== undefined && (typeof input.status !== "string" || input.status === "")) {
            throw new Error("status must be a non-empty string such as init, available or failed");
        }
        const fields: NewVersion = {
            codeVersion: input.codeVersion,
            description: input.description ?? "",
            status: input.status ?? STATUS_AVAILABLE,
            code: input.code === undefined ? undefined : Buffer.from(input.code, "utf8").toString("base64"),
        };
        return this.store.createVersion(name, fields).codeVersion;
    }

    deleteVersion(name: string, codeVersion: string): void {
        if (!this.store.getRoutine(name)) throw new Error(`routine "${name}" does not exist`);
        if (!this.store.deleteVersion(name, codeVersion)) throw new Error(`routine "${name}" has no code version ${codeVersion}`);
    }

    /** Set a version's status now (ends a build in progress). */
    setVersionStatus(name: string, codeVersion: string, status: string): void {
        if (typeof status !== "string" || status === "") throw new Error("status must be a non-empty string");
        if (!this.store.getRoutine(name)) throw new Error(`routine "${name}" does not exist`);
        this.store.updateVersion(name, codeVersion, { status, pendingAt: undefined, pendingStatus: undefined });
    }

    setOverdue(overdue: boolean): void {
        this.settings.overdue = overdue;
    }

    /** An out-of-band deployment (the console): same split rules, immediately visible. */
    setDeployment(name: string, env: Env, codeVersions: CodeVersionSplit[]): string {
        if (!ENVS.includes(env)) throw new Error(`env must be "staging" or "production", got "${env}"`);
        if (!this.store.getRoutine(name)) throw new Error(`routine "${name}" does not exist`);
        const split = codeVersions.map((c) => ({ codeVersion: String(c.codeVersion), percentage: c.percentage }));
        try {
            validateSplit(split);
        } catch (e) {
            throw new Error(`invalid split: ${(e as { detail?: string }).detail ?? String(e)}`, { cause: e });
        }
        this.store.ensureVersions(
            name,
            split.map((c) => c.codeVersion),
        );
        return this.store.deploy(name, env, split).deploymentId;
    }

    addRoutine(name: string, versions: string[] = []): void {
        if (!this.store.getRoutine(name)) this.store.createRoutine(name);
        this.store.ensureVersions(name, versions);
    }

    deleteRoutine(name: string): void {
        if (!this.store.deleteRoutine(name)) throw new Error(`routine "${name}" does not exist`);
    }

    state(): EmulatorState {
        return this.store.snapshot(this.settings.overdue);
    }

    reset(): void {
        this.store.replaceData(this.initialData);
        Object.assign(this.settings, this.initialSettings, { envOrder: [...this.initialSettings.envOrder] });
        this.faults.clear();
        this.rateLimiter.set(undefined);
        this.log.clear();
        this.tickets.clear();
        this.failedBuilds.clear();
        this.edge.reset();
    }
}
