/**
 * The address of a routine's staging environment (`GetRoutineStagingEnvIp`), for probes
 * with `target: "staging"`: requests sent there with the site's host name as Host reach
 * the staging deployment. Through the official SDK's generic `callApi`, with the same
 * retries and error explanations as every other call.
 */
import { Connection, describeCredentials, secretsOf } from "../../esa/config";
import { explain } from "../../esa/errors";
import { Clock, RetriesStopped, withRetries } from "../../esa/retry";

const REQUEST_TIMEOUT_MS = 10_000;
const DEADLINE_MS = 60_000;

export async function stagingAddress(connection: Connection, clock: Clock, routine: string): Promise<string> {
    const client = newClient(connection);
    const { $OpenApiUtil } = require("@alicloud/openapi-core");
    const { RuntimeOptions } = require("@darabonba/typescript");
    const params = new $OpenApiUtil.Params({
        action: "GetRoutineStagingEnvIp",
        version: "2024-09-10",
        protocol: connection.endpoint?.protocol === "http" ? "HTTP" : "HTTPS",
        pathname: "/",
        method: "GET",
        authType: "AK",
        style: "RPC",
        reqBodyType: "formData",
        bodyType: "json",
    });
    const runtime = new RuntimeOptions({ readTimeout: REQUEST_TIMEOUT_MS, connectTimeout: REQUEST_TIMEOUT_MS, autoretry: false });
    try {
        const response = await withRetries(() => client.callApi(params, new $OpenApiUtil.OpenApiRequest({}), runtime), {
            deadline: clock.now() + DEADLINE_MS,
            clock,
            retryAmbiguous: true,
        });
        const body = (response as any)?.body ?? {};
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

function newClient(connection: Connection): any {
    const Client = require("@alicloud/esa20240910").default;
    const { Config } = require("@alicloud/openapi-core").$OpenApiUtil;
    return new Client(
        new Config({
            credential: newCredential(connection),
            regionId: connection.regionId,
            ...(connection.endpoint ? { endpoint: connection.endpoint.host, protocol: connection.endpoint.protocol } : {}),
            userAgent: "esa-routine-deployment",
        }),
    );
}

function newCredential(connection: Connection): any {
    const credentials = require("@alicloud/credentials");
    const Credential = credentials.default;
    const source = connection.credentials;
    if (source.kind === "static") {
        const builder = source.securityToken
            ? credentials.StaticSTSCredentialsProvider.builder().withSecurityToken(source.securityToken)
            : credentials.StaticAKCredentialsProvider.builder();
        return new Credential(null, builder.withAccessKeyId(source.accessKeyId).withAccessKeySecret(source.accessKeySecret).build());
    }
    if (source.kind === "profile") {
        return new Credential(null, credentials.CLIProfileCredentialsProvider.builder().withProfileName(source.profile).build());
    }
    return new Credential();
}
