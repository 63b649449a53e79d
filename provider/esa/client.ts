/**
 * The two ESA calls the resource needs, behind an interface, so the lifecycle can be
 * tested against an in-memory implementation and run against the official SDK.
 *
 * The SDK (`@alicloud/esa20240910`) and `@alicloud/credentials` are loaded here, on
 * first use, and only by operations that call the API: `check` and `diff` (a preview
 * without refresh) never load them. Signing, endpoints and credential chains are the
 * SDK's job, not ours.
 */
import type { Connection, CredentialSource } from "./config";
import { toSplit } from "../deployment/split";
import { CodeVersionSplit, LiveDeployment } from "../deployment/types";

/** One environment of a routine as GetRoutine reports it. */
export interface LiveEnvironment {
    env: string;
    /** Absent when nothing was ever deployed to that environment. */
    deployment?: LiveDeployment;
}

export interface DeploymentRequest {
    name: string;
    env: string;
    strategy: string;
    codeVersions: CodeVersionSplit[];
}

export interface EsaApi {
    /**
     * The routine's environments. When the routine does not exist: ESA's `RoutineNotExist`
     * error (which carries its RequestId), or `undefined` from an implementation that has none.
     */
    getRoutineEnvironments(name: string, options: CallOptions): Promise<LiveEnvironment[] | undefined>;
    /** One CreateRoutineCodeDeployment call; resolves to the new deployment's id. */
    createDeployment(request: DeploymentRequest, options: CallOptions): Promise<{ deploymentId: string }>;
}

export interface CallOptions {
    /** How long one HTTP request may take, in milliseconds. */
    timeoutMs: number;
    /**
     * A retry's: the operation's deadline (epoch ms). A pacing layer (`pacedApi`) whose
     * token comes later does not send the request (`retryBound`).
     */
    notAfter?: number;
    /** The read must reflect every change made so far (no shared, slightly older answer). */
    fresh?: boolean;
    /**
     * For reads that may be shared (`./shared-reads`): the environment the caller needs
     * (an answer still tells the state of a routine's other environment after a deployment
     * to one), and how old a shared answer may be (default `SHARED_READ_TTL_MS`).
     * Implementations that do not share ignore both.
     */
    env?: string;
    maxAgeMs?: number;
}

export type EsaApiFactory = (connection: Connection) => EsaApi;

/** The production implementation, over the official SDK. */
export const createSdkApi: EsaApiFactory = (connection) => {
    let client: any;
    const sdk = () => {
        client ??= newSdkClient(connection);
        return client;
    };
    return {
        async getRoutineEnvironments(name, options) {
            const { GetRoutineRequest } = loadEsaSdk();
            // A missing routine is ESA's RoutineNotExist error, passed on as is: it carries
            // the RequestId that the user-facing message must name.
            const response = await sdk().getRoutineWithOptions(new GetRoutineRequest({ name }), runtimeOptions(options));
            return ((response.body?.envs ?? []) as any[]).map(toLiveEnvironment);
        },
        async createDeployment(request, options) {
            const { CreateRoutineCodeDeploymentRequest, CreateRoutineCodeDeploymentRequestCodeVersions } = loadEsaSdk();
            const response = await sdk().createRoutineCodeDeploymentWithOptions(
                new CreateRoutineCodeDeploymentRequest({
                    name: request.name,
                    env: request.env,
                    strategy: request.strategy,
                    codeVersions: request.codeVersions.map((v) => new CreateRoutineCodeDeploymentRequestCodeVersions(v)),
                }),
                runtimeOptions(options),
            );
            // One sample of the API reference has DeploymentId as a string, the other as a
            // number: keep it a string whatever arrives.
            return { deploymentId: String(response.body?.deploymentId ?? "") };
        },
    };
};

function toLiveEnvironment(env: any): LiveEnvironment {
    const deploy = env?.codeDeploy;
    const versions = (deploy?.codeVersions ?? []) as any[];
    if (!deploy || versions.length === 0) return { env: String(env?.env ?? "") };
    return {
        env: String(env.env),
        deployment: {
            deploymentId: String(deploy.deployId ?? ""),
            strategy: String(deploy.strategy || "percentage").toLowerCase(),
            codeVersions: toSplit(versions),
        },
    };
}

/** A client of the official SDK for `connection`: its signing, endpoints and credential chains. */
export function newSdkClient(connection: Connection): any {
    const Client = require("@alicloud/esa20240910").default;
    const { Config } = require("@alicloud/openapi-core").$OpenApiUtil;
    return new Client(
        new Config({
            credential: newCredential(connection.credentials),
            regionId: connection.regionId,
            ...(connection.endpoint ? { endpoint: connection.endpoint.host, protocol: connection.endpoint.protocol } : {}),
            userAgent: "esa-routine-deployment",
        }),
    );
}

function newCredential(source: CredentialSource): any {
    const credentials = require("@alicloud/credentials");
    const Credential = credentials.default;
    switch (source.kind) {
        case "static": {
            const provider = source.securityToken
                ? credentials.StaticSTSCredentialsProvider.builder()
                      .withAccessKeyId(source.accessKeyId)
                      .withAccessKeySecret(source.accessKeySecret)
                      .withSecurityToken(source.securityToken)
                      .build()
                : credentials.StaticAKCredentialsProvider.builder()
                      .withAccessKeyId(source.accessKeyId)
                      .withAccessKeySecret(source.accessKeySecret)
                      .build();
            return new Credential(null, provider);
        }
        case "profile":
            return new Credential(null, credentials.CLIProfileCredentialsProvider.builder().withProfileName(source.profile).build());
        default:
            return new Credential();
    }
}

function runtimeOptions(options: CallOptions): any {
    const { RuntimeOptions } = require("@darabonba/typescript");
    const timeout = Math.max(1000, Math.floor(options.timeoutMs));
    return new RuntimeOptions({ readTimeout: timeout, connectTimeout: Math.min(timeout, 10_000), autoretry: false });
}

/**
 * An RPC action through the SDK's generic `callApi`: for actions and fields SDK 2.43.0
 * does not model. Empty parameters are left out, as the typed requests do.
 */
export async function callRpc(
    client: any,
    action: string,
    body: Record<string, string | undefined>,
    options: CallOptions,
): Promise<Record<string, any>> {
    const { $OpenApiUtil, OpenApiUtil } = require("@alicloud/openapi-core");
    const defined: Record<string, string> = {};
    for (const [key, value] of Object.entries(body)) if (value !== undefined && value !== "") defined[key] = value;
    const params = new $OpenApiUtil.Params({
        action,
        version: "2024-09-10",
        protocol: "HTTPS",
        pathname: "/",
        method: "POST",
        authType: "AK",
        style: "RPC",
        reqBodyType: "formData",
        bodyType: "json",
    });
    const request = new $OpenApiUtil.OpenApiRequest({ body: OpenApiUtil.parseToMap(defined) });
    const response = await client.callApi(params, request, runtimeOptions(options));
    return (response?.body ?? {}) as Record<string, any>;
}

function loadEsaSdk(): any {
    return require("@alicloud/esa20240910");
}

// ---------------------------------------------------------------------------------------
// Releasing code (`Routine`, `RoutineCodeVersion`, SPEC §9)
// ---------------------------------------------------------------------------------------

/** A code version as ListRoutineCodeVersions / GetRoutineCodeVersionInfo report it. */
export interface CodeVersionInfo {
    /** A 19-digit id, always a string. */
    codeVersion: string;
    /** `init`, `available` (any case) or a failed build's status. */
    status: string;
    description: string;
    createTime: string;
}

/** A routine as GetRoutine reports it, with the versions each environment serves. */
export interface RoutineInfo {
    name: string;
    description: string;
    createTime: string;
    hasAssets: boolean;
    /** Environment → the code versions its live deployment serves. */
    serving: Record<string, string[]>;
}

/** An OSS form upload: where to POST, and the text fields before the file, in order. */
export interface UploadForm {
    url: string;
    fields: [string, string][];
}

/**
 * The ESA calls of the release resources, one HTTP request per method, so that the
 * lifecycle wraps each in its own retries (and, through them, the rate limiter).
 * Errors are passed on as thrown (SDK errors carry the code and RequestId).
 */
export interface ReleaseApi {
    /** GetErService's `Status`: `Running` when the account's Edge Routine service is open. */
    erServiceStatus(options: CallOptions): Promise<string>;
    createRoutine(request: { name: string; description: string; hasAssets: boolean }, options: CallOptions): Promise<void>;
    /** The routine, or ESA's `RoutineNotExist` error. */
    getRoutine(name: string, options: CallOptions): Promise<RoutineInfo>;
    updateRoutineDescription(name: string, description: string, options: CallOptions): Promise<void>;
    deleteRoutine(name: string, options: CallOptions): Promise<void>;
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

export type ReleaseApiFactory = (connection: Connection) => ReleaseApi;

/** Thrown by `upload` when OSS refuses the form; shaped like an API failure for `toApiFailure`. */
export class UploadRefused extends Error {
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

/** The production implementation of the release calls, over the official SDK. */
export const createSdkReleaseApi: ReleaseApiFactory = (connection) => {
    let client: any;
    const sdk = () => {
        client ??= newSdkClient(connection);
        return client;
    };
    const esa = () => loadEsaSdk();
    const rpc = (action: string, body: Record<string, string | undefined>, options: CallOptions) => callRpc(sdk(), action, body, options);
    return {
        async erServiceStatus(options) {
            const response = await sdk().getErServiceWithOptions(new (esa().GetErServiceRequest)({}), runtimeOptions(options));
            return String(response.body?.status ?? "");
        },
        async createRoutine(request, options) {
            await sdk().createRoutineWithOptions(new (esa().CreateRoutineRequest)(request), runtimeOptions(options));
        },
        async getRoutine(name, options) {
            const response = await sdk().getRoutineWithOptions(new (esa().GetRoutineRequest)({ name }), runtimeOptions(options));
            const body = response.body ?? {};
            const serving: Record<string, string[]> = {};
            for (const env of (body.envs ?? []) as any[]) {
                const versions = ((env?.codeDeploy?.codeVersions ?? []) as any[]).map((v) => String(v?.codeVersion ?? "")).filter(Boolean);
                serving[String(env?.env ?? "")] = versions;
            }
            return {
                name,
                description: String(body.description ?? ""),
                createTime: String(body.createTime ?? ""),
                hasAssets: body.hasAssets === true,
                serving,
            };
        },
        async updateRoutineDescription(name, description, options) {
            await sdk().updateRoutineConfigDescriptionWithOptions(
                new (esa().UpdateRoutineConfigDescriptionRequest)({ name, description }),
                runtimeOptions(options),
            );
        },
        async deleteRoutine(name, options) {
            await sdk().deleteRoutineWithOptions(new (esa().DeleteRoutineRequest)({ name }), runtimeOptions(options));
        },
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
            const body = response.body ?? {};
            return {
                versions: ((body.codeVersions ?? []) as any[]).map((v) => toCodeVersionInfo(v)).filter((v) => /^\d+$/.test(v.codeVersion)),
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

function toCodeVersionInfo(raw: any, fallbackId = ""): CodeVersionInfo {
    const get = (camel: string) => raw?.[camel] ?? raw?.[camel[0].toUpperCase() + camel.slice(1)];
    return {
        codeVersion: String(get("codeVersion") ?? fallbackId),
        status: String(get("status") ?? ""),
        description: String(get("codeDescription") ?? ""),
        createTime: String(get("createTime") ?? ""),
    };
}
