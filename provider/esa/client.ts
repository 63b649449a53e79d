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

function newSdkClient(connection: Connection): any {
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

function loadEsaSdk(): any {
    return require("@alicloud/esa20240910");
}
