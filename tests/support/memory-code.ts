/**
 * An in-memory implementation of the provider's `ReleaseApi`, for lifecycle tests that
 * need no network: routines, versions (with the shared staging slot, builds, a quota),
 * which versions serve, scripted failures and a call log.
 */
import type { CodeVersionApi, CodeVersionInfo, UploadForm } from "../../provider/code-version/api";
import type { CallOptions } from "../../provider/esa/sdk";
import type { RoutineApi, RoutineInfo } from "../../provider/routine/api";

/** Both APIs of a routine's code: the in-memory ESA serves both resources. */
type ReleaseApi = RoutineApi & CodeVersionApi;

export type ReleaseAction =
    | "GetErService"
    | "CreateRoutine"
    | "GetRoutine"
    | "UpdateRoutineConfigDescription"
    | "DeleteRoutine"
    | "GetRoutineStagingCodeUploadInfo"
    | "CommitRoutineStagingCode"
    | "CreateRoutineWithAssetsCodeVersion"
    | "GetRoutineCodeVersionInfo"
    | "ListRoutineCodeVersions"
    | "DeleteRoutineCodeVersion"
    | "Upload";

export interface StoredVersion {
    codeVersion: string;
    status: string;
    description: string;
    createTime: string;
    deployEnv?: string;
    code?: Uint8Array;
}

interface StoredRoutine {
    description: string;
    createTime: string;
    staged?: Uint8Array;
    versions: StoredVersion[];
    serving: Record<string, string[]>;
}

export interface ScriptedFailure {
    action: ReleaseAction;
    error: Record<string, unknown>;
    /** Throw after the change was made (a lost answer). */
    afterCommit?: boolean;
}

export class MemoryRelease implements ReleaseApi {
    readonly calls: { action: ReleaseAction; name: string }[] = [];
    readonly routines = new Map<string, StoredRoutine>();
    quota = 10;
    /** The status assets builds end in, and after how many polls. */
    buildOutcome = "available";
    pollsUntilBuilt = 1;
    private polls = new Map<string, number>();
    private failures: ScriptedFailure[] = [];
    private tick = 0;
    /** Uploads in progress per routine: more than one means two uploads interleaved. */
    readonly inFlight = new Map<string, number>();
    maxInFlight = 0;

    constructor(private readonly now: () => number = Date.now) {}

    addRoutine(name: string): this {
        this.routines.set(name, { description: "", createTime: new Date(this.now()).toISOString(), versions: [], serving: {} });
        return this;
    }

    /** A version made out of band (another tool), optionally serving `env`. */
    addVersion(name: string, description: string, options: { status?: string; serve?: string; ageMs?: number } = {}): string {
        const version = this.newVersion(this.routine(name), description, options.status ?? "available", options.ageMs ?? 0);
        if (options.serve) this.serve(name, options.serve, [version.codeVersion]);
        return version.codeVersion;
    }

    serve(name: string, env: string, versions: string[]): void {
        this.routine(name).serving[env] = versions;
    }

    version(name: string, codeVersion: string): StoredVersion | undefined {
        return this.routines.get(name)?.versions.find((v) => v.codeVersion === codeVersion);
    }

    fail(failure: ScriptedFailure, times = 1): this {
        for (let i = 0; i < times; i++) this.failures.push(failure);
        return this;
    }

    count(action: ReleaseAction): number {
        return this.calls.filter((c) => c.action === action).length;
    }

    erStatus = "Running";

    async erServiceStatus(): Promise<string> {
        this.enter("GetErService", "");
        return this.erStatus;
    }

    async createRoutine(request: { name: string; description: string }): Promise<void> {
        this.enter("CreateRoutine", request.name);
        if (this.routines.has(request.name)) throw apiError("RoutineAlreadyExist", "The routine name already exists.");
        this.addRoutine(request.name);
        this.routine(request.name).description = request.description;
        this.leave("CreateRoutine");
    }

    async getRoutine(name: string): Promise<RoutineInfo> {
        this.enter("GetRoutine", name);
        const routine = this.routine(name);
        return { name, description: routine.description, createTime: routine.createTime, hasAssets: true, serving: { ...routine.serving } };
    }

    async updateRoutineDescription(name: string, description: string): Promise<void> {
        this.enter("UpdateRoutineConfigDescription", name);
        this.routine(name).description = description;
    }

    async deleteRoutine(name: string): Promise<void> {
        this.enter("DeleteRoutine", name);
        this.routine(name);
        this.routines.delete(name);
        this.leave("DeleteRoutine");
    }

    async stagingUploadInfo(name: string, codeDescription: string): Promise<{ codeVersion: string; form: UploadForm }> {
        this.enter("GetRoutineStagingCodeUploadInfo", name);
        this.routine(name);
        return {
            codeVersion: this.nextId(),
            form: {
                url: `memory://staging/${name}`,
                fields: [
                    ["key", `site_er_js/${name}.unstable.js`],
                    ["x:codeDescription", codeDescription],
                ],
            },
        };
    }

    async commitStagingCode(request: { name: string; codeDescription: string; deployEnv?: string }): Promise<{ codeVersion: string }> {
        this.enter("CommitRoutineStagingCode", request.name);
        const routine = this.routine(request.name);
        this.checkQuota(routine);
        const version = this.newVersion(routine, request.codeDescription, "available", 0);
        version.code = routine.staged;
        version.deployEnv = request.deployEnv;
        this.leave("CommitRoutineStagingCode");
        return { codeVersion: version.codeVersion };
    }

    async createAssetsVersion(request: { name: string; codeDescription: string; deployEnv?: string }) {
        this.enter("CreateRoutineWithAssetsCodeVersion", request.name);
        const routine = this.routine(request.name);
        this.checkQuota(routine);
        const version = this.newVersion(routine, request.codeDescription, "init", 0);
        version.deployEnv = request.deployEnv;
        this.leave("CreateRoutineWithAssetsCodeVersion");
        return {
            codeVersion: version.codeVersion,
            status: "init",
            form: { url: `memory://assets/${request.name}/${version.codeVersion}`, fields: [] },
        };
    }

    async codeVersionInfo(name: string, codeVersion: string): Promise<CodeVersionInfo> {
        this.enter("GetRoutineCodeVersionInfo", name);
        const version = this.version(name, codeVersion);
        if (!version) throw apiError("CodeVersionNotExist", "The code version does not exist.");
        if (version.status === "building") {
            const polls = (this.polls.get(codeVersion) ?? 0) + 1;
            this.polls.set(codeVersion, polls);
            if (polls >= this.pollsUntilBuilt) version.status = this.buildOutcome;
        }
        return {
            codeVersion,
            status: version.status === "building" ? "init" : version.status,
            description: version.description,
            createTime: version.createTime,
        };
    }

    async listCodeVersions(name: string, pageNumber: number): Promise<{ versions: CodeVersionInfo[]; totalCount: number }> {
        this.enter("ListRoutineCodeVersions", name);
        const all = [...this.routine(name).versions].reverse();
        const page = all.slice((pageNumber - 1) * 20, pageNumber * 20);
        return {
            versions: page.map((v) => ({
                codeVersion: v.codeVersion,
                status: v.status === "building" ? "init" : v.status,
                description: v.description,
                createTime: v.createTime,
            })),
            totalCount: all.length,
        };
    }

    async deleteCodeVersion(name: string, codeVersion: string): Promise<void> {
        this.enter("DeleteRoutineCodeVersion", name);
        const routine = this.routine(name);
        if (!routine.versions.some((v) => v.codeVersion === codeVersion))
            throw apiError("CodeVersionNotExist", "The code version does not exist.");
        if (Object.values(routine.serving).some((versions) => versions.includes(codeVersion)))
            throw apiError("DependedByOthers", "Failed to call the service.");
        routine.versions = routine.versions.filter((v) => v.codeVersion !== codeVersion);
        this.leave("DeleteRoutineCodeVersion");
    }

    async upload(form: UploadForm, file: Uint8Array, _filename: string, _options: CallOptions): Promise<void> {
        const [, kind, name, codeVersion] = /^memory:\/\/(staging|assets)\/([^/]+)\/?(.*)$/.exec(form.url) ?? [];
        this.enter("Upload", name);
        const running = (this.inFlight.get(name) ?? 0) + 1;
        this.inFlight.set(name, running);
        this.maxInFlight = Math.max(this.maxInFlight, running);
        // Let other work interleave, as a real upload would.
        await new Promise((resolve) => setImmediate(resolve));
        this.inFlight.set(name, running - 1);
        if (kind === "staging") this.routine(name).staged = file;
        else {
            const version = this.version(name, codeVersion);
            if (!version) throw Object.assign(new Error("NoSuchUpload"), { code: "Http403", statusCode: 403 });
            version.code = file;
            version.status = "building";
        }
        this.leave("Upload");
    }

    private routine(name: string): StoredRoutine {
        const routine = this.routines.get(name);
        if (!routine) throw apiError("RoutineNotExist", "The routine name does not exist.");
        return routine;
    }

    private checkQuota(routine: StoredRoutine): void {
        if (routine.versions.length >= this.quota) {
            throw apiError(
                "InvalidParameter",
                "Create version failed: er_center create routine code version error: code version number exceeds the quota limit",
            );
        }
    }

    private newVersion(routine: StoredRoutine, description: string, status: string, ageMs: number): StoredVersion {
        const version: StoredVersion = {
            codeVersion: this.nextId(),
            status,
            description,
            createTime: new Date(this.now() - ageMs).toISOString(),
        };
        routine.versions.push(version);
        return version;
    }

    private nextId(): string {
        // Nanoseconds since the epoch, as ESA's ids look; strictly increasing.
        return (BigInt(this.now()) * 1_000_000n + BigInt(++this.tick)).toString();
    }

    private enter(action: ReleaseAction, name: string): void {
        this.calls.push({ action, name });
        this.maybeFail(action, false);
    }

    private leave(action: ReleaseAction): void {
        this.maybeFail(action, true);
    }

    private maybeFail(action: ReleaseAction, afterCommit: boolean): void {
        const index = this.failures.findIndex((f) => f.action === action && !!f.afterCommit === afterCommit);
        if (index >= 0) throw this.failures.splice(index, 1)[0].error;
    }
}

export function apiError(code: string, message: string, statusCode = 400): Record<string, unknown> {
    return { code, statusCode, requestId: `REQ-${code}`, data: { Message: message, RequestId: `REQ-${code}` } };
}
