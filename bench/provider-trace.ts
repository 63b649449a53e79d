/**
 * Reads what `bench/preload.js` recorded in the dynamic-provider processes the engine
 * started: which gRPC calls each process served, how long they took, and which call
 * first loaded the ESA SDK. Used to profile runs through the real engine.
 */
import * as fs from "fs";
import * as path from "path";
import { round } from "./stats";

export const PRELOAD = path.join(__dirname, "preload.js");

export interface RpcStat {
    calls: number;
    /** Sum of the calls' durations, ms (they overlap when the engine runs them in parallel). */
    totalMs: number;
    /** First call's start and last call's end, ms since the process started. */
    firstStartMs: number;
    lastEndMs: number;
}

export interface ProcessTrace {
    pid: number;
    /** The process's time origin, epoch ms: `originEpochMs + firstRpcMs` is when its first call started. */
    originEpochMs: number;
    /** When the plugin's first call started and its last call ended, ms since its start. */
    firstRpcMs: number;
    lastRpcMs: number;
    rpcs: Record<string, RpcStat>;
    /** Whether the process loaded `@alicloud/esa20240910` at all. */
    sdkLoaded: boolean;
    /**
     * The call that had just ended when the SDK was seen loaded (best effort: calls run
     * concurrently, so the loading call may be another one in progress then). The firm
     * evidence is `sdkLoaded` of a process that served only check and diff.
     */
    sdkLoadedBy?: string;
}

/** Environment that makes the provider processes of a stack record their calls into `dir`. */
export function traceEnv(dir: string): Record<string, string> {
    return { NODE_OPTIONS: `--require ${PRELOAD}`, BENCH_PRELOAD_OUT: dir, BENCH_PRELOAD_RPC: "1" };
}

/** The traces written into `dir` by processes not in `seen`; adds them to `seen`. */
export function newTraces(dir: string, seen: Set<string>): ProcessTrace[] {
    const traces: ProcessTrace[] = [];
    for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
        if (seen.has(file) || !file.endsWith(".jsonl")) continue;
        seen.add(file);
        const records = fs
            .readFileSync(path.join(dir, file), "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line));
        const rpcs: Record<string, RpcStat> = {};
        let sdkLoadedBy: string | undefined;
        let firstRpcMs = Infinity;
        let lastRpcMs = -Infinity;
        const start = records.find((r) => r.kind === "start");
        const originEpochMs = start ? start.epochMs - start.at : NaN;
        for (const r of records) {
            const files: string[] = r.loaded ?? (r.kind === "loaded" ? r.files : []);
            if (!sdkLoadedBy && files.some((f) => f.includes(`${path.sep}@alicloud${path.sep}esa20240910${path.sep}`))) {
                // "loaded" records come at the start of the next call: the SDK was loaded
                // between calls, by a call still running then (create, read or update).
                sdkLoadedBy = r.kind === "rpc" ? r.method : "a call in progress";
            }
            if (r.kind !== "rpc") continue;
            firstRpcMs = Math.min(firstRpcMs, r.start);
            lastRpcMs = Math.max(lastRpcMs, r.end);
            const stat = (rpcs[r.method] ??= { calls: 0, totalMs: 0, firstStartMs: r.start, lastEndMs: r.end });
            stat.calls++;
            stat.totalMs += r.end - r.start;
            stat.firstStartMs = Math.min(stat.firstStartMs, r.start);
            stat.lastEndMs = Math.max(stat.lastEndMs, r.end);
        }
        for (const stat of Object.values(rpcs)) {
            stat.totalMs = round(stat.totalMs, 1);
            stat.firstStartMs = round(stat.firstStartMs, 0);
            stat.lastEndMs = round(stat.lastEndMs, 0);
        }
        traces.push({
            pid: Number(file.replace(/\.jsonl$/, "")),
            originEpochMs,
            firstRpcMs: round(firstRpcMs, 0),
            lastRpcMs: round(lastRpcMs, 0),
            rpcs,
            sdkLoaded: sdkLoadedBy !== undefined,
            sdkLoadedBy,
        });
    }
    return traces;
}

const RESOURCE_CALLS = ["check", "diff", "create", "read", "update", "delete"];

/** Where a command's time went, from the provider process that served it. */
export interface CommandPhases {
    /** Command start → the provider's first call (CLI, program, plugin start). */
    beforeProviderMs: number;
    /** The provider's first call → its last (checks, diffs, creates: the engine's steps). */
    providerMs: number;
    /** The provider's last call → the command's end (the engine's last checkpoint writes, shutdown). */
    afterProviderMs: number;
}

/** The phases of a command that started at `startedAtEpochMs` and took `ms`, from its provider's trace. */
export function commandPhases(startedAtEpochMs: number, ms: number, traces: ProcessTrace[]): CommandPhases | undefined {
    // Resource calls only: the engine may also start a process that only checks config.
    const steps = traces.flatMap((t) =>
        Object.entries(t.rpcs)
            .filter(([method]) => RESOURCE_CALLS.includes(method))
            .map(([, stat]) => ({ first: t.originEpochMs + stat.firstStartMs, last: t.originEpochMs + stat.lastEndMs })),
    );
    if (steps.length === 0 || steps.some((s) => !Number.isFinite(s.first))) return undefined;
    const first = Math.min(...steps.map((s) => s.first));
    const last = Math.max(...steps.map((s) => s.last));
    return {
        beforeProviderMs: round(first - startedAtEpochMs, 0),
        providerMs: round(last - first, 0),
        afterProviderMs: round(startedAtEpochMs + ms - last, 0),
    };
}
