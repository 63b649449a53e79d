/**
 * The address of a routine's staging environment (`GetRoutineStagingEnvIp`), for probes
 * with `target: "staging"`: requests sent there with the site's host name as Host reach
 * the staging deployment. Made as every other call is (`../../esa/call`).
 */
import { CallFailed, CallContext, Calls } from "../../esa/call";
import { createSdkApi, DeploymentApi } from "../api";

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The first IPv4 address GetRoutineStagingEnvIp names, asked for (with retries) for at
 * most `withinMs`: the time left to the gate that needs it, so that nothing goes on
 * asking once the gate has given up.
 */
export async function stagingAddress(access: CallContext & { api: DeploymentApi }, routine: string, withinMs: number): Promise<string> {
    // An API object without the lookup (an implementation written before it) asks the
    // official SDK, as the lookup always did.
    const lookup = access.api.stagingAddresses?.bind(access.api) ?? createSdkApi(access.connection).stagingAddresses!;
    let answer: { ipv4: string[]; requestId?: string };
    try {
        // Each request waits no longer than the time left (the SDK's floor is 1 s).
        answer = await new Calls(access, {}, withinMs).call({
            action: "GetRoutineStagingEnvIp",
            routine,
            run: (options) => lookup(options),
            retryAmbiguous: true,
            maxRequestMs: REQUEST_TIMEOUT_MS,
        });
    } catch (error) {
        throw error instanceof CallFailed ? error.userError : error;
    }
    const address = answer.ipv4[0];
    if (!address) throw new Error(`GetRoutineStagingEnvIp answered without an IPv4 address (RequestId ${answer.requestId ?? "unknown"}).`);
    return address;
}
