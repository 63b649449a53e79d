/**
 * Credentials never leak (SPEC §5, §6), in-process: whatever the provider returns to the
 * engine, every message it logs, everything written to stdout/stderr while it runs, and
 * every error it throws (message, stack, attached state) is searched for the AccessKey
 * secret and the STS token, for credentials given through environment variables and
 * through stack config, across create, update, read, delete and failed calls.
 *
 * On the wire: the request the provider signs carries the token (it must) but never the
 * secret, and the same request changed after signing is refused by the signature check.
 * Wrong credentials are reported as an authentication problem, naming where they came
 * from, without echoing them.
 *
 * (The e2e suite scans the exported stack, state files and CLI output through the real
 * CLI; this file does not repeat that.)
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import { createServer, request as httpRequest, IncomingHttpHeaders, Server } from "http";
import { AddressInfo } from "net";
import { createProvider, RoutineCodeDeploymentProvider } from "../../../provider";
import { DeploymentInputs } from "../../../provider/deployment/types";
import { Emulator, startEmulator } from "../../../emulator";
import { sendRaw } from "../../emulator/helpers";

const A = "1723599747213377175";
const B = "1723599747213377176";
const ROUTINE = "secure-edge";
const ID = `${ROUTINE}:production`;
const UNIQUE = `${process.pid}x${Date.now().toString(36)}`;

const STS = {
    accessKeyId: `STS.NSecTest${UNIQUE}`,
    accessKeySecret: `sts-secret-${UNIQUE}-Q7`,
    securityToken: `CAIS-sec-token-${UNIQUE}-${"Zt9".repeat(20)}`,
};
/** Another temporary key, whose token is valid but not for STS.accessKeyId. */
const OTHER_STS = {
    accessKeyId: `STS.NOther${UNIQUE}`,
    accessKeySecret: `other-sts-secret-${UNIQUE}`,
    securityToken: `CAIS-other-${UNIQUE}`,
};
const PERMANENT = { accessKeyId: `LTAI5tSecTest${UNIQUE}`, accessKeySecret: `permanent-secret-${UNIQUE}-W3` };

/** What must never appear: secrets, tokens, and full AccessKey ids (messages mask them). */
const NEVER_SHOWN = [
    STS.accessKeySecret,
    STS.securityToken,
    OTHER_STS.accessKeySecret,
    OTHER_STS.securityToken,
    PERMANENT.accessKeySecret,
    STS.accessKeyId,
    PERMANENT.accessKeyId,
];

interface Source {
    label: string;
    accessKeyId: string;
    env: NodeJS.ProcessEnv;
    config: Record<string, string>;
}

const SOURCES: Source[] = [
    {
        label: "an STS token from environment variables",
        accessKeyId: STS.accessKeyId,
        env: {
            ALIBABA_CLOUD_ACCESS_KEY_ID: STS.accessKeyId,
            ALIBABA_CLOUD_ACCESS_KEY_SECRET: STS.accessKeySecret,
            ALIBABA_CLOUD_SECURITY_TOKEN: STS.securityToken,
        },
        config: {},
    },
    {
        label: "an STS token from stack config (alicloud:*)",
        accessKeyId: STS.accessKeyId,
        env: {},
        config: {
            "alicloud:accessKey": STS.accessKeyId,
            "alicloud:secretKey": STS.accessKeySecret,
            "alicloud:securityToken": STS.securityToken,
        },
    },
    {
        label: "an AccessKey pair from stack config (alicloud:*)",
        accessKeyId: PERMANENT.accessKeyId,
        env: {},
        config: { "alicloud:accessKey": PERMANENT.accessKeyId, "alicloud:secretKey": PERMANENT.accessKeySecret },
    },
];

/** Everything the provider let out while it ran, in one place to search. */
class Capture {
    readonly texts: string[] = [];
    readonly logs: string[] = [];
    readonly errors: unknown[] = [];

    readonly log = (severity: string, message: string) => this.logs.push(`${severity}: ${message}`);

    /** Runs `operation`, keeping its result (or its error, whole) and whatever it printed. */
    async run<T>(what: string, operation: () => Promise<T>, expectFailure = false): Promise<T | undefined> {
        const writes = { out: process.stdout.write, err: process.stderr.write };
        const tap = (stream: NodeJS.WriteStream, original: typeof process.stdout.write) =>
            ((chunk: any, ...rest: any[]) => {
                this.texts.push(`${what} printed: ${String(chunk)}`);
                return original.call(stream, chunk, ...rest);
            }) as typeof process.stdout.write;
        process.stdout.write = tap(process.stdout, writes.out);
        process.stderr.write = tap(process.stderr, writes.err);
        try {
            const result = await operation();
            assert.ok(!expectFailure, `${what} was expected to fail`);
            this.texts.push(`${what} returned: ${JSON.stringify(result)}`);
            return result;
        } catch (error: any) {
            if (!expectFailure) throw error;
            this.errors.push(error);
            // The message, the stack, and every property the engine could serialize
            // (a DeployedButUnconfirmed error carries the resource's new state).
            this.texts.push(`${what} threw: ${String(error)}\n${error?.stack}\n${JSON.stringify({ ...error })}`);
            return undefined;
        } finally {
            process.stdout.write = writes.out;
            process.stderr.write = writes.err;
        }
    }

    assertNothingShown(): void {
        const everything = [...this.texts, ...this.logs].join("\n");
        for (const secret of NEVER_SHOWN) {
            const at = everything.indexOf(secret);
            assert.equal(at, -1, `a credential (${secret.slice(0, 8)}…) was shown: …${everything.slice(Math.max(0, at - 200), at + 50)}`);
        }
    }
}

describe("security: credentials never leave the provider, and requests cannot be tampered with", function () {
    this.timeout(30_000);
    let emulator: Emulator;

    const inputs = (codeVersions: { codeVersion: string; percentage: number }[]): DeploymentInputs => ({
        name: ROUTINE,
        env: "production",
        strategy: "percentage",
        codeVersions,
    });

    async function provider(
        source: Pick<Source, "env" | "config">,
        log: (severity: "info" | "warning", message: string) => void,
        options: { timeoutSeconds?: number; endpoint?: string } = {},
    ): Promise<RoutineCodeDeploymentProvider> {
        const p = createProvider({ env: source.env, log });
        const config: Record<string, string> = {
            "esa:endpoint": options.endpoint ?? emulator.endpoint,
            "esa:timeoutSeconds": String(options.timeoutSeconds ?? 10),
            ...source.config,
        };
        await p.configure({ config: { get: (k: string) => config[k] } } as any);
        return p;
    }

    before(async () => {
        emulator = await startEmulator({
            routines: { [ROUTINE]: [A, B] },
            accessKeys: { [PERMANENT.accessKeyId]: PERMANENT.accessKeySecret },
            stsCredentials: [STS, OTHER_STS],
        });
    });
    beforeEach(() => emulator.reset());
    after(() => emulator?.close());

    describe("(a) nothing the provider returns, logs, prints or throws shows a secret", () => {
        for (const source of SOURCES) {
            it(`with ${source.label}: check, create, read, update, adoption, delete and five kinds of failure`, async () => {
                const capture = new Capture();
                // A new provider for every operation, as every `pulumi` run has its own;
                // `quick` ones have a 1 s deadline, for the failures that take until it.
                const p = { get: () => provider(source, capture.log) };
                const quick = { get: () => provider(source, capture.log, { timeoutSeconds: 1 }) };
                const first = inputs([{ codeVersion: A, percentage: 100 }]);
                const second = inputs([
                    { codeVersion: A, percentage: 80 },
                    { codeVersion: B, percentage: 20 },
                ]);

                // --- what succeeds -----------------------------------------------------
                await capture.run("check", async () => (await p.get()).check({}, { ...first, __provider: "shim" }));
                await capture.run("diff", async () => (await p.get()).diff(ID, { ...first, deploymentId: "1" }, second));
                const created = await capture.run("create", async () => (await p.get()).create(first));
                await capture.run("read", async () => (await p.get()).read(ID, created!.outs));
                const updated = await capture.run("update", async () => (await p.get()).update(ID, created!.outs, second));
                await capture.run("create again (adopts)", async () => (await p.get()).create(second));
                await capture.run("read by id alone (import)", async () => (await p.get()).read(ID, {}));
                await capture.run("delete", async () => (await p.get()).delete(ID, updated!.outs!));

                // --- what fails ------------------------------------------------------------
                emulator.setOverdue(true);
                await capture.run("update while overdue", async () => (await p.get()).update(ID, updated!.outs!, first), true);
                emulator.setOverdue(false);

                emulator.injectFault({ action: "CreateRoutineCodeDeployment", kind: "throttling", count: 1_000 });
                await capture.run(
                    "update, throttled past the deadline",
                    async () => (await quick.get()).update(ID, updated!.outs!, first),
                    true,
                );
                emulator.clearFaults();

                emulator.injectFault({ action: "GetRoutine", kind: "connectionReset", count: 1_000 });
                await capture.run(
                    "read, connection reset until the deadline",
                    async () => (await quick.get()).read(ID, updated!.outs!),
                    true,
                );
                emulator.clearFaults();

                emulator.setReadAfterWriteDelay(10_000);
                await capture.run(
                    "update never confirmed (partial state)",
                    async () => (await quick.get()).update(ID, updated!.outs!, first),
                    true,
                );
                emulator.setReadAfterWriteDelay(0);

                emulator.deleteRoutine(ROUTINE);
                await capture.run("create on a missing routine", async () => (await p.get()).create(first), true);

                // --- the search is not vacuous -------------------------------------------
                const served = emulator.requests().filter((r) => r.status === 200);
                assert.ok(served.length >= 8, "the credentials were really used");
                assert.ok(
                    emulator.requests().every((r) => r.accessKeyId === source.accessKeyId),
                    "every request was signed with this source's key",
                );
                assert.equal(capture.errors.length, 5);
                assert.ok(capture.logs.some((l) => /adopted/.test(l)) && capture.logs.some((l) => /removed from the stack only/.test(l)));
                const unconfirmed: any = capture.errors[3];
                assert.equal(unconfirmed.name, "DeployedButUnconfirmed");
                assert.deepEqual(unconfirmed.properties.codeVersions, first.codeVersions, "the partial state is there to be searched");

                capture.assertNothingShown();
            });
        }
    });

    describe("(b) on the wire", () => {
        /** A pass-through proxy between the provider and the emulator that keeps every request as sent. */
        interface Recorded {
            method: string;
            url: string;
            headers: IncomingHttpHeaders;
            body: string;
        }
        let proxy: Server;
        let proxyEndpoint: string;
        const recorded: Recorded[] = [];

        before(async () => {
            proxy = createServer((req, res) => {
                const chunks: Buffer[] = [];
                req.on("data", (c: Buffer) => chunks.push(c));
                req.on("end", () => {
                    const body = Buffer.concat(chunks);
                    recorded.push({ method: req.method!, url: req.url!, headers: { ...req.headers }, body: body.toString("utf8") });
                    const forward = httpRequest(
                        { host: "127.0.0.1", port: emulator.port, method: req.method, path: req.url, headers: req.headers, agent: false },
                        (answer) => {
                            res.writeHead(answer.statusCode ?? 502, answer.headers);
                            answer.pipe(res);
                        },
                    );
                    forward.on("error", () => res.destroy());
                    forward.end(body);
                });
            });
            await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
            proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
        });
        after(async () => {
            proxy.closeAllConnections();
            await new Promise<void>((resolve) => proxy.close(() => resolve()));
        });

        /** Sends a recorded request again, as an attacker who captured it could, with some changes. */
        const resend = (request: Recorded, body: string, headers: Record<string, string> = {}) => {
            const sent: Record<string, string> = {};
            for (const [name, value] of Object.entries(request.headers)) {
                if (typeof value === "string" && !["content-length", "connection", "transfer-encoding"].includes(name)) sent[name] = value;
            }
            return sendRaw(emulator, { method: request.method, path: request.url, headers: { ...sent, ...headers }, body });
        };

        it("the provider's signed deployment carries the STS token but never the secret; changed after signing, it is refused", async () => {
            recorded.length = 0;
            const source = SOURCES[1]; // STS from stack config
            const p = await provider(source, () => {}, { endpoint: proxyEndpoint });
            await p.create(inputs([{ codeVersion: A, percentage: 100 }]));
            const deployment = recorded.find((r) => r.headers["x-acs-action"] === "CreateRoutineCodeDeployment");
            assert.ok(deployment, "the provider's deployment went through the proxy");
            const before = emulator.state().routines[ROUTINE].deployments.production!;

            // What went on the wire: the token (the API needs it), never the secret.
            for (const request of recorded) {
                const wire = `${request.method} ${request.url}\n${JSON.stringify(request.headers)}\n${request.body}`;
                assert.ok(!wire.includes(STS.accessKeySecret), "the AccessKey secret was sent");
                assert.equal(request.headers["x-acs-security-token"], STS.securityToken);
                assert.match(
                    String(request.headers.authorization),
                    /^ACS3-HMAC-SHA256 Credential=STS\.NSecTest\w+,SignedHeaders=[^,]*x-acs-security-token/,
                );
            }

            // An attacker changes the split in the captured request...
            const body = deployment.body;
            const tampered = body.replace(/("Percentage":)100/, "$150").replace(/(%22Percentage%22%3A)100/, "$150");
            assert.notEqual(tampered, body, `the split is in the body: ${body}`);
            const swapped = await resend(deployment, tampered);
            assert.equal(swapped.status, 400);
            assert.equal(swapped.json.Code, "SignatureDoesNotMatch");
            // ...and also fixes up the body hash header: that header is signed.
            const rehashed = await resend(deployment, tampered, {
                "x-acs-content-sha256": createHash("sha256").update(tampered).digest("hex"),
            });
            assert.equal(rehashed.status, 400);
            assert.equal(rehashed.json.Code, "SignatureDoesNotMatch");
            // ...or presents another key's valid token with the captured signature.
            const otherToken = await resend(deployment, body, { "x-acs-security-token": OTHER_STS.securityToken });
            assert.equal(otherToken.status, 400);
            assert.match(String(otherToken.json.Code), /^InvalidSecurityToken|^SignatureDoesNotMatch$/);
            // ...or sends it again verbatim: its nonce is spent.
            const replayed = await resend(deployment, body);
            assert.equal(replayed.json.Code, "SignatureNonceUsed");

            assert.deepEqual(emulator.state().routines[ROUTINE].deployments.production, before, "nothing was deployed by the attempts");
            for (const answer of [swapped, rehashed, otherToken, replayed]) {
                for (const secret of NEVER_SHOWN) assert.ok(!answer.text.includes(secret), "the API's answer echoes a credential");
            }
        });

        const wrong: { label: string; source: Pick<Source, "env" | "config">; code: RegExp; origin: RegExp }[] = [
            {
                label: "a wrong secret from the environment",
                source: {
                    env: { ALIBABA_CLOUD_ACCESS_KEY_ID: PERMANENT.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: OTHER_STS.accessKeySecret },
                    config: {},
                },
                code: /SignatureDoesNotMatch/,
                origin: /from environment/,
            },
            {
                label: "a wrong secret from stack config",
                source: { env: {}, config: { "alicloud:accessKey": PERMANENT.accessKeyId, "alicloud:secretKey": STS.accessKeySecret } },
                code: /SignatureDoesNotMatch/,
                origin: /from stack config/,
            },
            {
                label: "another key's STS token from stack config",
                source: {
                    env: {},
                    config: {
                        "alicloud:accessKey": STS.accessKeyId,
                        "alicloud:secretKey": STS.accessKeySecret,
                        "alicloud:securityToken": OTHER_STS.securityToken,
                    },
                },
                code: /InvalidSecurityToken\.MismatchWithAccessKey/,
                origin: /from stack config \(with an STS token\)/,
            },
            {
                label: "a temporary key without its token, from the environment",
                source: {
                    env: { ALIBABA_CLOUD_ACCESS_KEY_ID: STS.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: STS.accessKeySecret },
                    config: {},
                },
                code: /MissingSecurityToken/,
                origin: /from environment\./,
            },
        ];
        for (const { label, source, code, origin } of wrong) {
            it(`${label}: "Authentication failed", where the credentials came from, the RequestId, no credential`, async () => {
                const capture = new Capture();
                const p = await provider(source, capture.log);
                await capture.run("create", () => p.create(inputs([{ codeVersion: A, percentage: 100 }])), true);
                await capture.run("read", () => p.read(ID, {}), true);
                for (const error of capture.errors as Error[]) {
                    assert.match(error.message, code);
                    assert.match(error.message, /Authentication failed: check the AccessKey pair/);
                    assert.match(error.message, origin);
                    assert.match(error.message, /\(RequestId: [0-9A-F-]{36}\)$/);
                    assert.equal((error as any).failureClass, "fatal", "not retried");
                }
                assert.equal(emulator.requests().length, 2, "one refused request per operation: credentials are not retried");
                assert.deepEqual(emulator.state().routines[ROUTINE].deployments, {});
                capture.assertNothingShown();
            });
        }
    });
});
