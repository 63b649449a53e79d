/**
 * The code-version actions: both ways to create a version (the staging flow and the
 * assets flow), and reading, listing and deleting versions. Response field names are
 * those of the SDK's models (2.43.0) and, for GetRoutineCodeVersionInfo, which 2.43.0
 * lacks, of the API reference.
 *
 *   staging: GetRoutineStagingCodeUploadInfo → form upload of the JS → CommitRoutineStagingCode
 *   assets:  CreateRoutineWithAssetsCodeVersion (version `init`) → form upload of a zip
 *            → GetRoutineCodeVersionInfo until `available` (or a failed build's status)
 */
import type { ActionContext } from "./actions";
import { ApiError } from "./errors";
import { optionalInt, requireParam, type Params } from "./action-params";
import { versionStatus, STATUS_AVAILABLE, STATUS_INIT, type StoredRoutine, type StoredVersion } from "./store";
import { encodeDescription, OSS_ACCESS_KEY_ID, OSS_PATH, type UploadTicket } from "./upload-policy";

/** "Valid values: 1 and 2" and "1 to 20": at most the 40 newest versions can be listed. */
const MAX_VERSION_PAGE = 2;
const MAX_VERSION_PAGE_SIZE = 20;

export function getRoutineStagingCodeUploadInfo(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx, params);
    const description = params.CodeDescription ?? "";
    const ticket = issueTicket(ctx, routine.name, "staging");
    return {
        // The real service returns an id here too; clients use the one the commit returns.
        CodeVersion: ctx.store.nextVersionId(ctx.now),
        // An untyped map in the SDK, with the lower-case spellings of the staging flow.
        OssPostConfig: {
            Url: uploadUrl(ctx),
            OSSAccessKeyId: OSS_ACCESS_KEY_ID,
            key: ticket.key,
            policy: ticket.policy,
            Signature: ticket.signature,
            callback: Buffer.from(
                JSON.stringify({ callbackUrl: `${ctx.origin}/oss-callback`, callbackBody: "bucket=${bucket}&object=${object}" }),
                "utf8",
            ).toString("base64"),
            "x:codeDescription": encodeDescription(description),
        },
    };
}

export function commitRoutineStagingCode(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx, params);
    const deployEnv = optionalEnv(params);
    if (!routine.staged) {
        throw new ApiError(
            "InvalidParameter",
            `routine "${routine.name}" has no staged code`,
            "No code has been uploaded for this routine. Upload it with the OssPostConfig of GetRoutineStagingCodeUploadInfo, then commit.",
        );
    }
    checkQuota(ctx, routine);
    const version = ctx.store.createVersion(
        routine.name,
        {
            description: params.CodeDescription ?? routine.staged.description,
            status: STATUS_AVAILABLE,
            code: routine.staged.code,
            deployEnv,
        },
        ctx.now,
    );
    return { CodeVersion: version.codeVersion };
}

export function createRoutineWithAssetsCodeVersion(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx, params);
    const deployEnv = optionalEnv(params);
    const confOptions = parseConfOptions(params.ConfOptions);
    const buildId =
        params.BuildId === undefined || params.BuildId === "" ? undefined : optionalInt(params, "BuildId", 0, 0, Number.MAX_SAFE_INTEGER);
    checkQuota(ctx, routine);
    const version = ctx.store.createVersion(
        routine.name,
        {
            description: params.CodeDescription ?? "",
            status: STATUS_INIT,
            extraInfo: params.ExtraInfo,
            confOptions,
            buildId,
            deployEnv,
            hasAssets: routine.hasAssets,
        },
        ctx.now,
    );
    const ticket = issueTicket(ctx, routine.name, "assets", version.codeVersion);
    return {
        CodeVersion: version.codeVersion,
        Status: STATUS_INIT,
        OssPostConfig: {
            Url: uploadUrl(ctx),
            OSSAccessKeyId: OSS_ACCESS_KEY_ID,
            Key: ticket.key,
            Policy: ticket.policy,
            Signature: ticket.signature,
            XOssSecurityToken: ticket.securityToken,
        },
    };
}

export function getRoutineCodeVersionInfo(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx, params);
    const version = requireVersion(ctx, routine, params);
    return {
        CodeVersion: version.codeVersion,
        Status: versionStatus(version, ctx.now),
        CodeDescription: version.description,
        CreateTime: version.createTime,
        HasAssets: version.hasAssets ?? false,
        ExtraInfo: version.extraInfo ?? "{}",
        BuildId: version.buildId,
        ...(version.confOptions ? { ConfOptions: version.confOptions } : {}),
    };
}

export function listRoutineCodeVersions(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx, params);
    const pageNumber = optionalInt(params, "PageNumber", 1, 1, MAX_VERSION_PAGE);
    const pageSize = optionalInt(params, "PageSize", MAX_VERSION_PAGE_SIZE, 1, MAX_VERSION_PAGE_SIZE);
    const keyword = params.SearchKeyWord ?? "";
    const matching = ctx.store.listVersions(routine.name).filter((v) => v.codeVersion.includes(keyword) || v.description.includes(keyword));
    return {
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: matching.length,
        CodeVersions: matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((v) => ({
            CodeVersion: v.codeVersion,
            CodeDescription: v.description,
            CreateTime: v.createTime,
            Status: versionStatus(v, ctx.now),
            BuildId: v.buildId,
            ExtraInfo: v.extraInfo ?? "{}",
            ...(v.confOptions ? { ConfOptions: v.confOptions } : {}),
        })),
    };
}

export function getRoutineCodeVersion(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx, params);
    const version = requireVersion(ctx, routine, params);
    return {
        CodeDescription: version.description,
        CreateTime: version.createTime,
        RoutineCode: version.code ?? Buffer.from(placeholderCode(routine.name, version.codeVersion), "utf8").toString("base64"),
    };
}

export function deleteRoutineCodeVersion(ctx: ActionContext, params: Params): Record<string, unknown> {
    const routine = requireRoutine(ctx, params);
    const version = requireVersion(ctx, routine, params);
    const serving = ctx.store.environmentsServing(routine.name, version.codeVersion);
    if (serving.length > 0) {
        throw new ApiError("DependedByOthers", `code version ${version.codeVersion} is deployed in ${serving.join(", ")}`);
    }
    ctx.store.deleteVersion(routine.name, version.codeVersion);
    return { Status: "OK" };
}

function requireRoutine(ctx: ActionContext, params: Params): StoredRoutine {
    const name = requireParam(params, "Name");
    const routine = ctx.store.getRoutine(name);
    if (!routine) throw new ApiError("RoutineNotExist", `routine "${name}" does not exist`);
    return routine;
}

/**
 * An unknown version is InvalidParameter: it is the code the reference lists for these
 * actions (DeleteRoutineCodeVersion's list has no ParameterNotExist).
 */
function requireVersion(ctx: ActionContext, routine: StoredRoutine, params: Params): StoredVersion {
    const codeVersion = requireParam(params, "CodeVersion");
    const version = ctx.store.getVersion(routine.name, codeVersion);
    if (!version) throw new ApiError("InvalidParameter", `routine "${routine.name}" has no code version ${codeVersion}`);
    return version;
}

function checkQuota(ctx: ActionContext, routine: StoredRoutine): void {
    const count = ctx.store.versionCount(routine.name);
    if (count >= ctx.settings.versionQuota) {
        throw new ApiError(
            "CodeVersionNumberExceedQuotaLimit",
            `routine "${routine.name}" has ${count} code versions, the quota is ${ctx.settings.versionQuota}`,
        );
    }
}

function optionalEnv(params: Params): string | undefined {
    const env = params.DeployEnv;
    if (env === undefined || env === "") return undefined;
    if (env !== "staging" && env !== "production") {
        throw new ApiError("InvalidParameter", `DeployEnv must be "staging" or "production", got "${env}"`);
    }
    return env;
}

/** `ConfOptions` arrives as a JSON string (SDK, form) or object (JSON body, flattened to a string). */
function parseConfOptions(raw: string | undefined): Record<string, unknown> | undefined {
    if (raw === undefined || raw === "") return undefined;
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        throw new ApiError("InvalidParameter", "ConfOptions is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new ApiError("InvalidParameter", 'ConfOptions must be a JSON object such as {"NotFoundStrategy":"SinglePageApplication"}');
    }
    return parsed as Record<string, unknown>;
}

function issueTicket(ctx: ActionContext, routine: string, flow: "staging" | "assets", codeVersion?: string): UploadTicket {
    return ctx.tickets.issue({ routine, flow, codeVersion, ttlSeconds: ctx.settings.uploadPolicyTtlSeconds, now: ctx.now });
}

/** On the scheme and host the API request came in on, so an HTTPS client uploads over HTTPS. */
function uploadUrl(ctx: ActionContext): string {
    return `${ctx.origin}${OSS_PATH}`;
}

/** What a version seeded by id alone (no code known) returns as its code. */
function placeholderCode(routine: string, codeVersion: string): string {
    return [
        "export default {",
        "    async fetch(request) {",
        `        return new Response(${JSON.stringify(`routine ${routine} version ${codeVersion}`)});`,
        "    },",
        "};",
        "",
    ].join("\n");
}
