/**
 * The results table, defined in one place: `ROWS` lists every row, in order, each with
 * its goal (when the issues set one) and how it reads the measurements. A row passes on
 * the unrounded figure. `results.json` keeps every measurement; `results.md` is the table
 * and the notes; the README's Performance section copies the table.
 */
import type { CallPhase, CallsResult } from "./calls";
import type { EngineTimeRow } from "./engine-time";
import type { InProcessResult } from "./inprocess";
import type { CommandPhases } from "./provider-trace";
import type { StartupResult } from "./startup";
import type { StateSizeResult } from "./state-size";
import type { ThroughputResult } from "./throughput";
import { callList, round } from "./stats";

export interface Results {
    startedAt: string;
    totalWallSeconds: number;
    machine: { cpus: number; node: string; pulumi: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
    calls?: CallsResult;
    /** The same phases on the native path (`pulumi-resource-esa`), with its state after the creating `up`. */
    nativeCalls?: CallsResult;
    stateSize?: StateSizeResult;
    startup?: StartupResult;
    engine: EngineTimeRow[];
    throughput?: ThroughputResult;
    inProcess?: InProcessResult;
    /** Parts that failed or were skipped for time, with why. */
    problems: string[];
}

export interface Row {
    metric: string;
    value: string;
    floor: string;
    ratio: string;
    goal: string;
    /** undefined: no goal for this row. */
    pass?: boolean;
}

const kb = (bytes: number) => `${round(bytes / 1024, 2)} KB`;
const s = (ms: number) => `${round(ms / 1000, 1)} s`;
const x = (r: number) => `${round(r, 2)}×`;
const pct = (r: number) => `${round(r * 100, 0)} %`;
const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
/** The same requests per action. */
const sameCalls = (a: Record<string, number>, b: Record<string, number>) =>
    Object.keys({ ...a, ...b }).every((action) => (a[action] ?? 0) === (b[action] ?? 0));
const phasesText = (p: CommandPhases | undefined) =>
    p ? `${s(p.beforeProviderMs)} + ${s(p.providerMs)} + ${s(p.afterProviderMs)}` : "not traced";

/** A row with a goal: `pass` on the figure the goal is about. */
const goal = (row: Omit<Row, "goal" | "pass">, text: string, pass: boolean): Row => ({ ...row, goal: text, pass });
const info = (row: Omit<Row, "goal" | "pass">): Row => ({ ...row, goal: "—" });

/** Every row of the table, in order: each reads one part of the results (absent parts give no rows). */
const ROWS: ((r: Results) => Row[])[] = [
    ({ calls }) => {
        if (!calls) return [];
        const R = calls.routines;
        const phase = (prefix: string) => calls.phases.filter((p) => p.phase.startsWith(prefix));
        return [
            ...phase("up: create").map((p) =>
                info({
                    metric: `API calls: \`up\` creating N=${calls.n} (R=${R})`,
                    value: `${p.totalCalls} (${callList(p.calls)}) = ${round(p.totalCalls / calls.n, 2)}/resource`,
                    floor: `${calls.n} deployments; with the lifecycle's reads ${R + 2 * calls.n}`,
                    ratio: x(p.totalCalls / calls.n),
                }),
            ),
            ...phase("preview (no-op)").map((p) =>
                goal(
                    { metric: `API calls: no-op \`preview\`, N=${calls.n}`, value: `${p.totalCalls}`, floor: "0", ratio: "—" },
                    "0 calls",
                    p.totalCalls === 0,
                ),
            ),
            ...phase("preview --refresh").map((p) =>
                goal(
                    {
                        metric: `API calls: \`preview --refresh\`, N=${calls.n} over R=${R}`,
                        value: `${p.totalCalls} (${callList(p.calls)})`,
                        floor: `R = ${R}`,
                        ratio: x(p.totalCalls / R),
                    },
                    "≤ R",
                    p.totalCalls <= R,
                ),
            ),
            ...[...phase("up: change"), ...phase("up --refresh")].map((p) => {
                const refreshReads = p.phase.startsWith("up --refresh") ? R : 0;
                const perChanged = (p.totalCalls - refreshReads) / p.changed;
                return goal(
                    {
                        metric: `API calls per updated split: \`${p.phase.replace(/:.*/, "")}\` changing ${p.changed} of ${calls.n}${p.phase.replace(/^[^(]*/, " ")}`,
                        value: `${p.totalCalls} (${callList(p.calls)})${refreshReads ? `, ${R} of them the refresh's` : ""} = ${round(perChanged, 2)}/split`,
                        floor: `${p.changed} deployments (1/split)`,
                        ratio: x(perChanged),
                    },
                    "≤ 2/split",
                    perChanged <= 2,
                );
            }),
        ];
    },
    ({ calls, nativeCalls }) => {
        if (!calls || !nativeCalls) return [];
        return nativeCalls.phases.map((p) => {
            const dynamic = calls.phases.find((d) => d.phase === p.phase);
            const same = dynamic !== undefined && sameCalls(p.calls, dynamic.calls) && p.failedCalls === 0 && dynamic.failedCalls === 0;
            return goal(
                {
                    metric: `Native path: API calls, ${p.phase} (N=${nativeCalls.n})`,
                    value: `${p.totalCalls} (${callList(p.calls)})`,
                    floor: dynamic ? `dynamic path: ${dynamic.totalCalls} (${callList(dynamic.calls)})` : "dynamic path: not measured",
                    ratio: dynamic && dynamic.totalCalls ? x(p.totalCalls / dynamic.totalCalls) : "—",
                },
                "= dynamic path's",
                same,
            );
        });
    },
    ({ stateSize }) => {
        if (!stateSize) return [];
        return Object.entries(stateSize.byN).flatMap(([n, k]) => [
            goal(
                {
                    metric: `State per deployment, N=${n} (\`pulumi stack export\`)`,
                    value: `${k.ours.bytesPerResource} B (${kb(k.ours.bytesPerResource)})`,
                    floor: `${k.ours.withoutProviderBytes} B without \`__provider\`; naive ${k.naive.bytesPerResource} B; trivial ${k.trivial.bytesPerResource} B`,
                    ratio: `${x(k.ours.bytesPerResource / k.ours.withoutProviderBytes)} floor; ${x(k.ours.bytesPerResource / k.naive.bytesPerResource)} naive`,
                },
                "≤ 4 KB",
                k.ours.bytesPerResource <= 4096,
            ),
            goal(
                {
                    metric: `State per code version, N=${n}: its inputs and outputs`,
                    value: `${k.version.propertiesBytes} B (${kb(k.version.propertiesBytes)}), ${k.version.bytesPerResource} B with the engine's record; source in the state: ${stateSize.sourceInState ? "YES" : "no"}`,
                    floor: `the engine's own record of the resource: ${k.version.bytesPerResource - k.version.propertiesBytes} B (a trivial resource's: ${k.trivial.bytesPerResource - k.trivial.propertiesBytes} B)`,
                    ratio: "—",
                },
                "≤ 2 KB of inputs and outputs, no source",
                k.version.propertiesBytes <= 2048 && !stateSize.sourceInState,
            ),
        ]);
    },
    ({ calls, nativeCalls }) => {
        const d = calls?.state;
        const n = nativeCalls?.state;
        if (!d || !n) return [];
        return [
            goal(
                {
                    metric: `Native path: state per deployment, N=${nativeCalls!.n} (\`pulumi stack export\` after the creating \`up\`)`,
                    value: `${n.bytesPerResource} B (${kb(n.bytesPerResource)}), ${n.providerLines} \`__provider\` lines; inputs and outputs ${n.propertiesBytes} B`,
                    floor: `dynamic path: ${d.bytesPerResource} B, ${d.withoutProviderBytes} B without its \`__provider\`; inputs and outputs ${d.propertiesBytes} B`,
                    ratio: x(n.bytesPerResource / d.bytesPerResource),
                },
                "≤ dynamic path's, no `__provider`",
                n.bytesPerResource <= d.bytesPerResource && n.providerLines === 0 && n.count === nativeCalls!.n,
            ),
        ];
    },
    ({ startup, calls }) => {
        if (!startup) return [];
        const loaded = startup.ours.sdkLoadedByCheck || startup.ours.sdkLoadedByDiff;
        const enginePath = calls?.phases.find((p) => p.phase.startsWith("preview (no-op)"))?.providers ?? [];
        const engineLoaded = enginePath.some((t) => t.sdkLoaded);
        return [
            info({
                metric: "Provider start-up: process start → first Check answer (median)",
                value: `${startup.ours.firstCheckMs} ms (first Check RPC ${startup.ours.checkRpcMs} ms)`,
                floor: `trivial provider ${startup.trivial.firstCheckMs} ms`,
                ratio: x(startup.ratio),
            }),
            info({
                metric: "Loading the ESA SDK (first create/update/read, once)",
                value: `${startup.sdkLoad.ms} ms, ${startup.sdkLoad.files} files`,
                floor: "0 on the check/diff path",
                ratio: "—",
            }),
            ...(startup.native
                ? [
                      info({
                          metric: "Native plugin start-up: process start → first Check answer (median)",
                          value: `${startup.native.firstCheckMs} ms (first Check RPC ${startup.native.checkRpcMs} ms; ESA SDK loaded by Check or Diff: ${startup.native.sdkLoadedByCheck || startup.native.sdkLoadedByDiff ? "YES" : "no"}, control ${startup.nativeDetectorControl ? "seen" : "NOT seen"})`,
                          floor: `dynamic plugin ${startup.ours.firstCheckMs} ms (same runs); trivial dynamic provider ${startup.trivial.firstCheckMs} ms`,
                          ratio: `${x(startup.nativeRatio ?? startup.native.firstCheckMs / startup.ours.firstCheckMs)} dynamic`,
                      }),
                  ]
                : []),
            goal(
                {
                    metric: "`@alicloud/esa20240910` loaded on the check/diff path",
                    value: `${loaded ? "yes" : "no"} (Check + Diff, ${startup.runs} runs)${enginePath.length ? `; ${engineLoaded ? "yes" : "no"} in the engine's no-op preview` : ""}; control (a Read loads it): ${startup.detectorControl ? "seen" : "NOT seen"}`,
                    floor: "not loaded",
                    ratio: "—",
                },
                "not loaded",
                !loaded && !engineLoaded && startup.detectorControl,
            ),
        ];
    },
    ({ engine }) =>
        engine.flatMap((row) => [
            ...(["up", "preview"] as const).map((op) => {
                const ms = op === "up" ? row.upMs : row.previewMs;
                const measured = {
                    metric: `Engine wall time: ${op === "up" ? "`up` creating" : "no-op `preview` of"} N=${row.n} (median of ${op === "up" ? row.repetitions : row.samples.preview.ours.length})`,
                    value: `${s(ms.ours)} (${ms.ours >= ms.floor ? "+" : "−"}${s(Math.abs(ms.ours - ms.floor))})`,
                    floor: `${s(ms.floor)} (N trivial dynamic resources)`,
                    ratio: x(ms.ours / ms.floor),
                };
                return row.n === 100 ? goal(measured, "≤ 1.3×", ms.ours / ms.floor <= 1.3) : info(measured);
            }),
            ...(["up", "preview"] as const).flatMap((op) => {
                const native = row.native;
                if (!native) return [];
                const ms = op === "up" ? native.upMs : native.previewMs;
                const dynamic = op === "up" ? native.dynamicMs.up : native.dynamicMs.preview;
                return [
                    goal(
                        {
                            metric: `Native path: engine wall time, ${op === "up" ? "`up` creating" : "no-op `preview` of"} N=${row.n} (median of ${op === "up" ? native.repetitions : native.samples.preview.length})`,
                            value: `${s(ms)} (${ms >= dynamic ? "+" : "−"}${s(Math.abs(ms - dynamic))})`,
                            floor: `dynamic path ${s(dynamic)} (the same repetitions, interleaved)`,
                            ratio: x(ms / dynamic),
                        },
                        "≤ 1.1× dynamic path's",
                        ms / dynamic <= 1.1,
                    ),
                ];
            }),
        ]),
    ({ throughput: t }) => {
        if (!t) return [];
        const what = `N=${t.n} creates at ${t.ratePerSecond} req/s, --parallel ${t.parallel}`;
        return [
            goal(
                {
                    metric: `Throttled answers per served call, ${what}`,
                    value: `${t.throttled} throttled, ${t.servedTotal} served (${callList(t.served)})`,
                    floor: "0",
                    ratio: `${round(t.throttled / t.servedTotal, 3)}`,
                },
                "≤ 0.1",
                t.throttled / t.servedTotal <= 0.1,
            ),
            goal(
                {
                    metric: "Calls phase as a share of the rate limit",
                    value: `${t.servedTotal} served in ${s(t.apiSpanMs)} (first to last call)`,
                    floor: `${t.ratePerSecond}/s`,
                    ratio: pct(t.utilization),
                },
                "≥ 95 %",
                t.utilization >= 0.95,
            ),
            goal(
                {
                    metric: "Whole run vs calls ÷ rate",
                    value: `${s(t.wallMs)}: ${s(t.beforeFirstCallMs)} before the first call, ${s(t.apiSpanMs)} of calls, ${s(t.afterLastCallMs)} after the last`,
                    floor: `${s(t.floorMs)} (${t.servedTotal} ÷ ${t.ratePerSecond}/s)${t.engineFloorMs ? `; the engine alone (N trivial resources): ${s(t.engineFloorMs)}` : ""}`,
                    ratio: `${round(t.wallMs / t.floorMs, 3)}×`,
                },
                "≤ 1.2×",
                t.wallMs / t.floorMs <= 1.2,
            ),
            goal({ metric: "Failures", value: `${t.failures} (other errors: ${t.other})`, floor: "0", ratio: "—" }, "0", t.failures === 0),
        ];
    },
    ({ inProcess: p }) => {
        if (!p) return [];
        const { deployment: d, release: r } = p;
        return [
            info({
                metric: "Deployment `create` in process vs raw SDK (median)",
                value: `${d.oursMs} ms (${callList(d.calls)})`,
                floor: `raw CreateRoutineCodeDeployment ${d.rawMs} ms; the same ${total(d.calls)} calls raw ${d.rawThreeCallsMs} ms`,
                ratio: `${x(d.oursMs / d.rawThreeCallsMs)} the same calls raw`,
            }),
            goal(
                {
                    metric: "Release calls: code → committed version → deployment, in process",
                    value: `${total(r.calls)} (${callList(r.calls)})`,
                    floor: `the same release made raw with the SDK: ${total(r.rawCalls)} calls`,
                    ratio: x(total(r.calls) / total(r.rawCalls)),
                },
                "≤ 1.2×",
                total(r.calls) <= 1.2 * total(r.rawCalls),
            ),
            info({
                metric: `Release time, each answer after a ${r.remote.roundTripMs} ms round trip as from a remote account (median)`,
                value: `${r.remote.oursMs} ms`,
                floor: `the same calls raw: ${r.remote.rawMs} ms`,
                ratio: x(r.remote.oursMs / r.remote.rawMs),
            }),
            info({
                metric: "Release time at the emulator's own speed: the code around the calls (median)",
                value: `${r.oursMs} ms`,
                floor: `the same calls raw: ${r.rawMs} ms`,
                ratio: x(r.oursMs / r.rawMs),
            }),
            info({
                metric: `ESA calls per rollout step (continuous, ${p.rollout.steps} steps, no bake, no gates)`,
                value: `${p.rollout.perStep} (${callList(p.rollout.calls)} in all)`,
                floor: "1 deployment per step",
                ratio: x(p.rollout.perStep),
            }),
        ];
    },
];

export function rows(results: Results): Row[] {
    return ROWS.flatMap((row) => row(results));
}

export function markdownTable(table: Row[]): string {
    const escape = (cell: string) => cell.replace(/\|/g, "\\|");
    return [
        "| Metric | Measured | Floor / comparison | Ratio | Goal | Result |",
        "|---|---|---|---|---|---|",
        ...table.map(
            (r) =>
                `| ${[r.metric, r.value, r.floor, r.ratio, r.goal].map(escape).join(" | ")} | ${r.pass === undefined ? "—" : r.pass ? "PASS" : "**FAIL**"} |`,
        ),
    ].join("\n");
}

export function markdown(results: Results): string {
    const m = results.machine;
    const t = results.throughput;
    return [
        "# Benchmarks",
        "",
        `Run ${results.startedAt}, ${results.totalWallSeconds} s in all, on ${m.cpus} CPUs, Node ${m.node}, Pulumi ${m.pulumi}. ` +
            `Load average (1/5/15 min) at start ${m.loadAverageAtStart.join(" / ")}, at end ${m.loadAverageAtEnd.join(" / ")}: ` +
            "other work on the machine shows in every timing (the ratios compare runs interleaved in time). Regenerate with `npm run bench`.",
        "",
        markdownTable(rows(results)),
        "",
        "## Details",
        "",
        ...(results.calls?.phases ?? []).map(
            (p: CallPhase) => `- ${p.phase}: ${callList(p.calls)}; engine steps ${JSON.stringify(p.steps)}`,
        ),
        ...(results.nativeCalls?.phases ?? []).map(
            (p: CallPhase) => `- Native path, ${p.phase}: ${callList(p.calls)}; engine steps ${JSON.stringify(p.steps)}`,
        ),
        ...results.engine.map(
            (r) =>
                `- Engine N=${r.n}: \`up\` ours ${r.samples.up.ours.join(", ")} ms, floor ${r.samples.up.floor.join(", ")} ms; preview ours ${r.samples.preview.ours.join(", ")} ms, ` +
                `floor ${r.samples.preview.floor.join(", ")} ms. Before the provider's first call + its calls + after its last: \`up\` ours ${phasesText(r.phases.up.ours)}, ` +
                `floor ${phasesText(r.phases.up.floor)}; preview ours ${phasesText(r.phases.preview.ours)}, floor ${phasesText(r.phases.preview.floor)}.` +
                (r.native
                    ? ` Native path: \`up\` ${r.native.samples.up.join(", ")} ms, preview ${r.native.samples.preview.join(", ")} ms; ` +
                      `\`up\` ${phasesText(r.native.phases.up)}, preview ${phasesText(r.native.phases.preview)}; ` +
                      `its \`up\`s' API calls ${r.native.upCalls.map(callList).join("; ")} (ours ${r.upCalls.map(callList).join("; ")}).`
                    : ""),
        ),
        ...(t ? [`- Throttled run, calls served per second from the first call: ${t.servedBySecond.join(", ")}.`] : []),
        ...(results.stateSize?.naive.capturedClient.error
            ? [
                  "",
                  "Serializing a provider that captures a real `@alicloud/esa20240910` client fails:",
                  "",
                  "```",
                  ...results.stateSize.naive.capturedClient.error.split("\n"),
                  "```",
              ]
            : []),
        ...(results.problems.length ? ["", "## Problems", "", ...results.problems.map((p) => `- ${p}`)] : []),
        "",
    ].join("\n");
}

/** Formats a generated file as the repository's Prettier config wants it, so `npm run lint` stays clean. */
export async function formatted(file: string, text: string): Promise<string> {
    try {
        const prettier = require("prettier");
        return await prettier.format(text, { ...((await prettier.resolveConfig(file)) ?? {}), filepath: file });
    } catch {
        return text;
    }
}

/** `npx ts-node --transpile-only bench/report.ts`: rewrites results.md from results.json (after a change to this file). */
if (require.main === module) {
    (async () => {
        const fs = await import("fs");
        const path = await import("path");
        const results: Results = JSON.parse(fs.readFileSync(path.join(__dirname, "results.json"), "utf8"));
        const file = path.join(__dirname, "results.md");
        fs.writeFileSync(file, await formatted(file, markdown(results)));
        console.log(markdownTable(rows(results)));
    })();
}
