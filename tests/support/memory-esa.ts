/**
 * An in-memory implementation of the provider's `EsaApi`, for lifecycle tests that
 * need no network: routines with per-environment deployments, scripted failures,
 * eventual consistency and a call log.
 */
import type { DeploymentApi as EsaApi, DeploymentRequest, LiveEnvironment } from "../../provider/deployment/api";
import { CodeVersionSplit } from "../../provider/deployment/types";

export type Call = { action: "GetRoutine" | "CreateRoutineCodeDeployment"; name: string; env?: string };

/** A scripted failure: thrown instead of answering (or, with `afterCommit`, after applying). */
export interface ScriptedFailure {
    action: Call["action"];
    error: Record<string, unknown>;
    afterCommit?: boolean;
}

export class MemoryEsa implements EsaApi {
    readonly calls: Call[] = [];
    /** routine → env → deployment */
    readonly routines = new Map<string, Map<string, { deploymentId: string; strategy: string; codeVersions: CodeVersionSplit[] }>>();
    /** The order GetRoutine lists environments in. */
    envOrder = ["production", "staging"];
    /** How many GetRoutine calls after a deployment still show the previous split. */
    staleReads = 0;
    private failures: ScriptedFailure[] = [];
    private nextId = 100;
    private stale?: {
        name: string;
        env: string;
        previous?: { deploymentId: string; strategy: string; codeVersions: CodeVersionSplit[] };
        remaining: number;
    };

    addRoutine(name: string): this {
        this.routines.set(name, new Map());
        return this;
    }

    /** An out-of-band deployment, as if made in the console. */
    deployOutOfBand(name: string, env: string, codeVersions: CodeVersionSplit[]): string {
        const deploymentId = String(this.nextId++);
        this.routines.get(name)!.set(env, { deploymentId, strategy: "percentage", codeVersions });
        return deploymentId;
    }

    fail(failure: ScriptedFailure, times = 1): this {
        for (let i = 0; i < times; i++) this.failures.push(failure);
        return this;
    }

    count(action: Call["action"]): number {
        return this.calls.filter((c) => c.action === action).length;
    }

    async getRoutineEnvironments(name: string): Promise<LiveEnvironment[] | undefined> {
        this.calls.push({ action: "GetRoutine", name });
        this.maybeFail("GetRoutine", false);
        const routine = this.routines.get(name);
        if (!routine) return undefined;
        return this.envOrder.map((env) => {
            let deployment = routine.get(env);
            if (this.stale && this.stale.name === name && this.stale.env === env && this.stale.remaining > 0) {
                this.stale.remaining--;
                deployment = this.stale.previous;
            }
            return deployment ? { env, deployment: { ...deployment, codeVersions: [...deployment.codeVersions].reverse() } } : { env };
        });
    }

    async createDeployment(request: DeploymentRequest): Promise<{ deploymentId: string }> {
        this.calls.push({ action: "CreateRoutineCodeDeployment", name: request.name, env: request.env });
        this.maybeFail("CreateRoutineCodeDeployment", false);
        const routine = this.routines.get(request.name);
        if (!routine)
            throw {
                code: "RoutineNotExist",
                statusCode: 400,
                requestId: "REQ-missing",
                data: { Message: "The routine name does not exist." },
            };
        const previous = routine.get(request.env);
        const deploymentId = String(this.nextId++);
        routine.set(request.env, { deploymentId, strategy: request.strategy, codeVersions: request.codeVersions.map((v) => ({ ...v })) });
        if (this.staleReads > 0) this.stale = { name: request.name, env: request.env, previous, remaining: this.staleReads };
        this.maybeFail("CreateRoutineCodeDeployment", true);
        return { deploymentId };
    }

    private maybeFail(action: Call["action"], afterCommit: boolean): void {
        const index = this.failures.findIndex((f) => f.action === action && !!f.afterCommit === afterCommit);
        if (index >= 0) throw this.failures.splice(index, 1)[0].error;
    }
}

/** A clock whose sleeps advance time instantly, so retry tests take no real time. */
export function fakeClock(start = 1_000_000) {
    let now = start;
    const sleeps: number[] = [];
    return {
        sleeps,
        now: () => now,
        sleep: async (ms: number) => {
            sleeps.push(ms);
            now += ms;
        },
        random: () => 0.5,
        advance: (ms: number) => (now += ms),
    };
}
