/**
 * The AccessKey secret must never reach the stack state, the backend's files or anything
 * the CLI prints (SPEC §6), whether it comes from the environment or from secret stack
 * config, through a create, an update, a refresh and a failed deployment.
 *
 * The emulator accepts only one AccessKey pair, with a secret made for this run, so a
 * scan for it cannot be fooled by a well-known test value, and every request the
 * emulator accepted proves the provider signed with exactly that pair.
 */
import { strict as assert } from "assert";
import { randomBytes } from "crypto";
import { Emulator, startEmulator } from "../../emulator";
import { RoutineCodeDeployment } from "../../sdk";
import { asSet, liveSplit, secretPlaces, SecretPlace, StackOptions, TestStack } from "./harness";

const ROUTINE = "secret-edge";
const V1 = "1723599747213377175";
const V2 = "1723599747213377176";
const MISSING = "1723599747213377999";
const KEY_ID = "LTAI5tE2eSecretScanKey";
const SECRET = `e2e-${randomBytes(18).toString("base64url")}`;

/** Where, in a decrypted state, the engine keeps secret stack config: the default dynamic-provider resource's config. */
const IN_PROVIDER_CONFIG = ["inputs", "outputs"].map((part) => ({
    resource: "pulumi:providers:pulumi-nodejs",
    path: `${part}.alicloud:secretKey`,
    markedSecret: true,
}));

const SOURCES: { title: string; env: "staging" | "production"; options: StackOptions; expectedDecrypted: SecretPlace[] }[] = [
    {
        title: "the environment (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET)",
        env: "staging",
        options: { env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET } },
        expectedDecrypted: [],
    },
    {
        title: "stack config (alicloud:accessKey, secret alicloud:secretKey)",
        env: "production",
        // Empty environment values, so that nothing but the stack config can authenticate.
        options: {
            config: { "alicloud:accessKey": KEY_ID },
            secretConfig: { "alicloud:secretKey": SECRET },
            env: { ALIBABA_CLOUD_ACCESS_KEY_ID: "", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "" },
        },
        expectedDecrypted: IN_PROVIDER_CONFIG,
    },
];

describe("e2e: the AccessKey secret stays out of state and output", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2] }, accessKeys: { [KEY_ID]: SECRET } });
    });

    after(async () => {
        await emulator?.close();
    });

    for (const source of SOURCES) {
        describe(`with credentials from ${source.title}`, () => {
            let stack: TestStack;
            let split = [{ codeVersion: V1, percentage: 100 }];

            before(async () => {
                stack = await TestStack.create(
                    async () => {
                        const deployment = new RoutineCodeDeployment("web", { name: ROUTINE, env: source.env, codeVersions: split });
                        return { deploymentId: deployment.deploymentId };
                    },
                    { ...source.options, config: { "esa:endpoint": emulator.endpoint, ...source.options.config } },
                );
            });

            after(async () => {
                await stack?.dispose();
            });

            beforeEach(() => emulator.clearRequests());

            /** Every request ESA saw was signed with the test pair and accepted. */
            const assertSignedWithTheKeyPair = (except: string[] = []) => {
                const requests = emulator.requests();
                assert.ok(requests.length > 0);
                for (const r of requests) {
                    assert.equal(r.accessKeyId, KEY_ID);
                    if (!except.includes(r.action)) assert.equal(r.status, 200, JSON.stringify(r));
                }
            };

            const assertSecretNowhere = () => {
                // The backend's files: the checkpoint that `pulumi stack export` prints, its
                // backups and update history; and the project's files, stack config included.
                assert.ok(!stack.stateFiles().includes(SECRET), "the secret is in a file of the backend or the project");
                assert.ok(!stack.transcript.join("\n").includes(SECRET), "the secret is in the CLI's output or engine events");
            };

            it("`pulumi up` creating the deployment writes the secret nowhere", async () => {
                await stack.up();
                assert.deepEqual(liveSplit(emulator, ROUTINE, source.env), asSet(split));
                assertSignedWithTheKeyPair();
                assertSecretNowhere();
            });

            it("`pulumi up` updating the split writes the secret nowhere", async () => {
                split = [
                    { codeVersion: V1, percentage: 50 },
                    { codeVersion: V2, percentage: 50 },
                ];
                await stack.up();
                assert.deepEqual(liveSplit(emulator, ROUTINE, source.env), asSet(split));
                assertSignedWithTheKeyPair();
                assertSecretNowhere();
            });

            it("`pulumi refresh` writes the secret nowhere", async () => {
                await stack.refresh();
                assert.deepEqual(Object.keys(emulator.countByAction()), ["GetRoutine"]);
                assertSignedWithTheKeyPair();
                assertSecretNowhere();
            });

            it("a deployment ESA refuses fails with its code, RequestId and advice, and writes the secret nowhere", async () => {
                split = [{ codeVersion: MISSING, percentage: 100 }];
                const failure: any = await stack.up().then(
                    () => assert.fail("deploying a version that does not exist succeeded"),
                    (error) => error,
                );
                const refused = emulator.requests().filter((r) => r.action === "CreateRoutineCodeDeployment");
                assert.equal(refused.length, 1, "a refused parameter is not retried");
                assert.equal(refused[0].code, "ParameterNotExist");
                assert.match(failure.message, /ParameterNotExist/);
                assert.ok(failure.message.includes(`RequestId: ${refused[0].requestId}`), failure.message);
                assert.match(failure.message, /ListRoutineCodeVersions/);
                assertSignedWithTheKeyPair(["CreateRoutineCodeDeployment"]);
                assertSecretNowhere();
            });

            it("the exported stack does not contain the secret, and even decrypted holds it at most as encrypted provider config", async () => {
                // What a user or a CI job exports and keeps.
                assert.ok(!JSON.stringify(await stack.exportState()).includes(SECRET), "the secret is in `pulumi stack export`");
                // Decrypted (`pulumi stack export --show-secrets`), the state holds it at most
                // where the engine keeps secret stack config for the dynamic-provider plugin,
                // encrypted at rest: never in a resource of ours, never unmarked.
                assert.deepEqual(secretPlaces(await stack.exportState({ showSecrets: true }), SECRET), source.expectedDecrypted);
            });
        });
    }
});
