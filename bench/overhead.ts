/**
 * Per-call overhead (issue item 6): the provider's `create`, in process, against the
 * emulator, next to the raw SDK call it makes.
 *
 * `create` is, by SPEC §4, three API calls: GetRoutine (the pre-read for adoption),
 * CreateRoutineCodeDeployment, GetRoutine (the read-after-write guard). So it is
 * compared twice: with the one raw CreateRoutineCodeDeployment (the ratio,
 * ≈ 3 by construction), and with the same three calls made raw, which isolates what the
 * provider adds around its calls (validation of the answer, retries wrapper, a new SDK
 * client per operation, shared-read bookkeeping).
 *
 * Every iteration deploys to a routine nothing was deployed to yet, so neither side can
 * adopt, and the provider's shared reads cannot serve one iteration from the previous.
 * Runs alternate (provider, raw, raw sequence) so that machine load hits all three alike.
 */
import { createProvider } from "../provider";
import { createSdkApi, EsaApiFactory } from "../provider/esa/client";
import type { DeploymentInputs } from "../provider/deployment/types";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator } from "../emulator";
import { SPLIT_A, V1, V2 } from "./stacks";
import { median, round, timeMs } from "./stats";

export interface OverheadResult {
    iterations: number;
    providerCreateMs: number;
    rawCreateMs: number;
    rawThreeCallsMs: number;
    /** provider create ÷ raw CreateRoutineCodeDeployment. */
    ratioToRawCreate: number;
    /** provider create ÷ the same three calls made raw. */
    ratioToRawThreeCalls: number;
    /** API calls per provider create, from the emulator's log. */
    callsPerProviderCreate: Record<string, number>;
    /** Of a provider create, the time spent outside its API calls (validation, bookkeeping, SDK client set-up). */
    providerOwnMs: number;
    /** The first provider create of the process (loads the SDK): not in the medians. */
    firstProviderCreateMs: number;
}

export async function measureOverhead(iterations = 40, warmup = 5): Promise<OverheadResult> {
    const total = iterations + warmup;
    const routines: Record<string, string[]> = {};
    for (let i = 0; i < total; i++) for (const side of ["p", "r", "s"]) routines[`${side}-${i}`] = [V1, V2];
    const emulator = await startEmulator({ routines });
    try {
        const config: Record<string, string> = { "esa:endpoint": emulator.endpoint };
        // The production API, timed from outside: what the provider adds is its time minus these calls.
        let inCalls = 0;
        const timedApi: EsaApiFactory = (connection) => {
            const api = createSdkApi(connection);
            const timed =
                <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
                async (...args: A) => {
                    const start = process.hrtime.bigint();
                    try {
                        return await call(...args);
                    } finally {
                        inCalls += Number(process.hrtime.bigint() - start) / 1e6;
                    }
                };
            return { getRoutineEnvironments: timed(api.getRoutineEnvironments), createDeployment: timed(api.createDeployment) };
        };
        const provider = createProvider({
            apiFactory: timedApi,
            env: { ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_ACCESS_KEY_SECRET },
            log: () => {},
        });
        await provider.configure({ config: { get: (k: string) => config[k], require: (k: string) => config[k] } } as any);

        // The raw side: one SDK client, made once, as a hand-written script would.
        const sdk = require("@alicloud/esa20240910");
        const { Config } = require("@alicloud/openapi-core").$OpenApiUtil;
        const { RuntimeOptions } = require("@darabonba/typescript");
        const client = new sdk.default(
            new Config({
                accessKeyId: DEFAULT_ACCESS_KEY_ID,
                accessKeySecret: DEFAULT_ACCESS_KEY_SECRET,
                endpoint: emulator.host,
                protocol: "http",
                regionId: "cn-hangzhou",
            }),
        );
        const runtime = new RuntimeOptions({ autoretry: false });
        const rawCreate = (name: string) =>
            client.createRoutineCodeDeploymentWithOptions(
                new sdk.CreateRoutineCodeDeploymentRequest({
                    name,
                    env: "production",
                    strategy: "percentage",
                    codeVersions: SPLIT_A.map((v) => new sdk.CreateRoutineCodeDeploymentRequestCodeVersions(v)),
                }),
                runtime,
            );
        const rawGet = (name: string) => client.getRoutineWithOptions(new sdk.GetRoutineRequest({ name }), runtime);
        const inputs = (name: string): DeploymentInputs => ({ name, env: "production", strategy: "percentage", codeVersions: SPLIT_A });

        const first = await timeMs(() => provider.create(inputs("p-0")));
        await rawCreate("r-0");
        const samples = { provider: [] as number[], raw: [] as number[], three: [] as number[], own: [] as number[] };
        let callsPerProviderCreate: Record<string, number> = {};
        for (let i = 1; i < total; i++) {
            emulator.clearRequests();
            inCalls = 0;
            const p = await timeMs(() => provider.create(inputs(`p-${i}`)));
            const own = p.ms - inCalls;
            callsPerProviderCreate = emulator.countByAction();
            const r = await timeMs(() => rawCreate(`r-${i}`));
            const s = await timeMs(async () => {
                await rawGet(`s-${i}`);
                await rawCreate(`s-${i}`);
                await rawGet(`s-${i}`);
            });
            if (i < warmup) continue;
            samples.provider.push(p.ms);
            samples.raw.push(r.ms);
            samples.three.push(s.ms);
            samples.own.push(own);
        }

        const providerCreateMs = median(samples.provider);
        const rawCreateMs = median(samples.raw);
        const rawThreeCallsMs = median(samples.three);
        return {
            iterations: samples.provider.length,
            providerCreateMs: round(providerCreateMs, 3),
            rawCreateMs: round(rawCreateMs, 3),
            rawThreeCallsMs: round(rawThreeCallsMs, 3),
            ratioToRawCreate: round(providerCreateMs / rawCreateMs),
            ratioToRawThreeCalls: round(providerCreateMs / rawThreeCallsMs),
            providerOwnMs: round(median(samples.own), 3),
            callsPerProviderCreate,
            firstProviderCreateMs: round(first.ms, 1),
        };
    } finally {
        await emulator.close();
    }
}

if (require.main === module) {
    measureOverhead().then((r) => console.log(r));
}
