/**
 * A routine as GetRoutine reports it, the way `Routine` and `RoutineCodeVersion` read it
 * (its description and creation, and which versions each environment serves), shared here
 * since both resources ask.
 */
import type { CallOptions, SdkClient } from "./sdk";
import { loadEsaSdk, runtimeOptions } from "./sdk";

/** A routine as GetRoutine reports it, with the versions each environment serves. */
export interface RoutineInfo {
    name: string;
    description: string;
    createTime: string;
    hasAssets: boolean;
    /** Environment → the code versions its live deployment serves. */
    serving: Record<string, string[]>;
}

interface RoutineBody {
    description?: string;
    createTime?: string;
    hasAssets?: boolean;
    envs?: { env?: string; codeDeploy?: { codeVersions?: { codeVersion?: unknown }[] } }[];
}

/** GetRoutine of `name`, or ESA's `RoutineNotExist` error. */
export async function getRoutineInfo(client: SdkClient, name: string, options: CallOptions): Promise<RoutineInfo> {
    const response = await client.getRoutineWithOptions(new (loadEsaSdk().GetRoutineRequest)({ name }), runtimeOptions(options));
    const body = (response.body ?? {}) as RoutineBody;
    const serving: Record<string, string[]> = {};
    for (const env of body.envs ?? []) {
        const versions = (env?.codeDeploy?.codeVersions ?? []).map((v) => String(v?.codeVersion ?? "")).filter(Boolean);
        serving[String(env?.env ?? "")] = versions;
    }
    return {
        name,
        description: String(body.description ?? ""),
        createTime: String(body.createTime ?? ""),
        hasAssets: body.hasAssets === true,
        serving,
    };
}
