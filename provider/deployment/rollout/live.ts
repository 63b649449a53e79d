/**
 * A fresh read of what one environment serves, for the walk: before judging a step it
 * must see the split as it is now, never an answer shared from a few seconds ago, or a
 * change made elsewhere during the hold would go unnoticed. The answer is still shared
 * afterwards, so the next step's deployment needs no read of its own before it.
 */
import type { CallOptions, EsaApi } from "../../esa/client";
import { Connection, describeCredentials, secretsOf } from "../../esa/config";
import { explain } from "../../esa/errors";
import { Clock, RetriesStopped, retryBound, withRetries } from "../../esa/retry";
import { findEnvironment } from "../lifecycle";
import { canonicalOrder } from "../split";
import type { LiveDeployment } from "../types";

const REQUEST_TIMEOUT_MS = 30_000;
const DEADLINE_MS = 120_000;

export async function readLiveFresh(
    access: { api: EsaApi; connection: Connection },
    clock: Clock,
    name: string,
    env: string,
): Promise<LiveDeployment | undefined> {
    const options: CallOptions = { fresh: true, env, timeoutMs: REQUEST_TIMEOUT_MS };
    const deadline = clock.now() + DEADLINE_MS;
    try {
        const envs = await withRetries(
            (attempt) => access.api.getRoutineEnvironments(name, { ...options, ...retryBound(attempt, deadline) }),
            {
                deadline,
                clock,
                retryAmbiguous: true,
                // The client paces its own calls (below the shared answers).
                limiter: "inside",
            },
        );
        const deployment = envs && findEnvironment(envs, env)?.deployment;
        return deployment && { ...deployment, codeVersions: canonicalOrder([...deployment.codeVersions]) };
    } catch (error) {
        if (!(error instanceof RetriesStopped)) throw error;
        const credentials = describeCredentials(access.connection.credentials);
        throw explain(error.failure, { action: "GetRoutine", routine: name, env, credentials }, secretsOf(access.connection.credentials));
    }
}
