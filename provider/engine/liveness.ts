/**
 * Whether the Pulumi engine that asked for the current operation is still there.
 *
 * Pulumi starts each plugin in a process group of its own, so a runner that kills the
 * CLI (`timeout -s KILL pulumi up`, a CI job torn down by process group) leaves the
 * dynamic-provider plugin running as an orphan. A rollout walking on in such a process
 * would deploy steps that no engine records. The walk asks `engineGone()` at its safe
 * points (before each deployment, during holds, after gates) and stops there.
 *
 * Two signals, either one enough:
 * - the engine's gRPC address, which the engine passes to the plugin as its first
 *   argument, refuses connections (the CLI process that listened on it is gone);
 * - the process's parent changed (the plugin's launcher was re-parented when the CLI died).
 *
 * Outside the dynamic-provider plugin (tests, a program's own process) there is no
 * engine connection to watch, and the engine counts as there.
 */
import * as net from "net";

/** Answers within this long; a probe that neither connects nor is refused by then counts as alive. */
const PROBE_TIMEOUT_MS = 2_000;
/** A probe's answer is reused this long, so that a walk's checks cost at most one connect per second. */
const PROBE_REUSE_MS = 1_000;

export type EngineWatch = () => Promise<boolean>;

/** Never gone: for callers that have no engine to watch. */
const noEngineWatch: EngineWatch = async () => false;

/**
 * Whether `script` (a process's `argv[1]`) is one of the plugins the engine starts with its
 * address: the dynamic-provider plugin, or the native plugin `pulumi-resource-esa`.
 */
export function isPluginScript(script: string): boolean {
    return /(dynamic-provider([\\/]index(\.js)?)?|pulumi-resource-pulumi-nodejs|pulumi-resource-esa|plugin[\\/]main(\.js)?)$/.test(script);
}

/** The engine address the plugin (dynamic or native) was started with, if this process is one. */
export function pluginEngineAddress(argv: readonly string[] = process.argv): { host: string; port: number } | undefined {
    // Started as `node -e "…dynamic-provider…" -- <engine>` (argv[1] set to the plugin's
    // name) or through the `pulumi-resource-pulumi-nodejs` script (argv[1] its module path).
    const script = argv[1] ?? "";
    if (!isPluginScript(script)) return undefined;
    const match = /^(?:\[?([^\]]*)\]?):(\d+)$/.exec(argv[2] ?? "");
    if (!match) return undefined;
    return { host: match[1] === "" ? "127.0.0.1" : match[1], port: Number(match[2]) };
}

/** Watches `address` (refused connections) and the parent process (re-parented). */
export function watchEngine(address: { host: string; port: number } | undefined, parentPid = process.ppid): EngineWatch {
    if (!address) return noEngineWatch;
    let gone = false;
    let last: { at: number; alive: Promise<boolean> } | undefined;
    return async () => {
        if (gone) return true;
        if (process.ppid !== parentPid) return (gone = true);
        const now = Date.now();
        if (!last || now - last.at >= PROBE_REUSE_MS) last = { at: now, alive: probe(address) };
        if (!(await last.alive)) gone = true;
        return gone;
    };
}

/** Whether something accepts connections at `address`; only a refusal counts as "no". */
function probe(address: { host: string; port: number }): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(address);
        const done = (alive: boolean) => {
            socket.destroy();
            resolve(alive);
        };
        socket.setTimeout(PROBE_TIMEOUT_MS, () => done(true));
        socket.once("connect", () => done(true));
        socket.once("error", (error: NodeJS.ErrnoException) => done(error.code !== "ECONNREFUSED"));
    });
}

/** The watch of this process: the engine of the dynamic-provider plugin, or none. */
export const engineWatch: EngineWatch = watchEngine(pluginEngineAddress());

// A plugin whose CLI was killed writes into closed pipes: without a listener each failed
// write is an uncaught error, whose report is one more failed write, without end.
if (pluginEngineAddress()) for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);

/**
 * The error a walk stops with at a safe point when its engine is gone. Nothing is listening
 * for it; in the plugin the process then ends, so no orphan lingers.
 */
export class EngineGone extends Error {
    constructor(readonly at: string) {
        super(
            `The Pulumi engine that started this run is gone: stopped ${at}, leaving ESA as it is. The next \`pulumi up\` goes on from what serves.`,
        );
        this.name = "EngineGone";
    }
}

/**
 * Ends the plugin process once its engine is gone (a no-op outside the plugin). Nothing is
 * written: its standard streams were pipes to the CLI that is gone, and a write there
 * fails (EPIPE) again with every attempt to report the failure.
 */
export function endOrphanedPlugin(address = pluginEngineAddress()): void {
    if (!address) return;
    process.exit(1);
}

/** In the plugin, after a walk however it ended: if the engine is gone, end the process (see `endOrphanedPlugin`). */
export async function leaveIfOrphaned(gone: EngineWatch, address = pluginEngineAddress()): Promise<void> {
    if (address && (await gone())) endOrphanedPlugin(address);
}
