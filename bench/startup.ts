/**
 * Provider start-up (issue item 3): from the start of a dynamic-provider process to its
 * first Check answer, for `RoutineCodeDeployment`'s provider (the 0.4 KB shim that
 * loads `esa-routine-deployment/provider`) and for a trivial dynamic provider (the
 * floor: what the plugin itself costs). And whether `@alicloud/esa20240910` is loaded
 * on the check/diff path: it must not be, since a no-op preview only checks and diffs.
 *
 * The process is started as the engine starts it: `pulumi-resource-pulumi-nodejs` (our
 * launcher, `scripts/`), in a directory whose `node_modules` resolves the package, with
 * a dummy engine address. The benchmark then speaks the provider protocol itself:
 * Configure, Check (with `__provider` = the serialized provider), Diff. A preload
 * (`bench/preload.js`) lists the loaded module files on SIGUSR2.
 *
 * Beside them, the native plugin `bin/pulumi-resource-esa`, started the same way (the
 * executable with a dummy engine address; it loads the repository's `dist/`) and asked
 * the same: Configure (its own keys, as the engine sends a default provider's `esa:*`
 * config), Check of an `esa:index:RoutineCodeDeployment` (no `__provider`), Diff.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { serializeFunction } from "@pulumi/pulumi/runtime/closure/serializeClosure";
import { serializedProvider } from "../provider/engine/shim";
import { repoRoot } from "../scripts/toolchain";
import { tokenOf } from "../provider/engine/shape";
import { NATIVE_PLUGIN_DIR, SPLIT_A, trivialProvider } from "./stacks";
import { median, msSince, round } from "./stats";

const grpc = require("@grpc/grpc-js");
const providerRpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const providerProto = require("@pulumi/pulumi/proto/provider_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

const LAUNCHER = path.join(repoRoot, "scripts", "pulumi-resource-pulumi-nodejs");
const NATIVE_LAUNCHER = path.join(NATIVE_PLUGIN_DIR, "pulumi-resource-esa");
const PRELOAD = path.join(__dirname, "preload.js");
const SDK_MODULE = `${path.sep}@alicloud${path.sep}esa20240910${path.sep}`;

export interface StartupSample {
    /** Spawn → the plugin printed its port. */
    readyMs: number;
    /** Spawn → the first Check answered (Configure sent first, as the engine does). */
    firstCheckMs: number;
    /** The first Check alone: loading and configuring the provider, then checking. */
    checkRpcMs: number;
    modulesAfterCheck: number;
    modulesAfterDiff: number;
    sdkLoadedByCheck: boolean;
    sdkLoadedByDiff: boolean;
    /** Files of @alicloud/* packages loaded by the end of the Diff. */
    alicloudFilesAfterDiff: number;
    /**
     * The detector's positive control (last run of ours and of the native plugin only):
     * after a Read, which must load the SDK, the same check says it is loaded.
     */
    sdkLoadedByRead?: boolean;
}

export interface StartupResult {
    runs: number;
    ours: StartupSample & { samples: number[] };
    trivial: StartupSample & { samples: number[] };
    /** ours ÷ trivial, spawn → first Check (medians). */
    ratio: number;
    /** The positive control: a Read of ours loaded the SDK and the detector saw it. */
    detectorControl: boolean;
    /** The native plugin, in the same runs (absent in results from before it existed). */
    native?: StartupSample & { samples: number[] };
    /** native ÷ ours (the dynamic plugin), spawn → first Check (medians). */
    nativeRatio?: number;
    /** The positive control on the native plugin. */
    nativeDetectorControl?: boolean;
    /**
     * Loading `@alicloud/esa20240910` (with the credentials and OpenAPI core packages)
     * in a fresh Node process, median: what the first create, update or read of a
     * provider process pays, once. The SDK's client module loads all of its ~1,200 model
     * files.
     */
    sdkLoad: { ms: number; files: number };
    /** Sizes of the provider texts sent as `__provider`. */
    providerTextBytes: { ours: number; trivial: number };
}

interface Side {
    /** The plugin's executable, started with the engine's address as its argument. */
    launcher: string;
    /** Configure's arguments: where ESA is (a closed port) and a 1 s deadline. */
    config: Record<string, unknown>;
    /** The URN's type (the native plugin serves by type). */
    type: string;
    /** Check's and Diff's inputs. */
    news: Record<string, unknown>;
}

type SideName = "ours" | "trivial" | "native";

export async function measureStartup(runs = 7): Promise<StartupResult> {
    const trivialText = (await serializeFunction(() => trivialProvider, { allowSecrets: true })).text;
    const inputs = { name: "bench-0000", env: "production", strategy: "percentage", codeVersions: SPLIT_A };
    // A closed port and a 1 s deadline: only the positive control's Read calls the API.
    const dynamicConfig = { "esa:endpoint": "http://127.0.0.1:9", "esa:timeoutSeconds": "1" };
    const dynamicType = "pulumi-nodejs:dynamic:Resource";
    const sides: Record<SideName, Side> = {
        ours: { launcher: LAUNCHER, config: dynamicConfig, type: dynamicType, news: { ...inputs, __provider: serializedProvider } },
        trivial: { launcher: LAUNCHER, config: dynamicConfig, type: dynamicType, news: { ...inputs, __provider: trivialText } },
        native: {
            launcher: NATIVE_LAUNCHER,
            config: { endpoint: "http://127.0.0.1:9", timeoutSeconds: 1 },
            type: tokenOf("RoutineCodeDeployment"),
            news: inputs,
        },
    };
    const names = Object.keys(sides) as SideName[];
    const samples: Record<SideName, StartupSample[]> = { ours: [], trivial: [], native: [] };
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-bench-startup-"));
    try {
        // One warm-up of each (file-system cache), then take turns, each run starting with
        // the next side, so that load hits all alike.
        for (const side of names) await startOnce(sides[side], outDir);
        for (let i = 0; i < runs; i++) {
            for (const side of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) {
                samples[side].push(await startOnce(sides[side], outDir, side !== "trivial" && i === runs - 1));
            }
        }
    } finally {
        fs.rmSync(outDir, { recursive: true, force: true });
    }
    const summarize = (list: StartupSample[]) => ({
        readyMs: round(median(list.map((s) => s.readyMs)), 1),
        firstCheckMs: round(median(list.map((s) => s.firstCheckMs)), 1),
        checkRpcMs: round(median(list.map((s) => s.checkRpcMs)), 1),
        modulesAfterCheck: median(list.map((s) => s.modulesAfterCheck)),
        modulesAfterDiff: median(list.map((s) => s.modulesAfterDiff)),
        sdkLoadedByCheck: list.some((s) => s.sdkLoadedByCheck),
        sdkLoadedByDiff: list.some((s) => s.sdkLoadedByDiff),
        alicloudFilesAfterDiff: Math.max(...list.map((s) => s.alicloudFilesAfterDiff)),
        samples: list.map((s) => round(s.firstCheckMs, 1)),
    });
    const ours = summarize(samples.ours);
    const trivial = summarize(samples.trivial);
    const native = summarize(samples.native);
    return {
        runs,
        ours,
        trivial,
        ratio: round(ours.firstCheckMs / trivial.firstCheckMs),
        detectorControl: samples.ours.at(-1)?.sdkLoadedByRead === true,
        native,
        nativeRatio: round(native.firstCheckMs / ours.firstCheckMs),
        nativeDetectorControl: samples.native.at(-1)?.sdkLoadedByRead === true,
        sdkLoad: measureSdkLoad(Math.min(runs, 5)),
        providerTextBytes: { ours: Buffer.byteLength(serializedProvider), trivial: Buffer.byteLength(trivialText) },
    };
}

async function startOnce(side: Side, outDir: string, control = false): Promise<StartupSample> {
    const started = process.hrtime.bigint();
    const child = spawn(side.launcher, ["127.0.0.1:1"], {
        cwd: repoRoot,
        env: { ...process.env, NODE_OPTIONS: `--require ${PRELOAD}`, BENCH_PRELOAD_OUT: outDir },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    try {
        const port = await firstLine(child);
        const readyMs = msSince(started);
        const client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        try {
            const configure = new providerProto.ConfigureRequest();
            configure.setArgs(Struct.fromJavaScript(side.config));
            configure.setAcceptsecrets(true);
            await unary(client, "configure", configure);

            const news = side.news;
            const urn = `urn:pulumi:bench::bench::${side.type}::startup`;
            const check = new providerProto.CheckRequest();
            check.setUrn(urn);
            check.setOlds(Struct.fromJavaScript({}));
            check.setNews(Struct.fromJavaScript(news));
            const checkStart = process.hrtime.bigint();
            await unary(client, "check", check);
            const firstCheckMs = msSince(started);
            const checkRpcMs = msSince(checkStart);
            const afterCheck = await loadedModules(child, outDir);

            const diff = new providerProto.DiffRequest();
            diff.setId("bench-0000:production");
            diff.setUrn(urn);
            diff.setOlds(Struct.fromJavaScript({ ...news, deploymentId: "1" }));
            diff.setNews(Struct.fromJavaScript(news));
            await unary(client, "diff", diff);
            const afterDiff = await loadedModules(child, outDir);

            let sdkLoadedByRead: boolean | undefined;
            if (control) {
                const read = new providerProto.ReadRequest();
                read.setId("bench-0000:production");
                read.setUrn(urn);
                read.setProperties(Struct.fromJavaScript({ ...news, deploymentId: "1" }));
                await unary(client, "read", read).catch(() => undefined); // fails: nothing listens
                sdkLoadedByRead = (await loadedModules(child, outDir)).some((f) => f.includes(SDK_MODULE));
            }

            return {
                readyMs,
                firstCheckMs,
                checkRpcMs,
                modulesAfterCheck: afterCheck.length,
                modulesAfterDiff: afterDiff.length,
                sdkLoadedByCheck: afterCheck.some((f) => f.includes(SDK_MODULE)),
                sdkLoadedByDiff: afterDiff.some((f) => f.includes(SDK_MODULE)),
                alicloudFilesAfterDiff: afterDiff.filter((f) => f.includes(`${path.sep}@alicloud${path.sep}`)).length,
                sdkLoadedByRead,
            };
        } finally {
            client.close();
        }
    } catch (error: any) {
        throw new Error(`${path.basename(side.launcher)} start-up failed: ${error?.message ?? error}\n${stderr}`, { cause: error });
    } finally {
        child.kill("SIGTERM");
        await new Promise((resolve) =>
            child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once("exit", resolve),
        );
    }
}

function measureSdkLoad(runs: number): { ms: number; files: number } {
    const script = `
        const before = Object.keys(require.cache).length;
        const start = process.hrtime.bigint();
        require("@alicloud/esa20240910");
        require("@alicloud/credentials");
        require("@alicloud/openapi-core");
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        process.stdout.write(JSON.stringify({ ms, files: Object.keys(require.cache).length - before }));
    `;
    const samples = Array.from({ length: runs }, () =>
        JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: repoRoot, encoding: "utf8" })),
    );
    return { ms: round(median(samples.map((s) => s.ms)), 0), files: samples[0].files };
}

function firstLine(child: ChildProcess): Promise<string> {
    return new Promise((resolve, reject) => {
        let out = "";
        const onData = (d: Buffer) => {
            out += d;
            const newline = out.indexOf("\n");
            if (newline >= 0) {
                child.stdout!.off("data", onData);
                resolve(out.slice(0, newline).trim());
            }
        };
        child.stdout!.on("data", onData);
        child.once("exit", (code) => reject(new Error(`exited (${code}) before printing its port`)));
    });
}

function unary(client: any, method: string, request: unknown): Promise<any> {
    return new Promise((resolve, reject) =>
        client[method](request, (error: Error | null, response: unknown) => (error ? reject(error) : resolve(response))),
    );
}

/** Asks the preload for the loaded module files (SIGUSR2) and waits for its answer. */
async function loadedModules(child: ChildProcess, outDir: string): Promise<string[]> {
    const file = path.join(outDir, `${child.pid}.jsonl`);
    // The complete records only: the answer (~100 KB of file names) may be read while it
    // is still being written, and the line is complete once its newline is there.
    const records = () => {
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        return text
            .slice(0, text.lastIndexOf("\n") + 1)
            .split("\n")
            .filter((l) => l.includes('"kind":"modules"'));
    };
    const before = records().length;
    child.kill("SIGUSR2");
    for (let waited = 0; ; waited += 5) {
        const answers = records();
        if (answers.length > before) return JSON.parse(answers.at(-1)!).files as string[];
        if (waited > 10_000) throw new Error("the preload did not answer SIGUSR2");
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
}

if (require.main === module) {
    measureStartup(Number(process.argv[2] ?? 5)).then((r) => console.log(JSON.stringify(r, null, 2)));
}
