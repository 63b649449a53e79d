/**
 * A value the program marks secret stays secret (README, "Security"), through the real
 * CLI: every free-text input of the three resources (a routine's and a version's
 * description, the version's source, gate command lines, a probe URL's token, a header,
 * an expected body) is a `config set --secret` value, each one its own random string.
 * The stack runs a release, a gated rollout that passes and one whose gates fail (so the
 * failure text is exercised), then a destroy of the whole release; after each, the
 * exported stack (without `--show-secrets`), every file of the backend and the project,
 * and every line the CLI printed (engine events included) are scanned for each secret;
 * decrypted, the state holds a secret only inside a value the engine marks secret.
 *
 * The destroy of the whole release (routine, version, both deployments) says nothing
 * false: no deployment "keeps serving", no version "was kept", and the routine's delete
 * says what went with it.
 */
import { strict as assert } from "assert";
import { randomBytes } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { Emulator, startEmulator } from "../../emulator";
import { Routine, RoutineCodeDeployment, RoutineCodeVersion } from "../../sdk";
import { diagnostics, emulatorCredentials, liveSplit, secretPlaces, TestStack } from "./harness";

const ROUTINE = "secret-input-edge";
const secret = (name: string) => `${name}-${randomBytes(15).toString("base64url")}`;
const SECRETS = {
    routineDescription: secret("routine-desc"),
    versionDescription: secret("version-desc"),
    source: secret("source"),
    passingCommand: secret("pass-cmd"),
    failingCommand: secret("fail-cmd"),
    urlToken: secret("url-token"),
    header: secret("header"),
    expectBody: secret("body"),
};

describe("e2e: secrets written into every free-text input stay out of state and output", function () {
    this.timeout(10 * 60_000);

    let emulator: Emulator;
    let stack: TestStack;
    /** 1: the release; 2: a gated rollout that passes; 3: one whose gates fail. */
    let stage = 1;

    before(async () => {
        emulator = await startEmulator({ routines: {} });
        assert.ok(emulator.edgeUrl, "the emulator serves an edge");
        const edge = emulator.edgeUrl;
        stack = await TestStack.create(
            async () => {
                const config = new pulumi.Config("app");
                const s = (key: keyof typeof SECRETS) => config.requireSecret(key);
                const routine = new Routine("routine", { name: ROUTINE, description: s("routineDescription") });
                const version = new RoutineCodeVersion("code", {
                    routine: routine.name,
                    // Another version at each stage: the rollout has a candidate.
                    code: pulumi.interpolate`// ${s("source")} ${stage}\nexport default { fetch: () => new Response("ok") };\n`,
                    description: s("versionDescription"),
                    deployEnv: "production",
                });
                const staging = new RoutineCodeDeployment("staging", {
                    name: routine.name,
                    env: "staging",
                    codeVersions: [{ codeVersion: version.codeVersion, percentage: 100 }],
                });
                const gates =
                    stage === 1
                        ? undefined
                        : [
                              {
                                  name: "smoke",
                                  command:
                                      stage === 2
                                          ? pulumi.interpolate`test -n "${s("passingCommand")}" && echo checked ${s("passingCommand")}`
                                          : pulumi.interpolate`echo "smoke failed with ${s("failingCommand")}"; exit 3`,
                              },
                              {
                                  name: "edge",
                                  http: {
                                      url: pulumi.interpolate`${edge}/health?token=${s("urlToken")}`,
                                      headers: { Host: `${ROUTINE}.example.test`, "x-token": s("header") },
                                      samples: 5,
                                      ...(stage === 3 ? { expectBody: s("expectBody") } : {}),
                                  },
                              },
                          ];
                const production = new RoutineCodeDeployment(
                    "production",
                    {
                        name: routine.name,
                        env: "production",
                        codeVersions: [{ codeVersion: version.codeVersion, percentage: 100 }],
                        ...(gates ? { rollout: { steps: [50], bakeSeconds: 0, gates } } : {}),
                    },
                    { dependsOn: [staging] },
                );
                return { rolloutState: production.rolloutState, codeVersion: version.codeVersion };
            },
            {
                config: { "esa:endpoint": emulator.endpoint },
                secretConfig: Object.fromEntries(Object.entries(SECRETS).map(([key, value]) => [`app:${key}`, value])),
                env: emulatorCredentials(),
                projectName: "secret-inputs",
            },
        );
    });

    after(async () => {
        await stack?.dispose();
        await emulator?.close();
    });

    /** Each secret: in none of the exported state, the backend's and project's files, the CLI's output; decrypted, only where marked secret. */
    async function assertSecretsNowhere(): Promise<void> {
        const exported = JSON.stringify(await stack.exportState());
        const files = stack.stateFiles();
        const printed = stack.transcript.join("\n");
        const decrypted = await stack.exportState({ showSecrets: true });
        for (const [name, value] of Object.entries(SECRETS)) {
            assert.ok(!exported.includes(value), `${name} is in \`pulumi stack export\``);
            assert.ok(!files.includes(value), `${name} is in a file of the backend or the project`);
            assert.ok(!printed.includes(value), `${name} is in the CLI's output or engine events`);
            const unmarked = secretPlaces(decrypted, value).filter((p) => !p.markedSecret);
            assert.deepEqual(unmarked, [], `${name} is in the state outside a secret value`);
        }
    }

    it("a release (routine, version from source, staging and production) writes no secret anywhere", async () => {
        await stack.up();
        assert.equal(liveSplit(emulator, ROUTINE, "production")?.length, 1);
        await assertSecretsNowhere();
    });

    it("a gated rollout whose command and HTTP gates pass writes no secret anywhere", async () => {
        stage = 2;
        const up = await stack.up();
        assert.equal(up.outputs.rolloutState.status, "succeeded", JSON.stringify(up.outputs.rolloutState));
        const details = up.outputs.rolloutState.gates.map((g: any) => g.detail).join("\n");
        assert.match(details, /the command exited 0/);
        assert.match(details, /HTTP probe: 0 of 5 samples failed/);
        await assertSecretsNowhere();
    });

    it("a rollout whose gates fail fails with what they saw, restores, and writes no secret anywhere", async () => {
        stage = 3;
        const failure: any = await stack.up().then(
            () => assert.fail("the rollout with failing gates succeeded"),
            (error: unknown) => error,
        );
        assert.match(failure.message, /gate "smoke" failed: the command exited 3; output: smoke failed with \*\*\*\*/);
        assert.match(failure.message, /gate "edge" failed: HTTP probe: 1 of 1 samples failed .*body without the expected text/);
        await assertSecretsNowhere();
    });

    it("destroying the whole release says only true things, and writes no secret anywhere", async () => {
        const destroy = await stack.destroy();
        const said = diagnostics(destroy).join("\n");
        assert.doesNotMatch(said, /keeps serving|was kept, not deleted/, said);
        assert.match(said, /serves until another split is deployed there or routine "secret-input-edge" is deleted/);
        assert.match(said, new RegExp(`Routine "${ROUTINE}" deleted, and with it its code versions`));
        assert.equal(emulator.state().routines[ROUTINE], undefined, "the routine is gone");
        await assertSecretsNowhere();
    });
});
