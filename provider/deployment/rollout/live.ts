/**
 * A fresh read of what one environment serves, for the walk: before judging a step it
 * must see the split as it is now, never an answer shared from a few seconds ago, or a
 * change made elsewhere during the hold would go unnoticed. The answer is still shared
 * afterwards, so the next step's deployment needs no read of its own before it.
 */
import { CallFailed, CallContext, Calls } from "../../esa/call";
import type { DeploymentApi } from "../api";
import { findEnvironment } from "../lifecycle";
import { canonicalOrder } from "../split";
import type { LiveDeployment } from "../types";

const REQUEST_TIMEOUT_MS = 30_000;
const DEADLINE_MS = 120_000;

export async function readLiveFresh(
    access: CallContext & { api: DeploymentApi },
    name: string,
    env: string,
): Promise<LiveDeployment | undefined> {
    try {
        const envs = await new Calls(access, {}, DEADLINE_MS).call({
            action: "GetRoutine",
            routine: name,
            env,
            run: (options) => access.api.getRoutineEnvironments(name, { ...options, fresh: true, env }),
            retryAmbiguous: true,
            maxRequestMs: REQUEST_TIMEOUT_MS,
        });
        const deployment = envs && findEnvironment(envs, env)?.deployment;
        return deployment && { ...deployment, codeVersions: canonicalOrder([...deployment.codeVersions]) };
    } catch (error) {
        throw error instanceof CallFailed ? error.userError : error;
    }
}
