/**
 * SPEC §7: what Pulumi stores in every resource's state as the provider's code is a
 * small, stable shim with no credentials, which loads the installed implementation;
 * and `check`/`diff` (a preview without refresh) never load the ESA SDK.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { providerShim } from "../../provider/shim";

const root = path.resolve(__dirname, "../..");
/** The bound asserted on the serialized provider, per resource in the state. */
const MAX_SERIALIZED_BYTES = 4096;

async function serialize(): Promise<string> {
    // Exactly what `pulumi.dynamic.Resource` does with the provider object.
    const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");
    const result = await serializeFunction(() => providerShim, { allowSecrets: true });
    return result.text;
}

/** Runs a script in a fresh Node process from the repository root (as the engine runs the provider). */
function runNode(script: string, env: NodeJS.ProcessEnv = {}): string {
    return execFileSync(process.execPath, ["-e", script], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
}

describe("the serialized provider", () => {
    it(`is smaller than ${MAX_SERIALIZED_BYTES} bytes and names only the module it loads`, async () => {
        const text = await serialize();
        assert.ok(Buffer.byteLength(text) < MAX_SERIALIZED_BYTES, `serialized provider is ${Buffer.byteLength(text)} bytes`);
        assert.match(text, /esa-routine-deployment\/provider/);
        assert.doesNotMatch(text, /@alicloud|esa20240910|validation|Deployments/);
    });

    it("is the same text however often and with whatever credentials in the environment", async () => {
        const first = await serialize();
        process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = "secret-in-the-environment-9f8e7d";
        try {
            const second = await serialize();
            assert.equal(second, first);
            assert.ok(!second.includes("secret-in-the-environment-9f8e7d"));
        } finally {
            delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
        }
    });

    it("loads and runs the installed implementation when evaluated the way the engine does", async () => {
        const text = await serialize();
        const output = runNode(`
            const handler = require("require-from-string")(${JSON.stringify(text)}).handler();
            handler.check({}, { name: "hello", env: "Production", codeVersions: [{ codeVersion: "1", percentage: 100 }] })
                .then((r) => console.log(JSON.stringify(r.failures)));
        `);
        assert.match(output, /did you mean \\"production\\"\?/i);
    });

    it("check and diff never load the ESA SDK; an API call does", () => {
        const output = runNode(`
            const { provider } = require("esa-routine-deployment/provider");
            const loaded = () => Object.keys(require.cache).some((p) => p.includes("esa20240910") || p.includes("@alicloud/credentials"));
            (async () => {
                const { inputs } = await provider.check({}, { name: "hello", env: "staging", codeVersions: [{ codeVersion: "1", percentage: 100 }] });
                await provider.diff("hello:staging", { ...inputs, deploymentId: "1" }, inputs);
                const afterPreview = loaded();
                await provider.read("hello:staging", { endpoint: "http://127.0.0.1:9", timeoutSeconds: 1 }).catch(() => {});
                console.log(JSON.stringify({ afterPreview, afterRead: loaded() }));
            })();
        `, { ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAI5tTestOnly", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "test-only" });
        assert.deepEqual(JSON.parse(output.trim().split("\n").at(-1)!), { afterPreview: false, afterRead: true });
    });
});
