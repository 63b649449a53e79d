/**
 * The address of a routine's staging environment (`GetRoutineStagingEnvIp`), for probes
 * with `target: "staging"`: requests sent there with the site's host name as Host reach
 * the staging deployment. Through the official SDK's generic `callApi`, with the same
 * retries and error explanations as every other call.
 */
import { Connection, describeCredentials, secretsOf } from "../../esa/config";
import { explain } from "../../esa/errors";
import { Clock, RetriesStopped, withRetries } from "../../esa/retry";
import { callRpc, newSdkClient } from "../../esa/client";

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The first IPv4 address GetRoutineStagingEnvIp names, asked for (with retries) for at
 * most `withinMs`: the time left to the gate that needs it, so that nothing goes on
 * asking once the gate has given up.
 */
export async function stagingAddress(connection: Connection, clock: Clock, routine: string, withinMs: number): Promise<string> {
    const client = newSdkClient(connection);
    const deadline = clock.now() + withinMs;
    try {
        // Each request waits no longer than the time left (the SDK's floor is 1 s).
        const body = await withRetries(
            () => callRpc(client, "GetRoutineStagingEnvIp", {}, { timeoutMs: Math.min(REQUEST_TIMEOUT_MS, deadline - clock.now()) }),
            { deadline, clock, retryAmbiguous: true },
        );
        const addresses: unknown = body.IPV4 ?? body.Ipv4 ?? body.ipv4;
        const address = Array.isArray(addresses) ? addresses.find((a) => typeof a === "string" && a !== "") : undefined;
        if (!address)
            throw new Error(
                `GetRoutineStagingEnvIp answered without an IPv4 address (RequestId ${body.RequestId ?? body.requestId ?? "unknown"}).`,
            );
        return address;
    } catch (error) {
        if (!(error instanceof RetriesStopped)) throw error;
        throw explain(
            error.failure,
            { action: "GetRoutineStagingEnvIp", routine, credentials: describeCredentials(connection.credentials) },
            secretsOf(connection.credentials),
        );
    }
}
