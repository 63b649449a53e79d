/**
 * The edge: HTTP servers that answer like a routine's deployed code would, so a rollout
 * can be probed. Each request is served by one version of the environment's live split,
 * picked at random with the split's weights, and says which in `x-esa-code-version`.
 *
 *   production edge  127.0.0.1:<port>
 *   staging edge     127.0.0.2:<same port>  (what GetRoutineStagingEnvIp returns)
 *
 * Where 127.0.0.2 cannot be bound, the staging edge listens on 127.0.0.1 at another
 * port instead (`stagingEdgeUrl` says where). The routine is the first DNS label of the
 * Host header (`hello-edge.example.test`), or the only routine when there is exactly one.
 *
 * Per-version behaviour (a 5xx share, a forced status, latency, a body) is set by tests
 * and demos; requests served are counted per routine, environment and version.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listen } from "./listen";
import type { Store } from "../model/store";
import type { EdgeCounts, Env, VersionBehaviour } from "../types";

export const VERSION_HEADER = "x-esa-code-version";

const PRODUCTION_EDGE_IP = "127.0.0.1";
const STAGING_EDGE_IP = "127.0.0.2";

/** Behaviours and counters, kept with the rest of the emulator's state so reset() clears them. */
export class EdgeState {
    private readonly behaviours = new Map<string, VersionBehaviour>();
    private counts: EdgeCounts = {};

    setBehaviour(routine: string, codeVersion: string, behaviour: VersionBehaviour | undefined): void {
        const key = behaviourKey(routine, codeVersion);
        if (behaviour === undefined || behaviour === null) {
            this.behaviours.delete(key);
            return;
        }
        this.behaviours.set(key, checkBehaviour(behaviour));
    }

    behaviour(routine: string, codeVersion: string): VersionBehaviour {
        return this.behaviours.get(behaviourKey(routine, codeVersion)) ?? {};
    }

    allBehaviours(): Array<{ routine: string; codeVersion: string; behaviour: VersionBehaviour }> {
        return [...this.behaviours].map(([key, behaviour]) => {
            const [routine, codeVersion] = key.split("\u0000");
            return { routine, codeVersion, behaviour: { ...behaviour } };
        });
    }

    count(routine: string, env: Env, codeVersion: string, failed: boolean): void {
        const perEnv = ((this.counts[routine] ??= {})[env] ??= {});
        const entry = (perEnv[codeVersion] ??= { requests: 0, errors: 0 });
        entry.requests += 1;
        if (failed) entry.errors += 1;
    }

    snapshotCounts(): EdgeCounts {
        return structuredClone(this.counts);
    }

    clearCounts(): void {
        this.counts = {};
    }

    reset(): void {
        this.behaviours.clear();
        this.clearCounts();
    }
}

function behaviourKey(routine: string, codeVersion: string): string {
    return `${routine}\u0000${codeVersion}`;
}

/** Checks a behaviour from an untyped source (admin JSON, CLI); throws a readable Error. */
export function checkBehaviour(input: unknown): VersionBehaviour {
    const b = input as VersionBehaviour;
    if (typeof b !== "object" || b === null || Array.isArray(b)) throw new Error("a behaviour must be an object");
    const allowed = ["errorRate", "status", "latencyMs", "body"];
    const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) throw new Error(`unknown behaviour fields ${unknown.join(", ")} (allowed: ${allowed.join(", ")})`);
    if (b.errorRate !== undefined && (typeof b.errorRate !== "number" || !(b.errorRate >= 0 && b.errorRate <= 1))) {
        throw new Error("errorRate must be a number from 0 to 1");
    }
    if (b.status !== undefined && (!Number.isInteger(b.status) || b.status < 100 || b.status > 599)) {
        throw new Error("status must be an HTTP status from 100 to 599");
    }
    if (b.latencyMs !== undefined && (typeof b.latencyMs !== "number" || !Number.isFinite(b.latencyMs) || b.latencyMs < 0)) {
        throw new Error("latencyMs must be a non-negative number");
    }
    if (b.body !== undefined && typeof b.body !== "string") throw new Error("body must be a string");
    return { ...b };
}

/**
 * Pick a version of `split` with probability proportional to its percentage.
 * `random` returns a number in [0, 1).
 */
export function pickVersion(split: Array<{ codeVersion: string; percentage: number }>, random: () => number): string | undefined {
    const total = split.reduce((sum, c) => sum + c.percentage, 0);
    if (split.length === 0 || total <= 0) return undefined;
    let r = random() * total;
    for (const c of split) {
        r -= c.percentage;
        if (r < 0) return c.codeVersion;
    }
    return split[split.length - 1].codeVersion;
}

/** The routine a Host header names: its first DNS label, or the only routine there is. */
function routineForHost(host: string | undefined, store: Store): string | undefined {
    const label = (host ?? "").replace(/:\d+$/, "").split(".")[0]?.toLowerCase() ?? "";
    if (label && store.getRoutine(label)) return label;
    const all = store.listRoutines();
    return all.length === 1 ? all[0].name : undefined;
}

interface EdgeDependencies {
    store: Store;
    state: EdgeState;
    random: () => number;
}

function handleEdgeRequest(deps: EdgeDependencies, env: Env, req: IncomingMessage, res: ServerResponse): void {
    // The request body is not used, but must be drained for keep-alive to work.
    req.resume();
    const routine = routineForHost(req.headers.host, deps.store);
    if (!routine) {
        sendText(res, 404, `No routine for host "${req.headers.host ?? ""}" on the ${env} edge.\n`);
        return;
    }
    const split = deps.store.latestDeployment(routine, env)?.codeVersions ?? [];
    const codeVersion = pickVersion(split, deps.random);
    if (!codeVersion) {
        sendText(res, 404, `Routine "${routine}" has nothing deployed in ${env}.\n`);
        return;
    }
    const behaviour = deps.state.behaviour(routine, codeVersion);
    let status = behaviour.status ?? 200;
    if (behaviour.errorRate !== undefined && behaviour.errorRate > 0 && deps.random() < behaviour.errorRate) status = 500;
    deps.state.count(routine, env, codeVersion, status >= 500);
    const body = status >= 500 && behaviour.body === undefined ? `routine ${routine} version ${codeVersion} failed (${env})\n` : undefined;
    const answer = () =>
        sendText(res, status, body ?? behaviour.body ?? `routine ${routine} version ${codeVersion} (${env})\n`, {
            [VERSION_HEADER]: codeVersion,
            "x-esa-routine": routine,
            "x-esa-env": env,
        });
    if (behaviour.latencyMs) setTimeout(answer, behaviour.latencyMs);
    else answer();
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
}

export interface RunningEdge {
    /** Production base URL, `http://127.0.0.1:<port>`. */
    url: string;
    stagingUrl: string;
    stagingIp: string;
    /** False when 127.0.0.2 could not be bound and staging uses another port on 127.0.0.1. */
    stagingOnOwnAddress: boolean;
    close(): Promise<void>;
}

/** Start both edges; `port` 0 picks a port free on both addresses. */
export async function startEdge(deps: EdgeDependencies, port: number, stagingAddress: string = STAGING_EDGE_IP): Promise<RunningEdge> {
    const production = createServer((req, res) => handleEdgeRequest(deps, "production", req, res));
    const staging = createServer((req, res) => handleEdgeRequest(deps, "staging", req, res));
    const servers = [production, staging];
    const close = () =>
        Promise.all(
            servers.map(
                (s) =>
                    new Promise<void>((resolve) => {
                        if (!s.listening) return resolve();
                        s.close(() => resolve());
                        s.closeAllConnections();
                    }),
            ),
        ).then(() => undefined);

    // A port free on 127.0.0.1 may be taken on 127.0.0.2; with a random port, try again.
    for (let attempt = 0; ; attempt++) {
        const prodPort = await listen(production, port, PRODUCTION_EDGE_IP);
        try {
            await listen(staging, prodPort, stagingAddress);
            const base = (ip: string) => `http://${ip}:${prodPort}`;
            return {
                url: base(PRODUCTION_EDGE_IP),
                stagingUrl: base(stagingAddress),
                stagingIp: stagingAddress,
                stagingOnOwnAddress: true,
                close,
            };
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === "EADDRINUSE" && port === 0 && attempt < 5) {
                await new Promise<void>((resolve) => production.close(() => resolve()));
                continue;
            }
            if (code === "EADDRINUSE") {
                await close();
                throw new Error(`the staging edge cannot listen on ${stagingAddress}:${prodPort}: the port is in use`, { cause: error });
            }
            // 127.0.0.2 is not a local address here (e.g. macOS without an alias): another port.
            const stagingPort = await listen(staging, 0, PRODUCTION_EDGE_IP);
            return {
                url: `http://${PRODUCTION_EDGE_IP}:${prodPort}`,
                stagingUrl: `http://${PRODUCTION_EDGE_IP}:${stagingPort}`,
                stagingIp: PRODUCTION_EDGE_IP,
                stagingOnOwnAddress: false,
                close,
            };
        }
    }
}
