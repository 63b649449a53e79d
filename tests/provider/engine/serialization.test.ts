/**
 * SPEC §7: what Pulumi stores in every resource's state as the provider's code is a
 * small, stable loader with no credentials, which runs the installed implementation;
 * and `check`/`diff` (a preview without refresh) never load the ESA SDK.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loaderFor, serializedProvider } from "../../../provider/engine/shim";
import { RoutineCodeDeployment, ROUTINE_CODE_DEPLOYMENT_TYPE } from "../../../sdk";

const root = path.resolve(__dirname, "../../..");
/** The bound asserted on the provider code stored (twice) in each resource's state. */
const MAX_SERIALIZED_BYTES = 512;

/** Runs a script in a fresh Node process from the repository root, as the engine runs the provider plugin. */
function runNode(script: string, env: NodeJS.ProcessEnv = {}): string {
    return execFileSync(process.execPath, ["-e", script], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
}

describe("the provider code stored in the state", () => {
    it(`is under ${MAX_SERIALIZED_BYTES} bytes and names only the module it loads`, () => {
        assert.ok(Buffer.byteLength(serializedProvider) < MAX_SERIALIZED_BYTES, `${Buffer.byteLength(serializedProvider)} bytes`);
        assert.match(serializedProvider, /require\(name\)\.provider/);
        assert.match(serializedProvider, /"esa-routine-deployment\/provider"/);
    });

    it("is what the resource registers, with the dynamic type token and no credential among its inputs", async () => {
        const registered: pulumi.runtime.MockResourceArgs[] = [];
        const secret = "secret-in-the-environment-9f8e7d";
        process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = secret;
        try {
            await pulumi.runtime.setMocks(
                {
                    newResource: (args) => {
                        registered.push(args);
                        return { id: `${args.inputs.name}:${args.inputs.env}`, state: args.inputs };
                    },
                    call: () => ({}),
                },
                "project",
                "stack",
                true,
            );
            const deployment = new RoutineCodeDeployment("d", {
                name: "hello",
                env: "staging",
                codeVersions: [{ codeVersion: "1", percentage: 100 }],
            });
            await new Promise<void>((resolve) => deployment.urn.apply(() => resolve()));
        } finally {
            delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
        }
        assert.equal(registered.length, 1);
        assert.equal(registered[0].type, ROUTINE_CODE_DEPLOYMENT_TYPE);
        assert.equal(registered[0].inputs.__provider, serializedProvider);
        assert.ok(!JSON.stringify(registered[0].inputs).includes(secret));
    });

    it("loads and runs the installed implementation when evaluated the way the engine does", () => {
        const output = runNode(`
            const handler = require("require-from-string")(${JSON.stringify(serializedProvider)}).handler();
            handler.check({}, { name: "hello", env: "Production", codeVersions: [{ codeVersion: "1", percentage: 100 }] })
                .then((r) => console.log(JSON.stringify(r.failures)));
        `);
        assert.match(output, /did you mean \\"production\\"\?/i);
    });

    it("says how to fix a program directory without the package installed", () => {
        const output = execFileSync(
            process.execPath,
            [
                "-e",
                `try { require(${JSON.stringify(require.resolve("require-from-string"))})(${JSON.stringify(serializedProvider)}).handler() } catch (e) { console.log(e.message) }`,
            ],
            { cwd: "/", encoding: "utf8" },
        );
        assert.match(output, /cannot load esa-routine-deployment\/provider from \/: install esa-routine-deployment/);
    });

    for (const [resource, exportName] of [
        ["Routine", "routineProvider"],
        ["RoutineCodeVersion", "codeVersionProvider"],
    ]) {
        it(`${resource}'s loader: one line under 256 bytes that runs the installed provider, or says how to install it`, () => {
            const loader = loaderFor(resource, exportName);
            assert.ok(Buffer.byteLength(loader) < 256, `${Buffer.byteLength(loader)} bytes`);
            assert.equal(loader.trimEnd().split("\n").length, 1);
            const evaluate = `require(${JSON.stringify(require.resolve("require-from-string"))})(${JSON.stringify(loader)}).handler()`;
            const installed = runNode(`const p = ${evaluate}; console.log(typeof p.create, typeof p.check)`);
            assert.equal(installed.trim(), "function function");
            const missing = execFileSync(process.execPath, ["-e", `try { ${evaluate} } catch (e) { console.log(e.message) }`], {
                cwd: "/",
                encoding: "utf8",
            });
            assert.match(missing, new RegExp(`^${resource}: run npm install esa-routine-deployment in /\\. Cannot find module`));
        });
    }

    it("check and diff never load the ESA SDK; an API call does", () => {
        const output = runNode(
            `
            const { provider } = require("esa-routine-deployment/provider");
            const loaded = () => Object.keys(require.cache).some((p) => p.includes("esa20240910") || p.includes("@alicloud/credentials"));
            (async () => {
                const { inputs } = await provider.check({}, { name: "hello", env: "staging", codeVersions: [{ codeVersion: "1", percentage: 100 }] });
                await provider.diff("hello:staging", { ...inputs, deploymentId: "1" }, inputs);
                const afterPreview = loaded();
                await provider.read("hello:staging", { endpoint: "http://127.0.0.1:9", timeoutSeconds: 1 }).catch(() => {});
                console.log(JSON.stringify({ afterPreview, afterRead: loaded() }));
            })();
        `,
            { ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAI5tTestOnly", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "test-only" },
        );
        assert.deepEqual(JSON.parse(output.trim().split("\n").at(-1)!), { afterPreview: false, afterRead: true });
    });
});
