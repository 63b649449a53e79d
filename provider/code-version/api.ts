/**
 * The ESA calls of `RoutineCodeVersion`, behind an interface (tests pass an in-memory one):
 * one HTTP request per method, so that each is retried on its own, and errors passed on
 * as thrown (SDK errors carry the code and RequestId). The code itself goes to OSS with a
 * form POST (`upload`), as Alibaba's own tools send it.
 */
import type { Connection } from "../esa/config";
import { getRoutineInfo, RoutineInfo } from "../esa/routine-info";
import { CallOptions, callRpc, lazySdkClient, loadEsaSdk, runtimeOptions } from "../esa/sdk";

/** A code version as ListRoutineCodeVersions / GetRoutineCodeVersionInfo report it. */
export interface CodeVersionInfo {
    /** A 19-digit id, always a string. */
    codeVersion: string;
    /** `init`, `available` (any case) or a failed build's status. */
    status: string;
    description: string;
    createTime: string;
}

/** An OSS form upload: where to POST, and the text fields before the file, in order. */
export interface UploadForm {
    url: string;
    fields: [string, string][];
}

export interface CodeVersionApi {
    /** The routine (which versions serve where), or ESA's `RoutineNotExist` error. */
    getRoutine(name: string, options: CallOptions): Promise<RoutineInfo>;
    /** Staging flow, step 1: where to upload the code. */
    stagingUploadInfo(name: string, codeDescription: string, options: CallOptions): Promise<{ codeVersion: string; form: UploadForm }>;
    /** Staging flow, step 3: commit what was uploaded; its id is the version's id. */
    commitStagingCode(
        request: { name: string; codeDescription: string; deployEnv?: string },
        options: CallOptions,
    ): Promise<{ codeVersion: string }>;
    /** Assets flow, step 1: a new `init` version and where to upload its zip. */
    createAssetsVersion(
        request: { name: string; codeDescription: string; deployEnv?: string },
        options: CallOptions,
    ): Promise<{ codeVersion: string; status: string; form: UploadForm }>;
    /** The version, or ESA's error when it does not exist. */
    codeVersionInfo(name: string, codeVersion: string, options: CallOptions): Promise<CodeVersionInfo>;
    /** One page (1 or 2) of at most 20 versions, newest first. */
    listCodeVersions(name: string, pageNumber: number, options: CallOptions): Promise<{ versions: CodeVersionInfo[]; totalCount: number }>;
    deleteCodeVersion(name: string, codeVersion: string, options: CallOptions): Promise<void>;
    /** The OSS form POST: the fields, then the file last as `file`. */
    upload(form: UploadForm, file: Uint8Array, filename: string, options: CallOptions): Promise<void>;
}

export type CodeVersionApiFactory = (connection: Connection) => CodeVersionApi;

/** Thrown by `upload` when OSS refuses the form; shaped like an API failure for `toApiFailure`. */
class UploadRefused extends Error {
    readonly code: string;
    readonly statusCode: number;
    readonly requestId?: string;
    constructor(statusCode: number, code: string, message: string, requestId?: string) {
        super(message);
        this.name = "UploadRefused";
        this.statusCode = statusCode;
        this.code = code;
        this.requestId = requestId;
    }
}

/** The production implementation, over the official SDK. */
export const createSdkCodeVersionApi: CodeVersionApiFactory = (connection) => {
    const sdk = lazySdkClient(connection);
    const esa = loadEsaSdk;
    const rpc = (action: string, body: Record<string, string | undefined>, options: CallOptions) => callRpc(sdk(), action, body, options);
    return {
        getRoutine: (name, options) => getRoutineInfo(sdk(), name, options),
        async stagingUploadInfo(name, codeDescription, options) {
            const response = await sdk().getRoutineStagingCodeUploadInfoWithOptions(
                new (esa().GetRoutineStagingCodeUploadInfoRequest)({ name, codeDescription }),
                runtimeOptions(options),
            );
            const body = response.body ?? {};
            return { codeVersion: String(body.codeVersion ?? ""), form: toUploadForm(body.ossPostConfig) };
        },
        async commitStagingCode(request, options) {
            // DeployEnv is not in 2.43.0's typed request: the generic call sends it.
            const body = await rpc(
                "CommitRoutineStagingCode",
                { Name: request.name, CodeDescription: request.codeDescription, DeployEnv: request.deployEnv },
                options,
            );
            return { codeVersion: String(body.CodeVersion ?? "") };
        },
        async createAssetsVersion(request, options) {
            const body = await rpc(
                "CreateRoutineWithAssetsCodeVersion",
                { Name: request.name, CodeDescription: request.codeDescription, DeployEnv: request.deployEnv },
                options,
            );
            return {
                codeVersion: String(body.CodeVersion ?? ""),
                status: String(body.Status ?? ""),
                form: toUploadForm(body.OssPostConfig),
            };
        },
        async codeVersionInfo(name, codeVersion, options) {
            // Not in SDK 2.43.0: the generic call.
            const body = await rpc("GetRoutineCodeVersionInfo", { Name: name, CodeVersion: codeVersion }, options);
            return toCodeVersionInfo(body, codeVersion);
        },
        async listCodeVersions(name, pageNumber, options) {
            const response = await sdk().listRoutineCodeVersionsWithOptions(
                new (esa().ListRoutineCodeVersionsRequest)({ name, pageNumber, pageSize: 20 }),
                runtimeOptions(options),
            );
            const body = (response.body ?? {}) as { codeVersions?: unknown[]; totalCount?: unknown };
            return {
                versions: (body.codeVersions ?? []).map((v) => toCodeVersionInfo(v)).filter((v) => /^\d+$/.test(v.codeVersion)),
                totalCount: Number(body.totalCount ?? 0),
            };
        },
        async deleteCodeVersion(name, codeVersion, options) {
            await sdk().deleteRoutineCodeVersionWithOptions(
                new (esa().DeleteRoutineCodeVersionRequest)({ name, codeVersion }),
                runtimeOptions(options),
            );
        },
        async upload(form, file, filename, options) {
            await postForm(form, file, filename, options.timeoutMs);
        },
    };
};

/**
 * `OssPostConfig` as a form: every key but `Url`, in the order given, `XOssSecurityToken`
 * sent as `x-oss-security-token` and dropped when empty. The staging flow spells
 * `key`/`policy` in lower case, the assets flow `Key`/`Policy`: OSS wants lower case.
 */
export function toUploadForm(config: unknown): UploadForm {
    const source = (config && typeof config === "object" ? config : {}) as Record<string, unknown>;
    let url = "";
    const fields: [string, string][] = [];
    for (const [key, raw] of Object.entries(source)) {
        const value = raw === undefined || raw === null ? "" : String(raw);
        if (/^url$/i.test(key)) {
            url = value;
        } else if (/^xosssecuritytoken$/i.test(key)) {
            if (value) fields.push(["x-oss-security-token", value]);
        } else if (key === "Key" || key === "Policy" || key === "Signature") {
            fields.push([key === "Signature" ? key : key.toLowerCase(), value]);
        } else {
            fields.push([key, value]);
        }
    }
    return { url, fields };
}

/** A multipart/form-data POST with Node's own `fetch`; success is 200 or 204. */
async function postForm(form: UploadForm, file: Uint8Array, filename: string, timeoutMs: number): Promise<void> {
    if (!form.url) throw new UploadRefused(0, "InvalidUploadConfig", "ESA returned no upload URL (OssPostConfig.Url)");
    const body = new FormData();
    for (const [key, value] of form.fields) body.append(key, value);
    body.append("file", new Blob([file]), filename);
    let response: Response;
    try {
        response = await fetch(form.url, { method: "POST", body, signal: AbortSignal.timeout(Math.max(1000, timeoutMs)) });
    } catch (error: any) {
        // Shaped for `classify`: a timeout or a broken connection is ambiguous.
        const cause = error?.cause ?? {};
        const code = error?.name === "TimeoutError" ? "RequestTimeout" : String(cause.code ?? "ECONNRESET");
        throw Object.assign(new Error(`the upload to ${new URL(form.url).host} failed: ${cause.message ?? error?.message ?? error}`), {
            code,
        });
    }
    const text = await response.text().catch(() => "");
    if (response.status === 200 || response.status === 204) return;
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `Http${response.status}`;
    const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1] ?? `HTTP ${response.status}`;
    const requestId = /<RequestId>([^<]+)<\/RequestId>/.exec(text)?.[1] ?? response.headers.get("x-oss-request-id") ?? undefined;
    throw new UploadRefused(response.status, code, `the code upload was refused: ${message}`, requestId);
}

function toCodeVersionInfo(raw: unknown, fallbackId = ""): CodeVersionInfo {
    const fields = (raw ?? {}) as Record<string, unknown>;
    const get = (camel: string) => fields[camel] ?? fields[camel[0].toUpperCase() + camel.slice(1)];
    return {
        codeVersion: String(get("codeVersion") ?? fallbackId),
        status: String(get("status") ?? ""),
        description: String(get("codeDescription") ?? ""),
        createTime: String(get("createTime") ?? ""),
    };
}
