/**
 * The emulator's live state and controls, shared by the API server, the admin path and
 * the programmatic `Emulator` object, so the three always act on the same data.
 */
import type { AuthPolicy } from "./auth";
import { validateSplit } from "./codeVersions";
import { CredentialRegistry } from "./credentials";
import { FaultQueue } from "./faults";
import { NonceCache } from "./nonces";
import { loadState, saveState } from "./persistence";
import { RateLimiter } from "./rateLimit";
import { RequestLog } from "./requestLog";
import { Store, type StoreData } from "./store";
import type { CodeVersionSplit, DeploymentIdMode, EmulatorOptions, EmulatorState, Env } from "./types";
import { ENVS } from "./types";

export interface Settings {
    envOrder: Env[];
    deploymentIdAs: DeploymentIdMode;
    readAfterWriteDelayMs: number;
    /** Account in arrears: mutating actions answer RoutineUserServiceStatusHalt. */
    overdue: boolean;
}

export const DEFAULT_ENV_ORDER: Env[] = ["production", "staging"];
const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 900;

export class EmulatorContext {
    readonly store: Store;
    readonly settings: Settings;
    readonly faults = new FaultQueue();
    readonly rateLimiter = new RateLimiter();
    readonly log = new RequestLog();
    readonly auth: AuthPolicy;
    private readonly initialSettings: Settings;
    /** What `reset()` returns to: the seeded (or loaded) data as it was at start. */
    private readonly initialData: StoreData;

    constructor(options: EmulatorOptions) {
        const statePath = options.statePath;
        const loaded = statePath ? loadState(statePath) : undefined;
        this.initialData = loaded ?? Store.seedData(options.routines ?? {});
        this.store = new Store(structuredClone(this.initialData), statePath ? (data) => saveState(statePath, data) : undefined);
        if (statePath && !loaded) saveState(statePath, this.initialData);

        this.initialSettings = {
            envOrder: checkEnvOrder(options.envOrder ?? DEFAULT_ENV_ORDER),
            deploymentIdAs: checkDeploymentIdMode(options.deploymentIdAs ?? "string"),
            readAfterWriteDelayMs: checkDelay(options.readAfterWriteDelayMs ?? 0),
            overdue: false,
        };
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
        this.settings.readAfterWriteDelayMs = checkDelay(ms);
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
    }
}

function checkEnvOrder(order: Env[]): Env[] {
    if (!Array.isArray(order) || order.length === 0 || order.some((e) => !ENVS.includes(e)) || new Set(order).size !== order.length) {
        throw new Error('envOrder must list "staging" and/or "production", each at most once');
    }
    return [...order];
}

function checkDeploymentIdMode(mode: DeploymentIdMode): DeploymentIdMode {
    if (mode !== "string" && mode !== "number") {
        throw new Error('deploymentIdAs must be "string" or "number"');
    }
    return mode;
}

function checkDelay(ms: number): number {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        throw new Error("readAfterWriteDelayMs must be a non-negative number");
    }
    return ms;
}
