/**
 * Credentials and source never leave the release providers (SPEC §5, §6, §9), in-process
 * against the emulator: for an STS token from environment variables and from stack
 * config, everything `Routine` and `RoutineCodeVersion` return to the engine (outputs,
 * read's props and inputs, check's inputs, diffs), log, print to stdout/stderr and throw
 * (message, stack, every enumerable property) is searched for the AccessKey secret, the
 * STS token and the full AccessKey id, across create, read, update and delete of both,
 * both upload flows, and failures (quota full, failed build, throttled commit, broken
 * connections, a refused upload, a routine that exists, a stopped service, another key's
 * token).
 *
 * The source of a version (the script and the static assets) must never be in what the
 * provider returns: only its sha256 and the path of the prepared file are. Nor may the
 * upload tickets ESA hands out (the signed policy, its signature, the assets flow's STS
 * token) show anywhere.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CodeVersionApiFactory, createCodeVersionProvider, createRoutineProvider, UploadForm } from "../../../provider";
import { createSdkRoutineApi } from "../../../provider/routine/api";
import { createSdkCodeVersionApi } from "../../../provider/code-version/api";
import { checkCodeVersion } from "../../../provider/code-version/check";
import { assetsZip, scriptBytes, storeSource } from "../../../provider/code-version/source";
import type { Clock } from "../../../provider/esa/clock";
import { Emulator, startEmulator } from "../../../emulator";

const UNIQUE = `${process.pid}x${Date.now().toString(36)}`;
const STS = {
    accessKeyId: `STS.NRelSec${UNIQUE}`,
    accessKeySecret: `rel-sts-secret-${UNIQUE}-K8`,
    securityToken: `CAIS-rel-token-${UNIQUE}-${"Yq4".repeat(20)}`,
};
/** Another temporary key, whose token is valid but not for STS.accessKeyId. */
const OTHER_STS = {
    accessKeyId: `STS.NRelOther${UNIQUE}`,
    accessKeySecret: `rel-other-secret-${UNIQUE}`,
    securityToken: `CAIS-rel-other-${UNIQUE}`,
};
const NEVER_SHOWN = [
    STS.accessKeySecret,
    STS.securityToken,
    STS.accessKeyId,
    OTHER_STS.accessKeySecret,
    OTHER_STS.securityToken,
    OTHER_STS.accessKeyId,
];

/** Marks in the code and the static assets, to find them wherever they would end up. */
const CODE_MARK = `code-mark-${UNIQUE}`;
const ASSET_MARK = `asset-mark-${UNIQUE}`;
const SCRIPT = `export default { fetch() { return new Response("${CODE_MARK}") } }`;
const SOURCE_SHOWN = [CODE_MARK, ASSET_MARK, Buffer.from(SCRIPT).toString("base64").slice(0, 40)];

const ROUTINE = "sec-release";
const FOREIGN = "sec-foreign";

interface Source {
    label: string;
    env: NodeJS.ProcessEnv;
    config: Record<string, string>;
}
const SOURCES: Source[] = [
    {
        label: "an STS token from environment variables",
        env: {
            ALIBABA_CLOUD_ACCESS_KEY_ID: STS.accessKeyId,
            ALIBABA_CLOUD_ACCESS_KEY_SECRET: STS.accessKeySecret,
            ALIBABA_CLOUD_SECURITY_TOKEN: STS.securityToken,
        },
        config: {},
    },
    {
        label: "an STS token from stack config (alicloud:*)",
        env: {},
        config: {
            "alicloud:accessKey": STS.accessKeyId,
            "alicloud:secretKey": STS.accessKeySecret,
            "alicloud:securityToken": STS.securityToken,
        },
    },
];

/** Not `systemClock`: no process-wide rate limiter to teach the injected throttling to. */
const clock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: () => 0.2 };

/** Everything the providers let out while they ran, in one place to search. */
class Capture {
    /** What the providers returned to the engine: the source must not be here either. */
    readonly returned: string[] = [];
    readonly texts: string[] = [];
    readonly logs: string[] = [];
    readonly errors: Error[] = [];

    readonly log = (severity: string, message: string) => this.logs.push(`${severity}: ${message}`);

    async run<T>(what: string, operation: () => Promise<T>, expectFailure = false): Promise<T> {
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
            this.returned.push(`${what} returned: ${JSON.stringify(result)}`);
            return result;
        } catch (error: any) {
            if (!expectFailure) throw error;
            this.errors.push(error);
            this.texts.push(`${what} threw: ${String(error)}\n${error?.stack}\n${JSON.stringify({ ...error })}`);
            return undefined as T;
        } finally {
            process.stdout.write = writes.out;
            process.stderr.write = writes.err;
        }
    }

    assertNothingShown(): void {
        const everything = [...this.returned, ...this.texts, ...this.logs].join("\n");
        for (const secret of NEVER_SHOWN) {
            const at = everything.indexOf(secret);
            assert.equal(at, -1, `a credential (${secret.slice(0, 8)}…) was shown: …${everything.slice(Math.max(0, at - 200), at + 50)}`);
        }
        for (const source of SOURCE_SHOWN) {
            const at = everything.indexOf(source);
            assert.equal(at, -1, `the source of a version was shown: …${everything.slice(Math.max(0, at - 200), at + 50)}`);
        }
    }
}

describe("security: the release providers show no credential and return no source", function () {
    this.timeout(30_000);
    let emulator: Emulator;
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "release-security-"));

    /** The signed policies, signatures and STS tokens of the upload tickets ESA handed out. */
    const tickets = new Set<string>();

    function providers(source: Pick<Source, "env" | "config">, capture: Capture, timeoutSeconds = 10) {
        const config: Record<string, string> = {
            "esa:endpoint": emulator.endpoint,
            "esa:timeoutSeconds": String(timeoutSeconds),
            ...source.config,
        };
        // The official SDK client, with the upload tickets it hands out kept aside to be searched for.
        const apiFactory: CodeVersionApiFactory = (connection) => {
            const api = createSdkCodeVersionApi(connection);
            const keep = <T extends { form: UploadForm }>(answer: T) => {
                for (const [field, value] of answer.form.fields)
                    if (/^(policy|signature|x-oss-security-token)$/i.test(field) && value.length >= 8) tickets.add(value);
                return answer;
            };
            return {
                ...api,
                stagingUploadInfo: async (...args) => keep(await api.stagingUploadInfo(...args)),
                createAssetsVersion: async (...args) => keep(await api.createAssetsVersion(...args)),
            };
        };
        const options = { env: source.env, log: capture.log, clock };
        const versions = createCodeVersionProvider({ ...options, apiFactory });
        const routines = createRoutineProvider({ ...options, apiFactory: createSdkRoutineApi });
        const request = { config: { get: (k: string) => config[k] } } as any;
        void versions.configure(request);
        void routines.configure(request);
        return { versions, routines };
    }

    /** The inputs as the program side prepares them (the engine passes them to check). */
    function raw(kind: "script" | "assets", extra: Record<string, unknown> = {}) {
        const prepared =
            kind === "assets"
                ? storeSource("assets", assetsZip(SCRIPT, new Map([["index.html", Buffer.from(`<h1>${ASSET_MARK}</h1>`)]])), cacheDir)
                : storeSource("script", scriptBytes(SCRIPT), cacheDir);
        return {
            routine: ROUTINE,
            sourceKind: prepared.kind,
            sourceHash: prepared.hash,
            sourceFile: prepared.file,
            owner: "c0ffee01",
            description: `secure ${kind}`,
            ...extra,
        };
    }
    const checked = (input: Record<string, unknown>) => checkCodeVersion(input).inputs;

    before(async () => {
        emulator = await startEmulator({
            routines: { [ROUTINE]: [], [FOREIGN]: [] },
            stsCredentials: [STS, OTHER_STS],
            buildDelayMs: 30,
            edge: false,
        });
    });
    beforeEach(() => emulator.reset());
    after(async () => {
        await emulator?.close();
        fs.rmSync(cacheDir, { recursive: true, force: true });
    });

    for (const source of SOURCES) {
        it(`with ${source.label}: Routine and RoutineCodeVersion, every operation and eight kinds of failure`, async () => {
            const capture = new Capture();
            // A new provider for every operation, as every `pulumi` run has its own.
            const p = (timeoutSeconds?: number) => providers(source, capture, timeoutSeconds);

            // --- Routine ----------------------------------------------------------------
            const name = "sec-made-here";
            await capture.run("Routine check", () => p().routines.check({}, { name, description: "made here" }));
            const routine = await capture.run("Routine create", () => p().routines.create({ name, description: "made here" }));
            await capture.run("Routine read", () => p().routines.read(name, routine.outs));
            await capture.run("Routine diff", () => p().routines.diff(name, routine.outs, { name, description: "renamed" }));
            await capture.run("Routine update", () => p().routines.update(name, routine.outs, { name, description: "renamed" }));
            await capture.run("Routine create on an existing routine", () => p().routines.create({ name: FOREIGN }), true);
            const adopted = await capture.run("Routine adopt", () => p().routines.create({ name: FOREIGN, adoptExisting: true }));
            await capture.run("Routine delete (adopted: kept)", () => p().routines.delete(FOREIGN, adopted.outs));
            emulator.setErServiceStatus("Stopped");
            await capture.run("Routine create, service stopped", () => p().routines.create({ name: "sec-stopped" }), true);
            emulator.setErServiceStatus("Running");
            await capture.run("Routine delete", () => p().routines.delete(name, routine.outs));

            // --- RoutineCodeVersion -----------------------------------------------------
            const checkedScript = await capture.run("version check", () => p().versions.check({}, raw("script")));
            assert.deepEqual(checkedScript.failures, []);
            const script = await capture.run("version create (staging flow)", () => p().versions.create(checked(raw("script"))));
            const assets = await capture.run("version create (assets flow)", () => p().versions.create(checked(raw("assets"))));
            await capture.run("version read", () => p().versions.read(script.id, script.outs));
            await capture.run("version read by id alone (import)", () => p().versions.read(assets.id, {}));
            const news = checked(raw("script", { pruneUnusedVersions: true }));
            await capture.run("version diff", () => p().versions.diff(script.id, script.outs, news));
            await capture.run("version update (in place)", () => p().versions.update(script.id, script.outs, news));
            emulator.setDeployment(ROUTINE, "production", [{ codeVersion: script.outs.codeVersion, percentage: 100 }]);
            await capture.run("version delete (serving: kept)", () => p().versions.delete(script.id, script.outs));
            await capture.run("version delete", () => p().versions.delete(assets.id, assets.outs));
            await capture.run("version read after delete (gone)", () => p().versions.read(assets.id, assets.outs));

            // --- failures ---------------------------------------------------------------
            emulator.setVersionQuota(emulator.state().routines[ROUTINE].versions.length);
            emulator.createVersion(ROUTINE, { description: "serves nothing" });
            await capture.run("version create, quota full", () => p().versions.create(checked(raw("script", { description: "q" }))), true);
            emulator.setVersionQuota(10);
            emulator.failNextBuild(ROUTINE, "BuildFailed");
            await capture.run(
                "version create, failed build",
                () => p().versions.create(checked(raw("assets", { description: "b" }))),
                true,
            );
            emulator.injectFault({ action: "CommitRoutineStagingCode", kind: "throttling", count: 10_000 });
            await capture.run(
                "version create, commit throttled",
                () => p(1).versions.create(checked(raw("script", { description: "t" }))),
                true,
            );
            emulator.clearFaults();
            emulator.injectFault({ action: "GetRoutineCodeVersionInfo", kind: "connectionReset", count: 10_000 });
            await capture.run("version read, connection reset", () => p(1).versions.read(script.id, script.outs), true);
            emulator.clearFaults();
            emulator.injectFault({ action: "PostObject", kind: "serviceUnavailable", count: 10_000 });
            await capture.run(
                "version create, upload refused",
                () => p(1).versions.create(checked(raw("script", { description: "u" }))),
                true,
            );
            emulator.clearFaults();
            const otherToken = source.config["alicloud:securityToken"]
                ? { env: {}, config: { ...source.config, "alicloud:securityToken": OTHER_STS.securityToken } }
                : { env: { ...source.env, ALIBABA_CLOUD_SECURITY_TOKEN: OTHER_STS.securityToken }, config: {} };
            await capture.run(
                "version create, another key's token",
                () => providers(otherToken, capture).versions.create(checked(raw("script"))),
                true,
            );

            // --- the search is not vacuous ------------------------------------------------
            assert.equal(capture.errors.length, 8);
            const expected = [
                /already exists/,
                /Edge Routine service is "Stopped"/,
                /no room for another code version/,
                /status is "BuildFailed"/,
                /CommitRoutineStagingCode .*Throttling\.User/,
                /GetRoutineCodeVersionInfo .*(ECONNRESET|socket hang up)/,
                /OSS PostObject \(code upload\) .*ServiceUnavailable/,
                /InvalidSecurityToken\.MismatchWithAccessKey/,
            ];
            capture.errors.forEach((error, i) => assert.match(error.message, expected[i]));
            assert.match(capture.errors[7].message, /Authentication failed/);
            assert.match(capture.errors[2].message, /serves nothing/, "the quota error lists versions (with their descriptions)");
            assert.ok(capture.logs.some((l) => /not deleted in ESA now/.test(l)));
            assert.ok(capture.logs.some((l) => /removed from the stack only/.test(l)));
            const signed = emulator.requests().filter((r) => r.action !== "PostObject");
            assert.ok(signed.filter((r) => r.status === 200).length >= 20, "the credentials were really used");
            assert.ok(
                signed.every((r) => r.accessKeyId === STS.accessKeyId),
                "every API request was signed with this source's temporary key",
            );
            assert.ok(
                capture.returned.some((r) => r.includes(script.outs.sourceHash)),
                "what was returned is searched (it holds the hash)",
            );
            for (const outs of [script.outs, assets.outs]) {
                for (const key of Object.keys(outs)) {
                    assert.ok(
                        [
                            "routine",
                            "sourceKind",
                            "sourceHash",
                            "owner",
                            "contentHash",
                            "description",
                            "codeVersion",
                            "status",
                            "createTime",
                        ].includes(key),
                        `an unexpected output: ${key}`,
                    );
                }
            }

            capture.assertNothingShown();
            // Nor the upload tickets' signed policies, signatures and tokens (both flows were used).
            assert.ok(tickets.size >= 5, `upload tickets seen: ${tickets.size}`);
            const everything = [...capture.returned, ...capture.texts, ...capture.logs].join("\n");
            for (const ticket of tickets)
                assert.ok(!everything.includes(ticket), `an upload ticket's secret was shown: ${ticket.slice(0, 8)}…`);
        });
    }
});
