/**
 * Where the API is and who calls it (README: Configuration and credentials). First hit wins:
 *
 *   resource input → stack config → environment → the @alicloud/credentials default chain
 *
 * Stack config accepts this package's own keys (`esa:*`) and the official alicloud
 * provider's (`alicloud:*`), so a stack that already uses that provider needs no new
 * config. Everything here is resolved inside the provider process at call time and
 * kept in memory only: nothing of it is returned to the engine, so no credential can
 * reach the stack state, the serialized provider, logs or error messages.
 */

/** Stack config as the dynamic provider's `configure` sees it: full `namespace:key` names. */
export type ConfigLookup = (key: string) => string | undefined;

export const DEFAULT_REGION = "cn-hangzhou";
export const DEFAULT_TIMEOUT_SECONDS = 300;

/** The stack config keys read, in order of precedence within each setting. */
export const CONFIG_KEYS = {
    region: ["esa:region", "alicloud:region"],
    endpoint: ["esa:endpoint"],
    timeoutSeconds: ["esa:timeoutSeconds"],
    maxRequestsPerSecond: ["esa:maxRequestsPerSecond"],
    // The package's own keys first: the native plugin is given only the `esa:` namespace.
    accessKeyId: ["esa:accessKey", "alicloud:accessKey"],
    accessKeySecret: ["esa:secretKey", "alicloud:secretKey"],
    securityToken: ["esa:securityToken", "alicloud:securityToken"],
    profile: ["esa:profile", "alicloud:profile"],
} as const;

/** Environment variables read, in order: Alibaba Cloud's own names, then the Terraform provider's. */
export const ENV_KEYS = {
    region: ["ALIBABA_CLOUD_REGION", "ALICLOUD_REGION"],
    endpoint: ["ALIBABA_CLOUD_ESA_ENDPOINT"],
    maxRequestsPerSecond: ["ALIBABA_CLOUD_ESA_MAX_REQUESTS_PER_SECOND"],
    accessKeyId: ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"],
    accessKeySecret: ["ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"],
    securityToken: ["ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"],
    profile: ["ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE"],
} as const;

export type CredentialSource =
    | { kind: "static"; origin: "stack config" | "environment"; accessKeyId: string; accessKeySecret: string; securityToken?: string }
    | { kind: "profile"; origin: "stack config" | "environment"; profile: string }
    /** Profile file, ECS RAM role, OIDC role (CI pipelines)… as @alicloud/credentials finds them. */
    | { kind: "default-chain" };

export interface Connection {
    regionId: string;
    /** Set only when overridden; otherwise the official SDK derives it from the region. */
    endpoint?: { host: string; protocol: "http" | "https" };
    credentials: CredentialSource;
    timeoutMs: number;
    /**
     * The most requests per second the provider process may send (all resources
     * together), when set; the process's rate limiter never goes above it.
     */
    maxRequestsPerSecond?: number;
}

interface ConnectionOverrides {
    region?: string;
    endpoint?: string;
    timeoutSeconds?: number;
}

export function resolveConnection(overrides: ConnectionOverrides, config: ConfigLookup, env: NodeJS.ProcessEnv = process.env): Connection {
    const fromConfig = (keys: readonly string[]) => firstSet(keys.map((k) => config(k)));
    const fromEnv = (keys: readonly string[]) => firstSet(keys.map((k) => env[k]));

    const regionId = firstSet([overrides.region, fromConfig(CONFIG_KEYS.region), fromEnv(ENV_KEYS.region)]) ?? DEFAULT_REGION;
    const endpoint = firstSet([overrides.endpoint, fromConfig(CONFIG_KEYS.endpoint), fromEnv(ENV_KEYS.endpoint)]);
    const timeout = overrides.timeoutSeconds ?? parseTimeout(fromConfig(CONFIG_KEYS.timeoutSeconds));

    const maxRequestsPerSecond = firstSet([fromConfig(CONFIG_KEYS.maxRequestsPerSecond), fromEnv(ENV_KEYS.maxRequestsPerSecond)]);

    return {
        regionId,
        endpoint: endpoint ? parseEndpoint(endpoint) : undefined,
        credentials: resolveCredentials(fromConfig, fromEnv),
        timeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_SECONDS) * 1000,
        ...(maxRequestsPerSecond !== undefined ? { maxRequestsPerSecond: parseRate(maxRequestsPerSecond) } : {}),
    };
}

/** `esa:timeoutSeconds`: a positive number of seconds up to a day, or a message that names the setting and says what to do. */
function parseTimeout(text: string | undefined): number {
    if (text === undefined) return DEFAULT_TIMEOUT_SECONDS;
    const seconds = Number(text.trim());
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
        throw new Error(
            `esa:timeoutSeconds is "${text}": set it to a positive number of seconds, at most ${MAX_TIMEOUT_SECONDS} (a day), ` +
                "e.g. `pulumi config set esa:timeoutSeconds 600`, or remove it for the default (300).",
        );
    }
    return seconds;
}

/** A positive number of requests per second, or a message that names the setting and says what to do. */
function parseRate(text: string): number {
    const rate = Number(text.trim());
    if (!Number.isFinite(rate) || rate <= 0) {
        throw new Error(
            `esa:maxRequestsPerSecond (or ALIBABA_CLOUD_ESA_MAX_REQUESTS_PER_SECOND) is "${text}": set it to a positive number of requests ` +
                "per second (e.g. `pulumi config set esa:maxRequestsPerSecond 20`), or remove it to let the provider learn the account's rate.",
        );
    }
    return rate;
}

function resolveCredentials(
    fromConfig: (keys: readonly string[]) => string | undefined,
    fromEnv: (keys: readonly string[]) => string | undefined,
): CredentialSource {
    for (const [origin, lookup] of [
        ["stack config", fromConfig],
        ["environment", fromEnv],
    ] as const) {
        const keys = origin === "stack config" ? CONFIG_KEYS : ENV_KEYS;
        const accessKeyId = lookup(keys.accessKeyId);
        const accessKeySecret = lookup(keys.accessKeySecret);
        if (accessKeyId && accessKeySecret) {
            const securityToken = lookup(keys.securityToken);
            return { kind: "static", origin, accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
        }
        const profile = lookup(keys.profile);
        if (profile) return { kind: "profile", origin, profile };
    }
    return { kind: "default-chain" };
}

/** Accepts "host[:port]" or "http(s)://host[:port]"; a bare host means HTTPS. */
export function parseEndpoint(endpoint: string): { host: string; protocol: "http" | "https" } {
    const url = new URL(/^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
    return { host: url.host, protocol: url.protocol === "http:" ? "http" : "https" };
}

/** Says where credentials come from without saying what they are, for error messages. */
export function describeCredentials(source: CredentialSource): string {
    switch (source.kind) {
        case "static":
            return `the AccessKey ${maskKeyId(source.accessKeyId)} from ${source.origin}${source.securityToken ? " (with an STS token)" : ""}`;
        case "profile":
            return `the profile "${source.profile}" from ${source.origin}`;
        default:
            return "the default credential chain (profile file, ECS RAM role or OIDC role)";
    }
}

/** "LTAI5t…Key": enough to tell keys apart in a message, never the whole id. */
export function maskKeyId(id: string): string {
    return id.length <= 8 ? "****" : `${id.slice(0, 6)}…${id.slice(-3)}`;
}

/** The secret strings of a credential source, so messages can be scrubbed of them. */
export function secretsOf(source: CredentialSource): string[] {
    return source.kind === "static" ? [source.accessKeySecret, source.securityToken].filter((s): s is string => !!s) : [];
}

function firstSet(values: (string | undefined)[]): string | undefined {
    return values.find((v) => typeof v === "string" && v.trim() !== "");
}

/** A day: longer than any operation should wait, and within what a Node.js timer can hold. */
const MAX_TIMEOUT_SECONDS = 86_400;

/** Why a `timeoutSeconds` input is refused (every resource takes one), or undefined when it is fine. */
export function timeoutProblem(value: unknown, describe: (value: unknown) => string): string | undefined {
    if (typeof value === "number" && Number.isFinite(value) && value > 0 && value <= MAX_TIMEOUT_SECONDS) return undefined;
    return `timeoutSeconds must be a positive number of seconds, at most ${MAX_TIMEOUT_SECONDS} (a day), got ${describe(value)}.`;
}
