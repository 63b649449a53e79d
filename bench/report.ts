/**
 * Turns the measurements into the results table: one row per figure, with its floor,
 * the ratio to it, and the goal of the issue with pass/fail where there is one.
 * `results.json` keeps every measurement; `results.md` is the table and the notes.
 */
import type { CallPhase, CallsResult } from "./calls";
import type { EngineTimeRow } from "./engine-time";
import type { OverheadResult } from "./overhead";
import type { CommandPhases } from "./provider-trace";
import type { StartupResult } from "./startup";
import type { StateSizeResult } from "./state-size";
import type { ThroughputResult } from "./throughput";
import { round } from "./stats";

export interface Results {
    startedAt: string;
    totalWallSeconds: number;
    machine: { cpus: number; node: string; pulumi: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
    calls?: CallsResult;
    stateSize?: StateSizeResult;
    startup?: StartupResult;
    engine: EngineTimeRow[];
    throughput?: ThroughputResult;
    overhead?: OverheadResult;
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
const callList = (calls: Record<string, number>) =>
    Object.entries(calls)
        .map(([action, n]) => `${n} ${action}`)
        .join(" + ") || "none";
const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
const phasesText = (p: CommandPhases | undefined) =>
    p
        ? `${round(p.beforeProviderMs / 1000, 1)} + ${round(p.providerMs / 1000, 1)} + ${round(p.afterProviderMs / 1000, 1)} s`
        : "not traced";

export function rows(results: Results): Row[] {
    const out: Row[] = [];
    const { calls, stateSize, startup, throughput, overhead } = results;

    if (calls) {
        const phase = (prefix: string) => calls.phases.find((p) => p.phase.startsWith(prefix));
        const R = calls.routines;
        const create = phase("up: create");
        if (create) {
            out.push({
                metric: `API calls: \`up\` creating N=${calls.n} (R=${R})`,
                value: `${create.totalCalls} (${callList(create.calls)}) = ${round(create.totalCalls / calls.n, 2)}/resource`,
                floor: `${calls.n} deployments (1/resource); with SPEC §4's reads ${R + 2 * calls.n} (${round((R + 2 * calls.n) / calls.n, 2)}/resource)`,
                ratio: x(create.totalCalls / calls.n),
                goal: "—",
            });
        }
        const noop = phase("preview (no-op)");
        if (noop) {
            out.push({
                metric: `API calls: no-op \`preview\`, N=${calls.n}`,
                value: `${noop.totalCalls}`,
                floor: "0",
                ratio: "—",
                goal: "0 calls",
                pass: noop.totalCalls === 0,
            });
        }
        const refresh = phase("preview --refresh");
        if (refresh) {
            out.push({
                metric: `API calls: \`preview --refresh\`, N=${calls.n} over R=${R} routines`,
                value: `${refresh.totalCalls} (${callList(refresh.calls)})`,
                floor: `R = ${R}`,
                ratio: x(refresh.totalCalls / R),
                goal: "≤ R",
                pass: refresh.totalCalls <= R,
            });
        }
        for (const p of calls.phases.filter((p) => p.phase.startsWith("up: change") || p.phase.startsWith("up --refresh"))) {
            const refreshReads = p.phase.startsWith("up --refresh") ? R : 0;
            const perChanged = (p.totalCalls - refreshReads) / p.changed;
            out.push({
                metric: `API calls: \`${p.phase.replace(/:.*/, "")}\` changing K=${p.changed} of ${calls.n}${p.phase.replace(/^[^(]*/, " ")}`,
                value:
                    `${p.totalCalls} (${callList(p.calls)})` +
                    (refreshReads ? `; minus the refresh's ${R} reads: ${p.totalCalls - R}` : "") +
                    ` = ${round(perChanged, 2)}/changed`,
                floor: `K = ${p.changed} deployments (1/changed)`,
                ratio: x(perChanged),
                goal: "≤ 2/changed",
                pass: perChanged <= 2,
            });
        }
    }

    if (stateSize) {
        for (const [n, kinds] of Object.entries(stateSize.byN)) {
            out.push({
                metric: `State per resource, N=${n} (\`pulumi stack export\`)`,
                value: `${kinds.ours.bytesPerResource} B (${kb(kinds.ours.bytesPerResource)})`,
                floor: `${kinds.ours.withoutProviderBytes} B without \`__provider\`; naive ${kinds.naive.bytesPerResource} B; trivial ${kinds.trivial.bytesPerResource} B`,
                ratio: `${x(kinds.ours.bytesPerResource / kinds.ours.withoutProviderBytes)} floor; ${x(kinds.ours.bytesPerResource / kinds.naive.bytesPerResource)} naive`,
                goal: "≤ 4 KB",
                pass: kinds.ours.bytesPerResource <= 4096,
            });
        }
    }

    if (startup) {
        out.push({
            metric: "Provider start-up: process start → first Check answer (median)",
            value: `${startup.ours.firstCheckMs} ms (first Check RPC ${startup.ours.checkRpcMs} ms)`,
            floor: `trivial provider ${startup.trivial.firstCheckMs} ms (first Check RPC ${startup.trivial.checkRpcMs} ms)`,
            ratio: x(startup.ratio),
            goal: "—",
        });
        out.push({
            metric: "Loading the ESA SDK (first create/update/read of a provider process, once)",
            value: `${startup.sdkLoad.ms} ms, ${startup.sdkLoad.files} module files`,
            floor: "0 on the check/diff path",
            ratio: "—",
            goal: "—",
        });
        const loaded = startup.ours.sdkLoadedByCheck || startup.ours.sdkLoadedByDiff;
        const enginePath = results.calls?.phases.find((p) => p.phase.startsWith("preview (no-op)"))?.providers ?? [];
        const engineLoaded = enginePath.some((t) => t.sdkLoaded);
        out.push({
            metric: "`@alicloud/esa20240910` loaded on the check/diff path",
            value:
                `${loaded ? "yes" : "no"} (direct Check + Diff, ${startup.runs} runs)` +
                (enginePath.length ? `; ${engineLoaded ? "yes" : "no"} in the engine's no-op preview` : "") +
                `; detector control (a Read loads it): ${startup.detectorControl ? "seen" : "NOT seen"}`,
            floor: "not loaded",
            ratio: "—",
            goal: "not loaded",
            pass: !loaded && !engineLoaded && startup.detectorControl,
        });
    }

    for (const row of results.engine) {
        for (const op of ["up", "preview"] as const) {
            const ms = op === "up" ? row.upMs : row.previewMs;
            const ratio = op === "up" ? row.upRatio : row.previewRatio;
            out.push({
                metric: `Engine wall time: ${op === "up" ? "`up` creating" : "no-op `preview` of"} N=${row.n} (median of ${op === "up" ? row.repetitions : row.samples.preview.ours.length})`,
                value: `${s(ms.ours)} (${ms.ours >= ms.floor ? "+" : "−"}${s(Math.abs(ms.ours - ms.floor))})`,
                floor: `${s(ms.floor)} (N trivial dynamic resources)`,
                ratio: x(ratio),
                goal: row.n === 100 ? "≤ 1.3×" : "—",
                pass: row.n === 100 ? ms.ours / ms.floor <= 1.3 : undefined,
            });
        }
    }

    if (throughput) {
        const t = throughput;
        out.push({
            metric: `Throttled throughput: N=${t.n} creates at ${t.ratePerSecond} req/s, --parallel ${t.parallel}`,
            value:
                `${s(t.wallMs)}; ${t.failures} failures; ${t.servedTotal} calls served, ${t.throttledCalls} throttled; ` +
                `${s(t.beforeFirstCallMs)} before the first call, ${s(t.apiSpanMs)} of calls at ${round(t.utilization * 100, 0)}% of the rate, ${s(t.afterLastCallMs)} after the last`,
            floor:
                `${s(t.floorMs)} (${t.servedTotal} calls ÷ ${t.ratePerSecond}/s); fewest calls SPEC §4 allows: ${s(t.minimalFloorMs)}` +
                (t.engineFloorMs ? `; engine alone (N trivial resources): ${s(t.engineFloorMs)}` : ""),
            ratio: `${round(t.wallMs / t.floorMs, 3)}× (${x(t.ratioToMinimal)} of the fewest)`,
            goal: "≤ 1.5×, 0 failures",
            // On the unrounded ratio: 1.504 is a miss even though it prints as 1.5.
            pass: t.wallMs / t.floorMs <= 1.5 && t.failures === 0,
        });
    }

    if (overhead) {
        const o = overhead;
        out.push({
            metric: "Per-call overhead: provider `create` (in process) vs raw SDK (median)",
            value: `${o.providerCreateMs} ms (${callList(o.callsPerProviderCreate)}); its own time outside API calls ${o.providerOwnMs} ms`,
            floor: `raw CreateRoutineCodeDeployment ${o.rawCreateMs} ms; the same 3 calls raw ${o.rawThreeCallsMs} ms`,
            ratio: `${x(o.ratioToRawCreate)} raw create; ${x(o.ratioToRawThreeCalls)} raw 3 calls`,
            goal: "—",
        });
    }
    return out;
}

export function markdownTable(table: Row[]): string {
    const escape = (cell: string) => cell.replace(/\|/g, "\\|");
    const lines = [
        "| Metric | Measured | Floor / comparison | Ratio | Goal | Result |",
        "|---|---|---|---|---|---|",
        ...table.map(
            (r) =>
                `| ${[r.metric, r.value, r.floor, r.ratio, r.goal].map(escape).join(" | ")} | ${r.pass === undefined ? "—" : r.pass ? "PASS" : "**FAIL**"} |`,
        ),
    ];
    return lines.join("\n");
}

export function markdown(results: Results): string {
    const m = results.machine;
    const phases = (results.calls?.phases ?? []).map(
        (p: CallPhase) => `- ${p.phase}: ${callList(p.calls)} (${total(p.calls)}); engine: ${JSON.stringify(p.steps)}`,
    );
    return [
        "# Benchmarks",
        "",
        `Run ${results.startedAt}, ${results.totalWallSeconds} s in all, on ${m.cpus} CPUs, Node ${m.node}, Pulumi ${m.pulumi}. ` +
            `Load average (1/5/15 min) at start ${m.loadAverageAtStart.join(" / ")}, at end ${m.loadAverageAtEnd.join(" / ")}: ` +
            "other work on the machine shows in every timing (the ratios compare runs interleaved in time). Regenerate with `npm run bench`.",
        "",
        markdownTable(rows(results)),
        "",
        "## Findings",
        "",
        ...findings(results),
        "",
        "## Details",
        "",
        ...(results.calls ? ["API calls per phase (N=" + results.calls.n + ", R=" + results.calls.routines + "):", "", ...phases, ""] : []),
        ...results.engine.map(
            (r) =>
                `- Engine N=${r.n}: up samples ours ${r.samples.up.ours.join(", ")} ms, floor ${r.samples.up.floor.join(", ")} ms; ` +
                `preview samples ours ${r.samples.preview.ours.join(", ")} ms, floor ${r.samples.preview.floor.join(", ")} ms. ` +
                `Where the time went (before + provider + after): up ours ${phasesText(r.phases.up.ours)}, floor ${phasesText(r.phases.up.floor)}; ` +
                `preview ours ${phasesText(r.phases.preview.ours)}, floor ${phasesText(r.phases.preview.floor)}. ` +
                `API calls of our ups: ${r.upCalls.map((c) => callList(c)).join("; ")}.`,
        ),
        ...(results.throughput
            ? ["", `Throttled run, calls served per second from the first call: ${results.throughput.servedBySecond.join(", ")}.`]
            : []),
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

/** What the figures mean, and why a goal is missed; the numbers come from this run. */
export function findings(results: Results): string[] {
    const out: string[] = [];
    const { calls, stateSize, startup, throughput, engine } = results;
    if (calls) {
        const phase = (prefix: string) => calls.phases.find((p) => p.phase.startsWith(prefix));
        const one = phase("up: change");
        const both = calls.phases.find((p) => p.phase.includes("2 envs"));
        const refreshed = phase("up --refresh");
        const create = phase("up: create");
        out.push(
            "- **Calls per changed resource.** A deployment costs, by SPEC §4, one CreateRoutineCodeDeployment and two reads. " +
                "The pre-read buys adoption: a re-run after an interrupted `pulumi up`, or a split already live (set in the console, " +
                "or by the alicloud provider before a migration), is recorded instead of deployed twice, with its live DeploymentId. " +
                "The confirm read buys read-after-write: the stack never records a split that GetRoutine does not show yet. " +
                (one
                    ? `So a plain \`up\` that changes one environment of a routine costs ${round(one.totalCalls / one.changed, 2)} calls per changed resource, `
                    : "") +
                (both
                    ? `${round(both.totalCalls / both.changed, 2)} when both environments of a routine change (their pre-read is shared), `
                    : "") +
                (refreshed
                    ? `and ${round((refreshed.totalCalls - calls.routines) / refreshed.changed, 2)} with \`up --refresh\`, whose refresh read (${calls.routines} GetRoutine, one per routine, ` +
                      "its own floor) serves as the pre-read. "
                    : "") +
                "The goal of 2 is therefore unreachable for a plain `up` that changes one environment of a routine without giving up one of " +
                "SPEC §4's reads (for instance no pre-read on update, which would lose adoption and safe re-runs of an interrupted update); " +
                "it is met by `up --refresh`.",
        );
        if (create) {
            out.push(
                `- **Creating N=${calls.n}** costs ${create.totalCalls} calls: ${calls.n} deployments, ${calls.n} confirm reads and ` +
                    `${create.totalCalls - 2 * calls.n} pre-reads for ${calls.routines} routines (the fewest SPEC §4 allows: one per routine).`,
            );
        }
    }
    if (stateSize) {
        const big = stateSize.byN[Math.max(...Object.keys(stateSize.byN).map(Number))];
        out.push(
            `- **State.** Of the ${big.ours.bytesPerResource} B a resource takes in \`pulumi stack export\`, ${big.ours.bytesPerResource - big.ours.withoutProviderBytes} B are the ` +
                `${big.ours.providerTextBytes} B loader shim stored twice (inputs and outputs, JSON-escaped); the rest (${big.ours.withoutProviderBytes} B) is Pulumi's own ` +
                "record of any resource (URNs, parent, provider reference, property dependencies, timestamps, source position and stack trace) and our inputs and outputs. " +
                `The naive provider stores ${big.naive.providerTextBytes} B of serialized closure twice (${big.naive.bytesPerResource} B per resource)` +
                (stateSize.naive.secretInState ? ", including the AccessKey secret it captured, in plain text" : "") +
                `; the trivial one ${big.trivial.providerTextBytes} B. Bytes per resource do not depend on N.`,
        );
    }
    if (startup) {
        out.push(
            `- **Start-up.** A dynamic-provider process takes about ${s(startup.trivial.firstCheckMs)} to its first Check answer whatever the provider: ` +
                "loading `@pulumi/pulumi` (≈800 module files) is the floor. Ours adds loading its own modules on the first Check " +
                `(${startup.ours.checkRpcMs} ms vs ${startup.trivial.checkRpcMs} ms for that call). The ESA SDK is not loaded by check or diff; ` +
                `the first create, update or read of a process loads it: ${startup.sdkLoad.ms} ms for ${startup.sdkLoad.files} files, because its client module ` +
                "loads every one of its ~1,200 request/response model files. That one-off cost is most of our excess over the floor in small `up`s (below); " +
                "avoiding it would mean calling the two actions through `@alicloud/openapi-core` with the SDK's model files loaded one by one, i.e. " +
                "depending on the SDK's internal file layout (not done).",
        );
    }
    if (engine.length) {
        const at = (n: number) => engine.find((r) => r.n === n);
        const mid = at(100);
        const large = at(500);
        const perResource = (a: EngineTimeRow, b: EngineTimeRow, side: "ours" | "floor") =>
            round((b.upMs[side] - a.upMs[side]) / (b.n - a.n), 0);
        const where = (row: EngineTimeRow | undefined, op: "up" | "preview") =>
            row?.phases[op].ours && row.phases[op].floor
                ? `ours ${phasesText(row.phases[op].ours)}, trivial ${phasesText(row.phases[op].floor)}`
                : "not traced";
        out.push(
            "- **Engine time.** Where the time goes (medians; before the provider's first call: CLI, program, plugin start; " +
                "then the provider's first to last call: the engine's steps; after: the last checkpoint writes and shutdown): " +
                `\`up\` N=100: ${where(mid, "up")}; no-op \`preview\` N=100: ${where(mid, "preview")}. ` +
                "Our provider window is longer in an `up` by the SDK load of its first create (see start-up: it blocks the provider process meanwhile) " +
                "and by the API calls' CPU (signing, HTTP, and the emulator, all on this machine's 2 cores). In a no-op preview the provider does the same " +
                "work on both sides (check and diff cost well under 1 ms per resource); a difference there lies outside the provider's window, in the CLI " +
                "and the machine. Both sides have the same stack config (a stack with config measured a few hundred ms slower per command). " +
                "Growth with N is the engine's: the file backend rewrites the whole checkpoint after every step, so the per-resource cost rises with N" +
                (mid && large
                    ? ` (from N=100 to N=500, ${perResource(mid, large, "floor")} ms per added resource for trivial resources, ${perResource(mid, large, "ours")} ms for ours)`
                    : "") +
                ", and our smaller state (no serialized closure) makes each of those writes cheaper than the trivial resource's. " +
                "Run-to-run spread is about ±1 s at N=100 on either side.",
        );
    }
    if (throughput) {
        const t = throughput;
        const fixed = t.beforeFirstCallMs + t.afterLastCallMs;
        out.push(
            `- **Throttled throughput.** ${s(t.wallMs)} = ${s(t.beforeFirstCallMs)} before the first API call (CLI, program, plugin start, SDK load) + ` +
                `${s(t.apiSpanMs)} of calls + ${s(t.afterLastCallMs)} after the last (the engine's last checkpoint writes and shutdown). ` +
                `The ${s(fixed)} outside the calls is the engine's fixed cost (the engine alone needs ${t.engineFloorMs ? s(t.engineFloorMs) : "a similar time"} to create ` +
                `${t.n} trivial resources at this parallelism, with no API at all), and takes ${x(fixed / t.floorMs)} of the ${x(1.5)} allowance on its own. ` +
                `During the calls the rate is used at ${round(t.utilization * 100, 0)}%: full until the last few seconds, where the remaining operations wait out ` +
                "jittered backoffs of up to 10 s while the bucket refills unused. Failures: none expected (throttling is retried within the deadline). " +
                "What would lower it further: a process-wide adaptive rate limiter in the provider (learn the account's rate from throttling answers, " +
                "pace all operations of the process to it, as the AWS SDKs' adaptive retry mode does) to keep the tail at the rate, " +
                "and fewer throttled attempts; the engine's fixed cost is not ours to remove.",
        );
    }
    return out;
}

/** Formats a generated file as the repository's Prettier config wants it, so `npm run lint` stays clean. */
export async function formatted(file: string, text: string): Promise<string> {
    try {
        const prettier = require("prettier");
        const options = (await prettier.resolveConfig(file)) ?? {};
        return await prettier.format(text, { ...options, filepath: file });
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
