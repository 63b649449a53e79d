/**
 * A rollout's command gate runs the user's shell command with the provider's environment,
 * which holds the credentials when they come from environment variables (SPEC §6, §10).
 * When the gate fails, its output is shown: in the error of the `up`, in the log, and in
 * the state (`rolloutState.gates[].detail`). None of them may show the AccessKey secret or
 * the STS token, for credentials from environment variables and from stack config, even
 * when the command prints them outright, prints its whole environment, is killed at its
 * timeout, or prints so much that only the end of its output is kept.
 *
 * In-process: the deployment provider against the emulator, a live split, a rollout to
 * another version whose gates fail at the first step.
 */
import { strict as assert } from "assert";
import type { DeploymentInputs, DeploymentOutputs } from "../../../provider/deployment/types";
import { checkInputs } from "../../../provider/deployment/check";
import { Emulator, startEmulator } from "../../../emulator";
import { providerRun } from "../../support/provider-run";

const A = "1723599747213377175";
const B = "1723599747213377176";
const ROUTINE = "sec-rollout";
const UNIQUE = `${process.pid}x${Date.now().toString(36)}`;
const STS = {
    accessKeyId: `STS.NGateSec${UNIQUE}`,
    accessKeySecret: `gate-sts-secret-${UNIQUE}-P5`,
    securityToken: `CAIS-gate-token-${UNIQUE}-${"Hw2".repeat(20)}`,
};
const NEVER_SHOWN = [STS.accessKeySecret, STS.securityToken];
/** Variables a pipeline might also export the credentials under, for its own tools. */
const COPIES = { GATE_TEST_SECRET_COPY: STS.accessKeySecret, GATE_TEST_TOKEN_COPY: STS.securityToken };
const CREDENTIAL_VARIABLES = [
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALICLOUD_ACCESS_KEY",
    "ALICLOUD_SECRET_KEY",
    "ALICLOUD_SECURITY_TOKEN",
];

const GATES = [
    {
        name: "prints-credentials",
        command:
            'echo "secret=$ALIBABA_CLOUD_ACCESS_KEY_SECRET token=$ALIBABA_CLOUD_SECURITY_TOKEN"; ' +
            'echo "copy=$GATE_TEST_SECRET_COPY" >&2; echo "$GATE_TEST_TOKEN_COPY"; exit 3',
    },
    { name: "prints-environment", command: "env | grep -e ALIBABA_CLOUD -e GATE_TEST | sort; exit 4" },
    { name: "killed-at-timeout", timeoutSeconds: 1, command: 'echo "$GATE_TEST_SECRET_COPY $GATE_TEST_TOKEN_COPY"; sleep 30' },
    {
        // The secret straddles where the shown end of the output (2,000 characters) begins.
        name: "long-output",
        command: "head -c 3000 /dev/zero | tr '\\0' x; printf '%s' \"$GATE_TEST_SECRET_COPY\"; head -c 1990 /dev/zero | tr '\\0' y; exit 1",
    },
];

interface Source {
    label: string;
    /** Set in the provider's own environment (which the gate's command inherits). */
    processEnv: Record<string, string>;
    config: Record<string, string>;
}
const SOURCES: Source[] = [
    {
        label: "an STS token from environment variables",
        processEnv: {
            ALIBABA_CLOUD_ACCESS_KEY_ID: STS.accessKeyId,
            ALIBABA_CLOUD_ACCESS_KEY_SECRET: STS.accessKeySecret,
            ALIBABA_CLOUD_SECURITY_TOKEN: STS.securityToken,
            ...COPIES,
        },
        config: {},
    },
    {
        label: "an STS token from stack config (alicloud:*)",
        processEnv: { ...COPIES },
        config: {
            "alicloud:accessKey": STS.accessKeyId,
            "alicloud:secretKey": STS.accessKeySecret,
            "alicloud:securityToken": STS.securityToken,
        },
    },
];

describe("security: a rollout's command gate shows no credential", function () {
    this.timeout(30_000);
    let emulator: Emulator;
    let saved: Record<string, string | undefined> = {};

    const declared = (codeVersions: { codeVersion: string; percentage: number }[]): DeploymentInputs => {
        const rollout = { steps: [50], bakeSeconds: 0, gates: GATES };
        const { inputs, failures } = checkInputs({ name: ROUTINE, env: "production", codeVersions, rollout });
        assert.deepEqual(failures, []);
        return inputs;
    };

    /** Runs `work` with exactly these credential variables in the process's environment. */
    async function withProcessEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
        const names = [...new Set([...CREDENTIAL_VARIABLES, ...Object.keys(COPIES), ...Object.keys(env)])];
        saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
        for (const n of names) delete process.env[n];
        Object.assign(process.env, env);
        try {
            return await work();
        } finally {
            for (const [n, v] of Object.entries(saved)) {
                if (v === undefined) delete process.env[n];
                else process.env[n] = v;
            }
        }
    }

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [A, B] }, stsCredentials: [STS] });
    });
    beforeEach(() => emulator.reset());
    after(() => emulator?.close());

    for (const source of SOURCES) {
        it(`with ${source.label}: the failed gates' output is shown without the secret or the token`, async () => {
            const logs: string[] = [];
            const printed: string[] = [];
            const error: any = await withProcessEnv(source.processEnv, async () => {
                // As in the provider process: the environment it reads is its own.
                const provider = await providerRun({
                    env: process.env,
                    log: (severity, message) => logs.push(`${severity}: ${message}`),
                    config: { "esa:endpoint": emulator.endpoint, "esa:timeoutSeconds": "10", ...source.config },
                });
                const live = [{ codeVersion: A, percentage: 100 }];
                const olds: DeploymentOutputs = { ...declared(live), deploymentId: emulator.setDeployment(ROUTINE, "production", live) };
                const writes = { out: process.stdout.write, err: process.stderr.write };
                const tap = (stream: NodeJS.WriteStream, original: typeof process.stdout.write) =>
                    ((chunk: any, ...rest: any[]) => {
                        printed.push(String(chunk));
                        return original.call(stream, chunk, ...rest);
                    }) as typeof process.stdout.write;
                process.stdout.write = tap(process.stdout, writes.out);
                process.stderr.write = tap(process.stderr, writes.err);
                try {
                    await provider.update(`${ROUTINE}:production`, olds, declared([{ codeVersion: B, percentage: 100 }]));
                } catch (e) {
                    return e;
                } finally {
                    process.stdout.write = writes.out;
                    process.stderr.write = writes.err;
                }
                assert.fail("the rollout was expected to fail at its gates");
            });

            // --- the gates really ran, failed and had the credentials to print ---------------
            // From stack config, the credentials are not in the provider's environment at all.
            const fromEnv = source.processEnv.ALIBABA_CLOUD_ACCESS_KEY_SECRET !== undefined;
            const shown = fromEnv ? "secret=\\*\\*\\*\\* token=\\*\\*\\*\\*" : "secret= token=\\n";
            assert.match(error.message, new RegExp(`gate "prints-credentials" failed: .*exited 3; output: ${shown}`, "s"));
            assert.match(error.message, /copy=\*\*\*\*/);
            assert.match(error.message, /gate "prints-environment" failed: .*exited 4; output: .*GATE_TEST_SECRET_COPY=\*\*\*\*/s);
            if (fromEnv) assert.match(error.message, /ALIBABA_CLOUD_ACCESS_KEY_SECRET=\*\*\*\*\nALIBABA_CLOUD_SECURITY_TOKEN=\*\*\*\*/);
            assert.match(error.message, /gate "killed-at-timeout" failed: .*did not finish within 1 s and was killed/s);
            assert.match(error.message, /gate "long-output" failed: .*exited 1; output: …/s);
            const state = error.properties?.rolloutState;
            assert.equal(state?.status, "failed", "the failed rollout is recorded in the state");
            assert.equal(state.gates.length, 4);
            assert.deepEqual(emulator.state().routines[ROUTINE].deployments.production?.codeVersions, [
                { codeVersion: A, percentage: 100 },
            ]);

            // --- nothing shows a credential -------------------------------------------------
            const everything = [
                String(error),
                String(error.stack),
                JSON.stringify({ ...error }),
                JSON.stringify(error.properties),
                ...logs,
                ...printed,
            ].join("\n");
            for (const secret of NEVER_SHOWN) {
                const at = everything.indexOf(secret);
                assert.equal(
                    at,
                    -1,
                    `a credential (${secret.slice(0, 8)}…) was shown: …${everything.slice(Math.max(0, at - 200), at + 50)}`,
                );
                // Nor a piece of it long enough to matter (e.g. cut where the shown output begins).
                for (const piece of [secret.slice(0, 12), secret.slice(-12)]) {
                    assert.ok(!everything.includes(piece), `a piece of a credential (${piece.slice(0, 4)}…) was shown`);
                }
            }
        });
    }
});
