/**
 * The official SDK (`@alicloud/esa20240910`) and `@alicloud/credentials`, loaded here on
 * first use and only by operations that call the API: `check` and `diff` (a preview
 * without refresh) never load them. Signing, endpoints and credential chains are the
 * SDK's job, not ours. Each resource's API (`<resource>/api.ts`) is built on this.
 */
import type { Connection, CredentialSource } from "./config";

/**
 * The official SDK ships JavaScript without type declarations: these are the shapes this
 * package relies on. Each resource's API narrows the answer bodies it reads.
 */
type SdkRuntime = ReturnType<typeof runtimeOptions>;
export interface SdkClient {
    [method: `${string}WithOptions`]: (...args: [object, SdkRuntime] | [SdkRuntime]) => Promise<{ body?: Record<string, unknown> }>;
    callApi(params: object, request: object, runtime: SdkRuntime): Promise<{ body?: Record<string, unknown> }>;
}

/** The SDK's module: its request classes, by name. */
type EsaSdk = Record<string, new (fields?: Record<string, unknown>) => object>;

/** How one request of an operation is made. */
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
     * For reads that may be shared (`../deployment/shared-reads`): the environment the caller needs
     * (an answer still tells the state of a routine's other environment after a deployment
     * to one), and how old a shared answer may be (default `SHARED_READ_TTL_MS`).
     * Implementations that do not share ignore both.
     */
    env?: string;
    maxAgeMs?: number;
}

/** A client of the official SDK for `connection`: its signing, endpoints and credential chains. */
function newSdkClient(connection: Connection): SdkClient {
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

function newCredential(source: CredentialSource): unknown {
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

export function runtimeOptions(options: CallOptions) {
    const { RuntimeOptions } = require("@darabonba/typescript");
    const timeout = Math.max(1000, Math.floor(options.timeoutMs));
    return new RuntimeOptions({ readTimeout: timeout, connectTimeout: Math.min(timeout, 10_000), autoretry: false });
}

/**
 * An RPC action through the SDK's generic `callApi`: for actions and fields SDK 2.43.0
 * does not model. Empty parameters are left out, as the typed requests do.
 */
export async function callRpc(
    client: SdkClient,
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

/** The SDK's module, loaded on first use. */
export function loadEsaSdk(): EsaSdk {
    return require("@alicloud/esa20240910");
}

/** A lazily made SDK client for `connection`: the first call loads the SDK. */
export function lazySdkClient(connection: Connection): () => SdkClient {
    let client: SdkClient | undefined;
    return () => (client ??= newSdkClient(connection));
}
