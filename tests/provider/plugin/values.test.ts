/**
 * What the native plugin receives: secrets and assets as the engine marks them, turned
 * into the plain values the providers work on, and the provider's configuration from
 * Configure's variables and arguments.
 */
import { strict as assert } from "assert";
import { configureRequest } from "../../../provider/plugin/config";
import { markSecrets, unwrap } from "../../../provider/plugin/values";

const SIG = "4dabf18193072939515e22adb298388d";
const secret = (value: unknown) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", value });

describe("native plugin: values it receives", () => {
    it("unwraps secrets anywhere, remembering the properties that held one and their text", () => {
        const found = unwrap({
            name: "hello",
            rollout: { gates: [{ http: { url: "https://x", headers: { Authorization: secret("Bearer t0ken") } } }] },
            description: secret("quiet"),
        });
        assert.deepEqual(found.values, {
            name: "hello",
            rollout: { gates: [{ http: { url: "https://x", headers: { Authorization: "Bearer t0ken" } } }] },
            description: "quiet",
        });
        assert.deepEqual([...found.secretKeys].sort(), ["description", "rollout"]);
        assert.deepEqual(found.secretTexts.sort(), ["Bearer t0ken", "quiet"]);
        assert.deepEqual(markSecrets({ description: "quiet", codeVersion: "1" }, found.secretKeys), {
            description: secret("quiet"),
            codeVersion: "1",
        });
    });

    it("turns assets and archives into the forms a version's preparation reads", () => {
        const found = unwrap({
            code: { [SIG]: "c44067f5952c0a294b673a41bacd8c17", hash: "abc", path: "./routine/index.js" },
            assets: { [SIG]: "0def7320c3a5731c473e5ecbe6d01bc7", path: "./public" },
        });
        assert.deepEqual(found.values, { code: { path: "./routine/index.js" }, assets: { path: "./public" } });
    });

    it("configures from esa:* variables and an explicit provider's arguments, the arguments first", () => {
        const request = configureRequest(
            new Map([
                ["esa:config:region", "cn-shanghai"],
                ["esa:config:endpoint", "http://from-variables"],
                ["other:config:region", "ignored"],
            ]),
            { endpoint: "http://from-args", secretKey: secret("s3cret"), timeoutSeconds: 60 },
        );
        assert.equal(request.config.get("esa:region"), "cn-shanghai");
        assert.equal(request.config.get("esa:endpoint"), "http://from-args");
        assert.equal(request.config.get("esa:secretKey"), "s3cret");
        assert.equal(request.config.get("esa:timeoutSeconds"), "60");
        assert.equal(request.config.get("other:region"), undefined);
    });
});
