/**
 * The ESA calls of `RoutineCodeDeployment`, behind an interface, so the lifecycle can be
 * tested against an in-memory implementation and run against the official SDK: one HTTP
 * request per method, errors passed on as thrown (SDK errors carry the code and RequestId).
 */
import type { Connection } from "../esa/config";
import { CallOptions, lazySdkClient, loadEsaSdk, runtimeOptions } from "../esa/sdk";
import { toSplit } from "./split";
import type { CodeVersionSplit, LiveDeployment } from "./types";

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

export interface DeploymentApi {
    /**
     * The routine's environments. When the routine does not exist: ESA's `RoutineNotExist`
     * error (which carries its RequestId), or `undefined` from an implementation that has none.
     */
    getRoutineEnvironments(name: string, options: CallOptions): Promise<LiveEnvironment[] | undefined>;
    /** One CreateRoutineCodeDeployment call; resolves to the new deployment's id. */
    createDeployment(request: DeploymentRequest, options: CallOptions): Promise<{ deploymentId: string }>;
    /**
     * GetRoutineStagingEnvIp: the addresses of the account's staging environment, where a
     * request with a site's host name as Host reaches the staging deployment (rollout probes).
     * Optional: an implementation without a staging environment leaves it out.
     */
    stagingAddresses?(options: CallOptions): Promise<{ ipv4: string[]; requestId?: string }>;
}

export type DeploymentApiFactory = (connection: Connection) => DeploymentApi;

/** GetRoutine's answer, as far as the deployment reads it. */
interface RoutineEnvs {
    envs?: { env?: string; codeDeploy?: { deployId?: string | number; strategy?: string; codeVersions?: unknown[] } }[];
}

/** The production implementation, over the official SDK. */
export const createSdkApi: DeploymentApiFactory = (connection) => {
    const sdk = lazySdkClient(connection);
    return {
        async getRoutineEnvironments(name, options) {
            const { GetRoutineRequest } = loadEsaSdk();
            // A missing routine is ESA's RoutineNotExist error, passed on as is: it carries
            // the RequestId that the user-facing message must name.
            const response = await sdk().getRoutineWithOptions(new GetRoutineRequest({ name }), runtimeOptions(options));
            return ((response.body as RoutineEnvs | undefined)?.envs ?? []).map(toLiveEnvironment);
        },
        async createDeployment(request, options) {
            const { CreateRoutineCodeDeploymentRequest, CreateRoutineCodeDeploymentRequestCodeVersions } = loadEsaSdk();
            const response = await sdk().createRoutineCodeDeploymentWithOptions(
                new CreateRoutineCodeDeploymentRequest({
                    name: request.name,
                    env: request.env,
                    strategy: request.strategy,
                    codeVersions: request.codeVersions.map((v) => new CreateRoutineCodeDeploymentRequestCodeVersions({ ...v })),
                }),
                runtimeOptions(options),
            );
            // One sample of the API reference has DeploymentId as a string, the other as a
            // number: keep it a string whatever arrives.
            return { deploymentId: String(response.body?.deploymentId ?? "") };
        },
        async stagingAddresses(options) {
            const response = await sdk().getRoutineStagingEnvIpWithOptions(runtimeOptions(options));
            const body = (response.body ?? {}) as { IPV4?: unknown; requestId?: string };
            const ipv4 = Array.isArray(body.IPV4) ? body.IPV4.filter((a): a is string => typeof a === "string" && a !== "") : [];
            return { ipv4, requestId: body.requestId };
        },
    };
};

function toLiveEnvironment(env: NonNullable<RoutineEnvs["envs"]>[number]): LiveEnvironment {
    const deploy = env?.codeDeploy;
    const versions = deploy?.codeVersions ?? [];
    if (!deploy || versions.length === 0) return { env: String(env?.env ?? "") };
    return {
        env: String(env.env),
        deployment: {
            deploymentId: String(deploy.deployId ?? ""),
            strategy: String(deploy.strategy || "percentage").toLowerCase(),
            codeVersions: toSplit(versions as Parameters<typeof toSplit>[0]),
        },
    };
}
