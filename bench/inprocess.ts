/**
 * The providers in process against the emulator, next to the same ESA calls made raw
 * with the official SDK (one client, made once, as a hand-written script would):
 *
 * - a deployment's `create`: GetRoutine (pre-read), CreateRoutineCodeDeployment,
 *   GetRoutine (read-after-write), against the one raw deployment call and the same
 *   three calls raw;
 * - a release: `RoutineCodeVersion`'s create (staging flow: upload info, the form upload,
 *   commit, the availability check) then the deployment of the new version, against the
 *   same calls raw; once at the emulator's speed, and once with every answer delayed by
 *   `ROUND_TRIP_MS`, as a remote account's answers are (what a user waits for);
 * - a progressive rollout: ESA calls per step of a continuous walk 10 → 50 → 100 %
 *   (no bake, no gates), through the deployment provider's `update`.
 *
 * Every iteration uses a routine nothing was deployed to, so nothing can be adopted or
 * shared from a previous one; the sides alternate so that machine load hits them alike.
 * At its own speed the emulator answers in about a millisecond (in this process), so those
 * rows weigh the code around the calls, and every call, even one made beside another,
 * costs its full CPU time. Calls made back to back would also meet the
 * rate limiter's start pace (140/s, meant for a remote account, whose answers take tens of
 * ms); these rows measure the code around the calls, so ours runs on a clock of its own,
 * which has no process limiter. The pace is what the throttled-throughput rows measure.
 */
import * as os from "os";
import * as path from "path";
import * as fs from "fs";
import { createCodeVersionProvider, createProvider } from "../provider";
import { checkCodeVersion } from "../provider/code-version/check";
import { scriptBytes, storeSource } from "../provider/code-version/source";
import { toUploadForm } from "../provider/code-version/api";
import { callRpc } from "../provider/esa/sdk";
import { systemClock } from "../provider/esa/clock";
import type { DeploymentInputs } from "../provider/deployment/types";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, Emulator, sdkConfig, startEmulator } from "../emulator";
import { SPLIT_A, V1, V2 } from "./stacks";
import { interleaved, median, round } from "./stats";

/** Medians (ms) of ours and of the same calls raw; ESA calls per operation of ours, from the emulator's log. */
export interface Comparison {
    oursMs: number;
    rawMs: number;
    calls: Record<string, number>;
}

/** The round trip of the remote-like release comparison: a nearby region's network plus the service's own time. */
const ROUND_TRIP_MS = 20;

export interface InProcessResult {
    /** `rawMs`: the one raw deployment call; `rawThreeCallsMs`: the same three calls raw. */
    deployment: Comparison & { rawThreeCallsMs: number };
    /** `remote`: the same comparison with every answer `roundTripMs` late. */
    release: Comparison & { rawCalls: Record<string, number>; remote: { roundTripMs: number; oursMs: number; rawMs: number } };
    /** A continuous rollout over `steps` steps: calls in all and per step. */
    rollout: { steps: number; calls: Record<string, number>; perStep: number };
}

const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_ACCESS_KEY_SECRET };
const log = () => {};

export async function measureInProcess(iterations = 30, warmup = 3, remoteIterations = 10): Promise<InProcessResult> {
    const total = iterations + warmup + 1;
    const remoteTotal = remoteIterations + 1;
    const routines: Record<string, string[]> = { rollout: [V1, V2] };
    for (let i = 0; i < total; i++) for (const side of ["d", "dr", "d3", "v", "vr"]) routines[`${side}-${i}`] = [V1, V2];
    for (let i = 0; i < remoteTotal; i++) for (const side of ["v", "vr"]) routines[`${side}-${total + i}`] = [V1, V2];
    const emulator = await startEmulator({ routines, buildDelayMs: 0 });
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-bench-release-"));
    try {
        const configure = { config: { get: (k: string) => (k === "esa:endpoint" ? emulator.endpoint : undefined) } } as any;
        const clock = { ...systemClock };
        const deployments = createProvider({ env, log, clock });
        const versions = createCodeVersionProvider({ env, log, clock });
        await deployments.configure(configure);
        await versions.configure(configure);
        const raw = rawClient(emulator);
        const deploy = (name: string, codeVersions = SPLIT_A): DeploymentInputs => ({
            name,
            env: "production",
            strategy: "percentage",
            codeVersions,
        });
        // What the SDK class hands the provider: the source's hash and a cached file, never the source.
        const source = (i: number) => {
            const { kind, hash, file } = storeSource(
                "script",
                scriptBytes(`export default { fetch() { return new Response("${i}") } }`),
                cacheDir,
            );
            return checkCodeVersion({ routine: `v-${i}`, sourceKind: kind, sourceHash: hash, sourceFile: file, owner: "bench" }).inputs;
        };
        const release = async (i: number) => {
            const { outs } = await versions.create(source(i));
            await deployments.create(deploy(`v-${i}`, [{ codeVersion: outs.codeVersion, percentage: 100 }]));
        };
        const callsOf = async (run: () => Promise<unknown>) => {
            emulator.clearRequests();
            await run();
            return emulator.countByAction();
        };
        // One of each first: the calls each makes, and the SDK loaded before timing.
        const deploymentCalls = await callsOf(() => deployments.create(deploy(`d-${total - 1}`)));
        const releaseCalls = await callsOf(() => release(total - 1));
        const rawReleaseCalls = await callsOf(() => raw.release(`vr-${total - 1}`));

        const d = await interleaved(iterations, warmup, {
            ours: (i) => deployments.create(deploy(`d-${i}`)),
            raw: (i) => raw.deploy(`dr-${i}`, SPLIT_A),
            three: async (i) => {
                await raw.getRoutine(`d3-${i}`);
                await raw.deploy(`d3-${i}`, SPLIT_A);
                await raw.getRoutine(`d3-${i}`);
            },
        });
        const r = await interleaved(iterations, warmup, { ours: release, raw: (i) => raw.release(`vr-${i}`) });
        emulator.setRoundTrip(ROUND_TRIP_MS);
        const remote = await interleaved(remoteIterations, 1, {
            ours: (i) => release(total + i),
            raw: (i) => raw.release(`vr-${total + i}`),
        });
        emulator.setRoundTrip(0);

        // The rollout: from V1 at 100 % to V2 at 100 % in three steps, in one `update`.
        const from = (await deployments.create(deploy("rollout", [{ codeVersion: V1, percentage: 100 }]))).outs;
        const { inputs: target } = await deployments.check(from, {
            ...deploy("rollout", [{ codeVersion: V2, percentage: 100 }]),
            rollout: { steps: [10, 50, 100], bakeSeconds: 0, mode: "continuous" },
        });
        const rolloutCalls = await callsOf(() => deployments.update("rollout:production", from, target));

        const m = (xs: number[]) => round(median(xs), 3);
        return {
            deployment: { oursMs: m(d.ours), rawMs: m(d.raw), rawThreeCallsMs: m(d.three), calls: deploymentCalls },
            release: {
                oursMs: m(r.ours),
                rawMs: m(r.raw),
                calls: releaseCalls,
                rawCalls: rawReleaseCalls,
                remote: { roundTripMs: ROUND_TRIP_MS, oursMs: m(remote.ours), rawMs: m(remote.raw) },
            },
            rollout: { steps: 3, calls: rolloutCalls, perStep: round(Object.values(rolloutCalls).reduce((a, b) => a + b, 0) / 3) },
        };
    } finally {
        await emulator.close();
        fs.rmSync(cacheDir, { recursive: true, force: true });
    }
}

/** The raw side: the official SDK's client and a form upload, no retries, no checks. */
function rawClient(emulator: Emulator) {
    const sdk = require("@alicloud/esa20240910");
    const { $OpenApiUtil } = require("@alicloud/openapi-core");
    const { RuntimeOptions } = require("@darabonba/typescript");
    const client = new sdk.default(new $OpenApiUtil.Config(sdkConfig(emulator)));
    const runtime = new RuntimeOptions({ autoretry: false });
    const getRoutine = (name: string) => client.getRoutineWithOptions(new sdk.GetRoutineRequest({ name }), runtime);
    const deploy = (name: string, codeVersions: { codeVersion: string; percentage: number }[]) =>
        client.createRoutineCodeDeploymentWithOptions(
            new sdk.CreateRoutineCodeDeploymentRequest({
                name,
                env: "production",
                strategy: "percentage",
                codeVersions: codeVersions.map((v) => new sdk.CreateRoutineCodeDeploymentRequestCodeVersions(v)),
            }),
            runtime,
        );
    // Actions SDK 2.43.0 does not model, through its generic callApi, as a script would.
    const rpc = (action: string, body: Record<string, string>) => callRpc(client, action, body, { timeoutMs: 30_000 });
    /** What a release script does: upload info, the upload, commit, check it is available, deploy it (read before and after, as ours). */
    const release = async (name: string) => {
        const info = await client.getRoutineStagingCodeUploadInfoWithOptions(
            new sdk.GetRoutineStagingCodeUploadInfoRequest({ name, codeDescription: "raw" }),
            runtime,
        );
        const form = toUploadForm(info.body.ossPostConfig);
        const body = new FormData();
        for (const [key, value] of form.fields) body.append(key, value);
        body.append("file", new Blob([`export default { fetch() { return new Response("${name}") } }`]), "index.js");
        const posted = await fetch(form.url, { method: "POST", body });
        if (posted.status >= 300) throw new Error(`upload: HTTP ${posted.status}`);
        const commit = await rpc("CommitRoutineStagingCode", { Name: name, CodeDescription: "raw", DeployEnv: "production" });
        const codeVersion = String(commit.CodeVersion);
        await rpc("GetRoutineCodeVersionInfo", { Name: name, CodeVersion: codeVersion });
        await getRoutine(name);
        await deploy(name, [{ codeVersion, percentage: 100 }]);
        await getRoutine(name);
    };
    return { getRoutine, deploy, release };
}

if (require.main === module) {
    measureInProcess(Number(process.argv[2] ?? 10)).then((r) => console.log(JSON.stringify(r, null, 2)));
}
