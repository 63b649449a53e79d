/**
 * The emulated account's data: routines, their code versions and the deployment history
 * of each environment. No validation of API parameters here (actions.ts does that); the
 * store only keeps its own invariants and notifies a listener after every change so that
 * the data can be persisted.
 */
import { STATE_FORMAT_VERSION } from "./persistence";
import { apiTimestamp, compareVersionIds, isVersionId, VersionIdGenerator } from "./ids";
import type { CodeVersionSplit, DeploymentState, Env, EmulatorState, RoutineState } from "../types";
import { ENVS } from "../types";

/** `init` until its build finishes, then `available`; any other value is a failed build. */
type VersionStatus = string;

export const STATUS_INIT = "init";
export const STATUS_AVAILABLE = "available";
export const STATUS_FAILED = "failed";

export interface StoredVersion {
    codeVersion: string;
    description: string;
    createTime: string;
    buildId: number;
    /** Absent in state files written before statuses existed: those versions are available. */
    status?: VersionStatus;
    /** A build in progress: from `pendingAt` (epoch ms) the status becomes `pendingStatus`. */
    pendingStatus?: VersionStatus;
    pendingAt?: number;
    /** The routine's JavaScript, Base64 (what GetRoutineCodeVersion returns). Absent for seeded ids. */
    code?: string;
    /** Paths of the static files of an assets version (without the `assets/` prefix). */
    assets?: string[];
    hasAssets?: boolean;
    /** As sent: a JSON string. */
    extraInfo?: string;
    confOptions?: Record<string, unknown>;
    deployEnv?: string;
}

/** The fields a new version can be created with (API or out of band). */
export type NewVersion = Partial<Omit<StoredVersion, "createTime" | "pendingStatus" | "pendingAt">>;

/** The code last uploaded to a routine's staging slot (GetRoutineStagingCodeUploadInfo + upload). */
interface StagedCode {
    /** Base64 of the uploaded file. */
    code: string;
    description: string;
    uploadedAt: string;
}

/** The status a version shows at `now`, a pending build applied once its time has come. */
export function versionStatus(version: StoredVersion, now: number = Date.now()): VersionStatus {
    if (version.pendingAt !== undefined && version.pendingStatus !== undefined && now >= version.pendingAt) {
        return version.pendingStatus;
    }
    return version.status ?? STATUS_AVAILABLE;
}

export interface StoredDeployment extends DeploymentState {
    /** Epoch ms from which GetRoutine shows this deployment (read-after-write delay). */
    visibleAt: number;
}

export interface StoredRoutine {
    name: string;
    description: string;
    createTime: string;
    hasAssets: boolean;
    versions: StoredVersion[];
    staged?: StagedCode;
    /** Oldest first; the last entry is the current deployment. */
    history: Record<Env, StoredDeployment[]>;
}

export interface StoreData {
    formatVersion: number;
    nextDeploymentId: number;
    nextBuildId: number;
    routines: Record<string, StoredRoutine>;
}

/** Enough history to serve the previous split during a read-after-write delay. */
const HISTORY_LIMIT = 10;

/** Deployment ids start here so they look like the documentation's sample (`234`). */
const FIRST_DEPLOYMENT_ID = 200;

export class Store {
    private data: StoreData;
    private readonly versionIds = new VersionIdGenerator();

    constructor(
        data: StoreData,
        private readonly onChange: (data: StoreData) => void = () => {},
    ) {
        this.data = data;
        this.observeAllVersionIds();
    }

    /** A fresh account holding `routines` (name → existing version ids). */
    static seedData(routines: Record<string, string[]> = {}, now: number = Date.now()): StoreData {
        const store = new Store({
            formatVersion: STATE_FORMAT_VERSION,
            nextDeploymentId: FIRST_DEPLOYMENT_ID,
            nextBuildId: 1,
            routines: {},
        });
        for (const [name, versions] of Object.entries(routines)) {
            store.createRoutine(name, {}, now);
            store.ensureVersions(name, versions, now);
        }
        return store.exportData();
    }

    /** A deep copy, safe to keep (e.g. as the state to reset to) or to serialise. */
    exportData(): StoreData {
        return structuredClone(this.data);
    }

    replaceData(data: StoreData): void {
        const { nextDeploymentId, nextBuildId } = this.data;
        this.data = structuredClone(data);
        // Ids already handed out stay handed out: a client holding an id from before a reset
        // must never see it reused for a different deployment or version.
        this.data.nextDeploymentId = Math.max(nextDeploymentId, data.nextDeploymentId);
        this.data.nextBuildId = Math.max(nextBuildId, data.nextBuildId);
        this.observeAllVersionIds();
        this.changed();
    }

    getRoutine(name: string): StoredRoutine | undefined {
        return Object.prototype.hasOwnProperty.call(this.data.routines, name) ? this.data.routines[name] : undefined;
    }

    /** Routines in name order, so paging is stable. */
    listRoutines(): StoredRoutine[] {
        return Object.values(this.data.routines).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }

    createRoutine(name: string, options: { description?: string; hasAssets?: boolean } = {}, now: number = Date.now()): StoredRoutine {
        if (this.getRoutine(name)) throw new Error(`routine "${name}" already exists`);
        const routine: StoredRoutine = {
            name,
            description: options.description ?? "",
            createTime: apiTimestamp(now),
            hasAssets: options.hasAssets ?? false,
            versions: [],
            history: { staging: [], production: [] },
        };
        this.data.routines[name] = routine;
        this.changed();
        return routine;
    }

    setRoutineDescription(name: string, description: string): void {
        this.requireRoutine(name).description = description;
        this.changed();
    }

    deleteRoutine(name: string): boolean {
        if (!this.getRoutine(name)) return false;
        delete this.data.routines[name];
        this.changed();
        return true;
    }

    /** Versions newest first. */
    listVersions(name: string): StoredVersion[] {
        return [...this.requireRoutine(name).versions].sort((a, b) => compareVersionIds(b.codeVersion, a.codeVersion));
    }

    hasVersion(name: string, codeVersion: string): boolean {
        return this.requireRoutine(name).versions.some((v) => v.codeVersion === codeVersion);
    }

    getVersion(name: string, codeVersion: string): StoredVersion | undefined {
        return this.getRoutine(name)?.versions.find((v) => v.codeVersion === codeVersion);
    }

    /** A fresh id, later than every id issued or seen (also for ids that name no version). */
    nextVersionId(now: number = Date.now()): string {
        return this.versionIds.next(now);
    }

    /** Create a version; with no `codeVersion` given, a freshly issued id. */
    createVersion(name: string, fields: NewVersion = {}, now: number = Date.now()): StoredVersion {
        const routine = this.requireRoutine(name);
        const id = fields.codeVersion ?? this.versionIds.next(now);
        if (!isVersionId(id)) throw new Error(`code version "${id}" is not a 19-digit id`);
        if (routine.versions.some((v) => v.codeVersion === id)) throw new Error(`code version ${id} already exists`);
        this.versionIds.observe(id);
        const version = this.pushVersion(routine, id, fields.description ?? "", now);
        const { codeVersion: _id, description: _d, ...rest } = fields;
        Object.assign(version, stripUndefined(rest));
        this.changed();
        return version;
    }

    /** Change a version's stored fields (status, code, a pending build). */
    updateVersion(name: string, codeVersion: string, patch: Partial<StoredVersion>): StoredVersion {
        const version = this.getVersion(name, codeVersion);
        if (!version) throw new Error(`routine "${name}" has no code version ${codeVersion}`);
        for (const [key, value] of Object.entries(patch)) {
            if (value === undefined) delete (version as unknown as Record<string, unknown>)[key];
            else (version as unknown as Record<string, unknown>)[key] = value;
        }
        this.changed();
        return version;
    }

    /** Versions of a routine, whatever their status (the quota counts them all). */
    versionCount(name: string): number {
        return this.requireRoutine(name).versions.length;
    }

    /** Put code in the routine's staging slot, replacing what was there. */
    stageCode(name: string, code: Buffer, description: string, now: number = Date.now()): void {
        this.requireRoutine(name).staged = { code: code.toString("base64"), description, uploadedAt: apiTimestamp(now) };
        this.changed();
    }

    /** Add the given ids to the routine unless it already has them (seeds, console changes). */
    ensureVersions(name: string, ids: string[], now: number = Date.now()): void {
        const routine = this.requireRoutine(name);
        // All or nothing: check every id before adding any.
        const invalid = ids.find((id) => !isVersionId(id));
        if (invalid !== undefined) {
            throw new Error(`code version "${invalid}" of routine "${name}" is not a 19-digit id`);
        }
        for (const id of ids) {
            if (!routine.versions.some((v) => v.codeVersion === id)) {
                this.versionIds.observe(id);
                this.pushVersion(routine, id, "", now);
            }
        }
        this.changed();
    }

    deleteVersion(name: string, codeVersion: string): boolean {
        const routine = this.requireRoutine(name);
        const before = routine.versions.length;
        routine.versions = routine.versions.filter((v) => v.codeVersion !== codeVersion);
        if (routine.versions.length === before) return false;
        this.changed();
        return true;
    }

    /** Environments whose current deployment serves `codeVersion`. */
    environmentsServing(name: string, codeVersion: string): Env[] {
        return ENVS.filter((env) => this.latestDeployment(name, env)?.codeVersions.some((c) => c.codeVersion === codeVersion));
    }

    deploy(
        name: string,
        env: Env,
        codeVersions: CodeVersionSplit[],
        options: { now?: number; visibleAfterMs?: number } = {},
    ): StoredDeployment {
        const routine = this.requireRoutine(name);
        const now = options.now ?? Date.now();
        const deployment: StoredDeployment = {
            deploymentId: String(this.data.nextDeploymentId++),
            strategy: "percentage",
            creationTime: apiTimestamp(now),
            codeVersions: codeVersions.map((c) => ({ codeVersion: c.codeVersion, percentage: c.percentage })),
            visibleAt: now + (options.visibleAfterMs ?? 0),
        };
        const history = routine.history[env];
        history.push(deployment);
        if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
        this.changed();
        return deployment;
    }

    /** The committed deployment, whether or not reads can see it yet. */
    latestDeployment(name: string, env: Env): StoredDeployment | undefined {
        const history = this.getRoutine(name)?.history[env] ?? [];
        return history[history.length - 1];
    }

    /** What GetRoutine shows at `now`: the newest deployment that has become visible. */
    visibleDeployment(name: string, env: Env, now: number): StoredDeployment | undefined {
        const history = this.getRoutine(name)?.history[env] ?? [];
        for (let i = history.length - 1; i >= 0; i--) {
            if (history[i].visibleAt <= now) return history[i];
        }
        return undefined;
    }

    snapshot(overdue: boolean): EmulatorState {
        const routines: Record<string, RoutineState> = {};
        for (const routine of this.listRoutines()) {
            const deployments: RoutineState["deployments"] = {};
            for (const env of ENVS) {
                const latest = this.latestDeployment(routine.name, env);
                if (latest) {
                    deployments[env] = {
                        deploymentId: latest.deploymentId,
                        strategy: latest.strategy,
                        creationTime: latest.creationTime,
                        codeVersions: latest.codeVersions.map((c) => ({ ...c })),
                    };
                }
            }
            routines[routine.name] = {
                description: routine.description,
                createTime: routine.createTime,
                versions: this.listVersions(routine.name).map((v) => ({
                    codeVersion: v.codeVersion,
                    description: v.description,
                    createTime: v.createTime,
                    status: versionStatus(v),
                    hasCode: v.code !== undefined,
                    ...(v.assets ? { assets: [...v.assets] } : {}),
                })),
                deployments,
            };
        }
        return { overdue, routines };
    }

    private requireRoutine(name: string): StoredRoutine {
        const routine = this.getRoutine(name);
        if (!routine) throw new Error(`routine "${name}" does not exist`);
        return routine;
    }

    private pushVersion(routine: StoredRoutine, id: string, description: string, now: number): StoredVersion {
        const version: StoredVersion = {
            codeVersion: id,
            description,
            createTime: apiTimestamp(now),
            buildId: this.data.nextBuildId++,
        };
        routine.versions.push(version);
        return version;
    }

    private observeAllVersionIds(): void {
        for (const routine of Object.values(this.data.routines)) {
            for (const v of routine.versions) this.versionIds.observe(v.codeVersion);
        }
    }

    private changed(): void {
        this.onChange(this.data);
    }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
