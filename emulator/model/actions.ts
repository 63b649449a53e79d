/**
 * The ESA actions the emulator implements, one handler each. A handler validates its
 * parameters, changes the store, and returns the response body (without RequestId,
 * which the server adds) with the field names of the SDK's `<Action>ResponseBody`
 * models. Fields the emulator has no data for are left out: every model field is
 * optional.
 */
import { parseCodeVersionsParam } from "./code-versions";
import type { Endpoints, Settings } from "./settings";
import { ApiError } from "./errors";
import { optionalInt, requireParam, type Params } from "./action-params";
import { STATUS_AVAILABLE, versionStatus, type StoredDeployment, type StoredRoutine, type Store } from "./store";
import type { Env } from "../types";
import type { UploadTickets } from "./upload-policy";
import {
    commitRoutineStagingCode,
    createRoutineWithAssetsCodeVersion,
    deleteRoutineCodeVersion,
    getRoutineCodeVersion,
    getRoutineCodeVersionInfo,
    getRoutineStagingCodeUploadInfo,
    listRoutineCodeVersions,
} from "./version-actions";

export interface ActionContext {
    store: Store;
    settings: Settings;
    now: number;
    tickets: UploadTickets;
    endpoints: Endpoints;
    /** `<scheme>://<host>` the request came in on: upload URLs are handed out on it. */
    origin: string;
}

type Handler = (ctx: ActionContext, params: Params) => Record<string, unknown>;

interface ActionDefinition {
    /** Refused with RoutineUserServiceStatusHalt while the account is overdue. */
    mutating: boolean;
    handle: Handler;
}

/** Page sizes the List* actions accept ("Valid values: 1 to 20" in the SDK's docs). */
const MAX_PAGE_SIZE = 20;
const DEFAULT_PAGE_SIZE = 20;
/** Reported as the plan's routine quota. */
const ROUTINE_QUOTA = 100;
/**
 * Routine names: 2–64 characters, lower-case letters, digits and hyphens, starting with
 * a letter and not ending with a hyphen. The public reference does not state the rule;
 * this is the usual DNS-label-like one (names become part of a hostname).
 */
const ROUTINE_NAME = /^[a-z][a-z0-9-]{0,62}[a-z0-9]$/;

const ACTIONS: Record<string, ActionDefinition> = {
    CreateRoutineCodeDeployment: { mutating: true, handle: createRoutineCodeDeployment },
    GetRoutine: { mutating: false, handle: getRoutine },
    CreateRoutine: { mutating: true, handle: createRoutine },
    DeleteRoutine: { mutating: true, handle: deleteRoutine },
    UpdateRoutineConfigDescription: { mutating: true, handle: updateRoutineConfigDescription },
    ListUserRoutines: { mutating: false, handle: listUserRoutines },
    GetErService: { mutating: false, handle: getErService },
    GetRoutineStagingEnvIp: { mutating: false, handle: getRoutineStagingEnvIp },
    ListRoutineCodeVersions: { mutating: false, handle: listRoutineCodeVersions },
    GetRoutineCodeVersion: { mutating: false, handle: getRoutineCodeVersion },
    GetRoutineCodeVersionInfo: { mutating: false, handle: getRoutineCodeVersionInfo },
    GetRoutineStagingCodeUploadInfo: { mutating: true, handle: getRoutineStagingCodeUploadInfo },
    CommitRoutineStagingCode: { mutating: true, handle: commitRoutineStagingCode },
    CreateRoutineWithAssetsCodeVersion: { mutating: true, handle: createRoutineWithAssetsCodeVersion },
    DeleteRoutineCodeVersion: { mutating: true, handle: deleteRoutineCodeVersion },
};

export function isKnownAction(action: string): boolean {
    return Object.prototype.hasOwnProperty.call(ACTIONS, action);
}

export function runAction(action: string, ctx: ActionContext, params: Params): Record<string, unknown> {
    const definition = ACTIONS[action];
    // The account state gates every change before anything about the request is judged.
    if (definition.mutating && ctx.settings.overdue) {
        throw new ApiError("RoutineUserServiceStatusHalt", "the account is overdue (setOverdue)");
    }
    return definition.handle(ctx, params);
}

function createRoutineCodeDeployment(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx.store, requireParam(params, "Name"));
    const env = requireEnv(params.Env);
    if (params.Strategy !== "percentage") {
        throw new ApiError("InvalidParameter", `Strategy must be "percentage", got "${params.Strategy ?? ""}"`);
    }
    const split = parseCodeVersionsParam(requireParam(params, "CodeVersions"));
    for (const { codeVersion } of split) {
        // ParameterNotExist ("the specified parameter does not exist") rather than
        // InvalidParameter: the value is well-formed, the version it names is missing.
        const version = ctx.store.getVersion(routine.name, codeVersion);
        if (!version) {
            throw new ApiError("ParameterNotExist", `code version ${codeVersion} does not exist for routine "${routine.name}"`);
        }
        // A version still building, or whose build failed, has no code to serve.
        const status = versionStatus(version, ctx.now);
        if (status !== STATUS_AVAILABLE) {
            throw new ApiError("InvalidParameter", `code version ${codeVersion} is "${status}", not available`);
        }
    }
    const deployment = ctx.store.deploy(routine.name, env, split, {
        now: ctx.now,
        visibleAfterMs: ctx.settings.readAfterWriteDelayMs,
    });
    return {
        Strategy: deployment.strategy,
        DeploymentId: ctx.settings.deploymentIdAs === "number" ? Number(deployment.deploymentId) : deployment.deploymentId,
        // Always strings: a 19-digit id must not be written as a JSON number.
        CodeVersions: deployment.codeVersions.map((c) => ({ Percentage: c.percentage, CodeVersion: c.codeVersion })),
    };
}

function getRoutine(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx.store, requireParam(params, "Name"));
    return {
        CreateTime: routine.createTime,
        Description: routine.description,
        DefaultRelatedRecord: defaultRelatedRecord(routine.name),
        HasAssets: routine.hasAssets,
        // One entry per environment, in the configured order: clients must pick by Env.
        Envs: ctx.settings.envOrder.map((env) => {
            const deployment = ctx.store.visibleDeployment(routine.name, env, ctx.now);
            return deployment ? { Env: env, CodeDeploy: codeDeploy(routine, deployment) } : { Env: env };
        }),
    };
}

function codeDeploy(routine: StoredRoutine, deployment: StoredDeployment): Record<string, unknown> {
    return {
        DeployId: deployment.deploymentId,
        Strategy: deployment.strategy,
        CreationTime: deployment.creationTime,
        CodeVersions: deployment.codeVersions.map((c) => {
            const version = routine.versions.find((v) => v.codeVersion === c.codeVersion);
            return {
                CodeVersion: c.codeVersion,
                Percentage: c.percentage,
                Description: version?.description ?? "",
                CreateTime: version?.createTime ?? deployment.creationTime,
            };
        }),
    };
}

function createRoutine(ctx: ActionContext, params: Params): Record<string, unknown> {
    const name = requireParam(params, "Name");
    if (!ROUTINE_NAME.test(name)) {
        throw new ApiError(
            "InvalidParameter",
            "Name must be 2-64 lower-case letters, digits or hyphens, start with a letter and not end with a hyphen",
        );
    }
    if (ctx.settings.erServiceStatus !== "Running") {
        throw new ApiError("ServiceNotOpen", `the Edge Routine service is ${ctx.settings.erServiceStatus}`);
    }
    if (ctx.store.getRoutine(name)) {
        throw new ApiError("RoutineAlreadyExist", `routine "${name}" already exists`);
    }
    ctx.store.createRoutine(name, { description: params.Description ?? "", hasAssets: isTrue(params.HasAssets) }, ctx.now);
    return { Status: "OK" };
}

function deleteRoutine(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx.store, requireParam(params, "Name"));
    ctx.store.deleteRoutine(routine.name);
    return { Status: "OK" };
}

function updateRoutineConfigDescription(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx.store, requireParam(params, "Name"));
    ctx.store.setRoutineDescription(routine.name, params.Description ?? "");
    return { Status: "OK" };
}

function listUserRoutines(ctx: ActionContext, params: Params): Record<string, unknown> {
    const { pageNumber, pageSize } = paging(params);
    const keyword = params.SearchKeyWord ?? "";
    const all = ctx.store.listRoutines();
    const matching = all.filter((r) => r.name.includes(keyword));
    return {
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: matching.length,
        QuotaRoutineNumber: ROUTINE_QUOTA,
        UsedRoutineNumber: all.length,
        Routines: page(matching, pageNumber, pageSize).map((r) => ({
            RoutineName: r.name,
            Description: r.description,
            CreateTime: r.createTime,
            DefaultRelatedRecord: defaultRelatedRecord(r.name),
            HasAssets: r.hasAssets,
        })),
    };
}

function getErService(ctx: ActionContext): Record<string, unknown> {
    return { Status: ctx.settings.erServiceStatus, PlanName: "basic" };
}

/** The staging environment's addresses: in the emulator, the staging edge's. */
function getRoutineStagingEnvIp(ctx: ActionContext): Record<string, unknown> {
    return { IPV4: [...ctx.endpoints.stagingIps] };
}

function requireRoutine(store: Store, name: string): StoredRoutine {
    const routine = store.getRoutine(name);
    if (!routine) throw new ApiError("RoutineNotExist", `routine "${name}" does not exist`);
    return routine;
}

function requireEnv(value: string | undefined): Env {
    if (value !== "staging" && value !== "production") {
        throw new ApiError("InvalidParameter", `Env must be "staging" or "production", got "${value ?? ""}"`);
    }
    return value;
}

/** A boolean parameter: "true" from a form or query, true from a JSON body (flattened to "true"). */
function isTrue(value: string | undefined): boolean {
    return value?.toLowerCase() === "true";
}

function paging(params: Params): { pageNumber: number; pageSize: number } {
    return {
        pageNumber: optionalInt(params, "PageNumber", 1, 1, 1_000_000),
        pageSize: optionalInt(params, "PageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    };
}

function page<T>(items: T[], pageNumber: number, pageSize: number): T[] {
    return items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
}

/** The record ESA creates for every routine; the account segment is fixed for the emulator. */
function defaultRelatedRecord(name: string): string {
    return `${name}.e5a0emu1.er.aliyun-esa.net`;
}
