import { strict as assert } from "assert";
import {
    ConfigLookup,
    DEFAULT_REGION,
    DEFAULT_TIMEOUT_SECONDS,
    describeCredentials,
    maskKeyId,
    parseEndpoint,
    resolveConnection,
    secretsOf,
} from "../../../provider/esa/config";

const KEY_ID = "LTAI5tConfigKeyId000001";
const SECRET = "configSecretValue-0123456789";
const TOKEN = "CAIS-config-sts-token-abcdef";
const ENV_KEY_ID = "LTAI5tEnvKeyId0000000002";
const ENV_SECRET = "envSecretValue-9876543210";
const ENV_TOKEN = "CAIS-env-sts-token-uvwxyz";

function config(values: Record<string, string> = {}): ConfigLookup {
    return (key) => values[key];
}

describe("resolveConnection (SPEC §6)", () => {
    describe("region", () => {
        it("defaults to cn-hangzhou when nothing is set", () => {
            assert.equal(DEFAULT_REGION, "cn-hangzhou");
            assert.equal(resolveConnection({}, config(), {}).regionId, "cn-hangzhou");
        });

        it("takes ALIBABA_CLOUD_REGION, then ALICLOUD_REGION, from the environment", () => {
            assert.equal(
                resolveConnection({}, config(), { ALIBABA_CLOUD_REGION: "cn-beijing", ALICLOUD_REGION: "cn-qingdao" }).regionId,
                "cn-beijing",
            );
            assert.equal(resolveConnection({}, config(), { ALICLOUD_REGION: "cn-qingdao" }).regionId, "cn-qingdao");
        });

        it("lets stack config beat the environment", () => {
            const env = { ALIBABA_CLOUD_REGION: "cn-beijing" };
            assert.equal(resolveConnection({}, config({ "alicloud:region": "cn-shanghai" }), env).regionId, "cn-shanghai");
            assert.equal(resolveConnection({}, config({ "esa:region": "ap-southeast-1" }), env).regionId, "ap-southeast-1");
        });

        it("lets esa:region beat alicloud:region", () => {
            const c = config({ "esa:region": "ap-southeast-1", "alicloud:region": "cn-shanghai" });
            assert.equal(resolveConnection({}, c, {}).regionId, "ap-southeast-1");
        });

        it("lets the resource input beat stack config and environment", () => {
            const c = config({ "esa:region": "ap-southeast-1", "alicloud:region": "cn-shanghai" });
            assert.equal(resolveConnection({ region: "eu-central-1" }, c, { ALIBABA_CLOUD_REGION: "cn-beijing" }).regionId, "eu-central-1");
        });

        it("skips blank values at every level", () => {
            const c = config({ "esa:region": "  ", "alicloud:region": "" });
            assert.equal(resolveConnection({ region: "" }, c, { ALIBABA_CLOUD_REGION: "cn-beijing" }).regionId, "cn-beijing");
            assert.equal(resolveConnection({}, config(), { ALIBABA_CLOUD_REGION: "" }).regionId, "cn-hangzhou");
        });
    });

    describe("endpoint", () => {
        it("is left to the SDK (undefined) when nothing is set", () => {
            assert.equal(resolveConnection({}, config(), {}).endpoint, undefined);
        });

        it("takes ALIBABA_CLOUD_ESA_ENDPOINT from the environment", () => {
            assert.deepEqual(resolveConnection({}, config(), { ALIBABA_CLOUD_ESA_ENDPOINT: "esa.example.com" }).endpoint, {
                host: "esa.example.com",
                protocol: "https",
            });
        });

        it("lets esa:endpoint beat the environment, and the input beat both", () => {
            const env = { ALIBABA_CLOUD_ESA_ENDPOINT: "esa.example.com" };
            const c = config({ "esa:endpoint": "http://127.0.0.1:8787" });
            assert.deepEqual(resolveConnection({}, c, env).endpoint, { host: "127.0.0.1:8787", protocol: "http" });
            assert.deepEqual(resolveConnection({ endpoint: "http://localhost:9999" }, c, env).endpoint, {
                host: "localhost:9999",
                protocol: "http",
            });
        });
    });

    describe("timeout", () => {
        it("defaults to 300 s", () => {
            assert.equal(DEFAULT_TIMEOUT_SECONDS, 300);
            assert.equal(resolveConnection({}, config(), {}).timeoutMs, 300_000);
        });

        it("takes esa:timeoutSeconds from stack config", () => {
            assert.equal(resolveConnection({}, config({ "esa:timeoutSeconds": "45" }), {}).timeoutMs, 45_000);
        });

        it("lets the resource input beat stack config", () => {
            assert.equal(resolveConnection({ timeoutSeconds: 12 }, config({ "esa:timeoutSeconds": "45" }), {}).timeoutMs, 12_000);
        });

        it("refuses a config value that is not a positive number of seconds up to a day, naming the key and what to do", () => {
            for (const value of ["soon", "-1", "0", "90000"]) {
                assert.throws(
                    () => resolveConnection({}, config({ "esa:timeoutSeconds": value }), {}),
                    /^Error: esa:timeoutSeconds is ".*": set it to a positive number of seconds, at most 86400/,
                );
            }
        });
    });

    describe("rate ceiling", () => {
        it("has none by default: the provider learns the account's rate", () => {
            assert.equal(resolveConnection({}, config(), {}).maxRequestsPerSecond, undefined);
        });

        it("takes esa:maxRequestsPerSecond from stack config before ALIBABA_CLOUD_ESA_MAX_REQUESTS_PER_SECOND", () => {
            const env = { ALIBABA_CLOUD_ESA_MAX_REQUESTS_PER_SECOND: "8" };
            assert.equal(resolveConnection({}, config({ "esa:maxRequestsPerSecond": "2.5" }), env).maxRequestsPerSecond, 2.5);
            assert.equal(resolveConnection({}, config(), env).maxRequestsPerSecond, 8);
        });

        it("refuses a value that is not a positive number, naming the setting and what to do", () => {
            for (const value of ["0", "-3", "fast"]) {
                assert.throws(
                    () => resolveConnection({}, config({ "esa:maxRequestsPerSecond": value }), {}),
                    /esa:maxRequestsPerSecond .*is ".*": set it to a positive number of requests per second/,
                );
            }
        });
    });

    describe("credentials", () => {
        it("uses the default chain (profile file, ECS RAM role, OIDC) when nothing is set", () => {
            assert.deepEqual(resolveConnection({}, config(), {}).credentials, { kind: "default-chain" });
        });

        it("takes ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN from the environment", () => {
            const credentials = resolveConnection({}, config(), {
                ALIBABA_CLOUD_ACCESS_KEY_ID: ENV_KEY_ID,
                ALIBABA_CLOUD_ACCESS_KEY_SECRET: ENV_SECRET,
                ALIBABA_CLOUD_SECURITY_TOKEN: ENV_TOKEN,
            }).credentials;
            assert.deepEqual(credentials, {
                kind: "static",
                origin: "environment",
                accessKeyId: ENV_KEY_ID,
                accessKeySecret: ENV_SECRET,
                securityToken: ENV_TOKEN,
            });
        });

        it("honours the Terraform names ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY", () => {
            const credentials = resolveConnection({}, config(), {
                ALICLOUD_ACCESS_KEY: ENV_KEY_ID,
                ALICLOUD_SECRET_KEY: ENV_SECRET,
            }).credentials;
            assert.deepEqual(credentials, { kind: "static", origin: "environment", accessKeyId: ENV_KEY_ID, accessKeySecret: ENV_SECRET });
        });

        it("lets alicloud:accessKey / secretKey / securityToken in stack config beat the environment", () => {
            const credentials = resolveConnection(
                {},
                config({ "alicloud:accessKey": KEY_ID, "alicloud:secretKey": SECRET, "alicloud:securityToken": TOKEN }),
                {
                    ALIBABA_CLOUD_ACCESS_KEY_ID: ENV_KEY_ID,
                    ALIBABA_CLOUD_ACCESS_KEY_SECRET: ENV_SECRET,
                    ALIBABA_CLOUD_SECURITY_TOKEN: ENV_TOKEN,
                },
            ).credentials;
            assert.deepEqual(credentials, {
                kind: "static",
                origin: "stack config",
                accessKeyId: KEY_ID,
                accessKeySecret: SECRET,
                securityToken: TOKEN,
            });
        });

        it("does not mix an environment STS token into a key pair from stack config", () => {
            const credentials = resolveConnection({}, config({ "alicloud:accessKey": KEY_ID, "alicloud:secretKey": SECRET }), {
                ALIBABA_CLOUD_SECURITY_TOKEN: ENV_TOKEN,
            }).credentials;
            assert.deepEqual(credentials, { kind: "static", origin: "stack config", accessKeyId: KEY_ID, accessKeySecret: SECRET });
        });

        it("ignores half a key pair in stack config and uses the environment's pair", () => {
            const credentials = resolveConnection({}, config({ "alicloud:accessKey": KEY_ID }), {
                ALIBABA_CLOUD_ACCESS_KEY_ID: ENV_KEY_ID,
                ALIBABA_CLOUD_ACCESS_KEY_SECRET: ENV_SECRET,
            }).credentials;
            assert.equal(credentials.kind, "static");
            assert.equal((credentials as any).accessKeyId, ENV_KEY_ID);
            assert.equal((credentials as any).origin, "environment");
        });

        it("uses alicloud:profile when stack config has no key pair", () => {
            assert.deepEqual(resolveConnection({}, config({ "alicloud:profile": "ci" }), {}).credentials, {
                kind: "profile",
                origin: "stack config",
                profile: "ci",
            });
        });

        it("uses ALIBABA_CLOUD_PROFILE when nothing else is set", () => {
            assert.deepEqual(resolveConnection({}, config(), { ALIBABA_CLOUD_PROFILE: "dev" }).credentials, {
                kind: "profile",
                origin: "environment",
                profile: "dev",
            });
        });

        it("prefers a key pair over a profile from the same source", () => {
            const fromConfig = resolveConnection(
                {},
                config({ "alicloud:profile": "ci", "alicloud:accessKey": KEY_ID, "alicloud:secretKey": SECRET }),
                {},
            ).credentials;
            assert.equal(fromConfig.kind, "static");
            const fromEnv = resolveConnection({}, config(), {
                ALIBABA_CLOUD_PROFILE: "dev",
                ALIBABA_CLOUD_ACCESS_KEY_ID: ENV_KEY_ID,
                ALIBABA_CLOUD_ACCESS_KEY_SECRET: ENV_SECRET,
            }).credentials;
            assert.equal(fromEnv.kind, "static");
        });

        it("prefers the stack config's profile over the environment's", () => {
            const credentials = resolveConnection({}, config({ "alicloud:profile": "ci" }), { ALIBABA_CLOUD_PROFILE: "dev" }).credentials;
            assert.deepEqual(credentials, { kind: "profile", origin: "stack config", profile: "ci" });
        });

        it("does not read the real process.env when an env object is passed", () => {
            const saved = {
                id: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
                secret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
                region: process.env.ALIBABA_CLOUD_REGION,
            };
            process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = ENV_KEY_ID;
            process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = ENV_SECRET;
            process.env.ALIBABA_CLOUD_REGION = "cn-beijing";
            try {
                const connection = resolveConnection({}, config(), {});
                assert.deepEqual(connection.credentials, { kind: "default-chain" });
                assert.equal(connection.regionId, "cn-hangzhou");
            } finally {
                for (const [key, value] of [
                    ["ALIBABA_CLOUD_ACCESS_KEY_ID", saved.id],
                    ["ALIBABA_CLOUD_ACCESS_KEY_SECRET", saved.secret],
                    ["ALIBABA_CLOUD_REGION", saved.region],
                ] as const) {
                    if (value === undefined) delete process.env[key];
                    else process.env[key] = value;
                }
            }
        });
    });
});

describe("parseEndpoint", () => {
    it("keeps the protocol and port of an http URL (a local emulator)", () => {
        assert.deepEqual(parseEndpoint("http://127.0.0.1:8787"), { host: "127.0.0.1:8787", protocol: "http" });
    });

    it("treats a bare host as HTTPS", () => {
        assert.deepEqual(parseEndpoint("esa.cn-hangzhou.aliyuncs.com"), { host: "esa.cn-hangzhou.aliyuncs.com", protocol: "https" });
        assert.deepEqual(parseEndpoint("localhost:8787"), { host: "localhost:8787", protocol: "https" });
    });

    it("keeps https for an https URL, and drops a trailing slash", () => {
        assert.deepEqual(parseEndpoint("https://esa.ap-southeast-1.aliyuncs.com/"), {
            host: "esa.ap-southeast-1.aliyuncs.com",
            protocol: "https",
        });
    });
});

describe("describeCredentials / maskKeyId / secretsOf", () => {
    const staticSource = {
        kind: "static" as const,
        origin: "stack config" as const,
        accessKeyId: KEY_ID,
        accessKeySecret: SECRET,
        securityToken: TOKEN,
    };

    it("says where a key pair comes from without the secret, the token or the whole key id", () => {
        const text = describeCredentials(staticSource);
        assert.ok(!text.includes(SECRET), text);
        assert.ok(!text.includes(TOKEN), text);
        assert.ok(!text.includes(KEY_ID), text);
        assert.ok(text.includes(maskKeyId(KEY_ID)), text);
        assert.ok(text.includes("stack config"), text);
        assert.ok(text.includes("STS token"), text);
    });

    it("masks a key id to its first 6 and last 3 characters, and a short one entirely", () => {
        assert.equal(maskKeyId(KEY_ID), "LTAI5t…001");
        assert.equal(maskKeyId("LTAI1234"), "****");
    });

    it("names a profile and the default chain", () => {
        assert.ok(describeCredentials({ kind: "profile", origin: "environment", profile: "dev" }).includes('"dev"'));
        assert.match(describeCredentials({ kind: "default-chain" }), /default credential chain/);
    });

    it("secretsOf lists the secret and the token of a key pair, nothing for other sources", () => {
        assert.deepEqual(secretsOf(staticSource).sort(), [SECRET, TOKEN].sort());
        assert.deepEqual(secretsOf({ ...staticSource, securityToken: undefined }), [SECRET]);
        assert.deepEqual(secretsOf({ kind: "profile", origin: "environment", profile: "dev" }), []);
        assert.deepEqual(secretsOf({ kind: "default-chain" }), []);
    });
});
