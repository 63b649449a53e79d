/**
 * The resource's lifecycle against ESA (README: Semantics): apply a split (create and update are
 * the same act: one new deployment), read what is live, and "delete".
 *
 * Safety properties, and why:
 * - Before creating, read the environment: if it already serves exactly the desired
 *   split, adopt it. A re-run after an interrupted `pulumi up`, or a move from another
 *   tool, then deploys nothing twice. An update deploys from the state the stack recorded
 *   and needs no such read (see `apply`).
 * - A deployment whose response was lost is looked for before it is sent again.
 * - After deploying, wait (bounded) until GetRoutine shows the new split, so the stack
 *   never records a split that readers cannot see yet.
 * - If anything fails after ESA accepted the deployment, the error carries the new
 *   state, so the engine records what is live instead of what was there before.
 */
import type { Logger } from "../engine/log";
import { CallFailed, Calls } from "../esa/call";
import type { Clock } from "../esa/clock";
import type { Connection } from "../esa/config";
import { ApiFailure, wasRefused } from "../esa/errors";
import { pollUntil } from "../esa/poll";
import type { CallOptions } from "../esa/sdk";
import type { DeploymentApi, DeploymentRequest, LiveEnvironment } from "./api";
import { canonicalOrder, formatSplit, sameSplit } from "./split";
import { DeploymentInputs, DeploymentOutputs, Environment, LiveDeployment } from "./types";

/** How long the read-after-write guard waits at most, within the deadline. */
const MAX_CONFIRM_MS = 60_000;
/**
 * How old an answer of this run (one provider process serves one `pulumi` command) may
 * be to serve as the pre-read when it says the split is not live yet (see `preRead`).
 */
const RUN_READ_MAX_AGE_MS = 30 * 60_000;

interface DeploymentContext {
    api: DeploymentApi;
    connection: Connection;
    clock: Clock;
    log: Logger;
    /**
     * `api` passes every call through the process's rate limiter itself, where it reaches
     * the network (below the shared reads, so an answer from memory costs no token).
     */
    paced?: boolean;
}

/** What `read` found: the live state, or nothing when the deployment is gone. */
interface ReadResult {
    outputs: DeploymentOutputs;
    inputs: DeploymentInputs;
}

/**
 * Raised when ESA accepted a change but something after it failed: `id` and
 * `properties` are what the dynamic provider hands back to the engine as the resource's
 * new state (an "initialization failure"), so the stack keeps saying what is live.
 */
export class DeployedButUnconfirmed extends Error {
    readonly reasons: string[];
    constructor(
        message: string,
        readonly id: string,
        readonly properties: DeploymentOutputs,
    ) {
        super(message);
        this.name = "DeployedButUnconfirmed";
        this.reasons = [message];
    }
}

export function resourceId(name: string, env: string): string {
    return `${name}:${env}`;
}

/** Splits `<name>:<env>` (the official alicloud provider's import format). */
export function parseResourceId(id: string): { name: string; env: Environment } {
    const at = id.lastIndexOf(":");
    const name = id.slice(0, at);
    const env = id.slice(at + 1);
    if (at <= 0 || (env !== "staging" && env !== "production")) {
        throw new Error(`"${id}" is not a RoutineCodeDeployment id: expected "<routine name>:staging" or "<routine name>:production".`);
    }
    return { name, env };
}

export class Deployments {
    private readonly calls: Calls;

    constructor(private readonly ctx: DeploymentContext) {
        this.calls = new Calls(ctx);
    }

    /**
     * Makes the environment serve `inputs.codeVersions`; used by create and update.
     *
     * `recorded`: the state the stack recorded for this resource, when there is one (an
     * update). Then the deployment starts from it with no read before: the pre-read's job
     * is adoption, which matters where the stack records nothing yet (a create, or a re-run
     * of a create that was interrupted). An update interrupted after ESA accepted it leaves
     * the old split recorded, and the next `up` deploys the new one once more: a redundant
     * deployment of a split already live, harmless. What stays: the lost-response check
     * (a deployment whose answer was lost is looked for before it is sent again) and the
     * read-after-write guard. So a plain update costs two calls.
     */
    async apply(inputs: DeploymentInputs, recorded?: Partial<DeploymentOutputs>): Promise<DeploymentOutputs> {
        const { name, env } = inputs;
        const before = recorded?.deploymentId ? undefined : await this.preRead(inputs);
        if (before && this.serves(before, inputs)) {
            this.ctx.log(
                "info",
                `${name} (${env}) already serves ${formatSplit(inputs.codeVersions)} as deployment ${before.deploymentId}: adopted, nothing deployed.`,
            );
            return { ...inputs, deploymentId: before.deploymentId };
        }

        const deploymentId = await this.createDeployment(inputs);
        const outputs: DeploymentOutputs = { ...inputs, deploymentId };
        await this.confirm(outputs);
        return outputs;
    }

    /** The live state of `<name>:<env>`, or undefined when the routine or its deployment is gone. */
    async read(id: string, previous: Partial<DeploymentOutputs>): Promise<ReadResult | undefined> {
        const { name, env } = parseResourceId(id);
        const live = await this.liveDeployment(name, env, "GetRoutine");
        if (!live) return undefined;
        const inputs: DeploymentInputs = {
            name,
            env,
            strategy: live.strategy as DeploymentInputs["strategy"],
            codeVersions: live.codeVersions,
            ...pick(previous, ["region", "endpoint", "timeoutSeconds"]),
        };
        return { inputs, outputs: { ...inputs, deploymentId: live.deploymentId } };
    }

    /**
     * The read before deploying (README: Semantics). An answer this run already has (the refresh of
     * `pulumi up --refresh`, the read of the routine's other environment) serves however
     * old it is when it says the split is not live: deploying is then right, and the most
     * a change since could cost is deploying once more a split someone else deployed
     * meanwhile. Adoption is decided on a recent answer only: an older one that says the
     * split is live is read again.
     */
    private async preRead(inputs: DeploymentInputs): Promise<LiveDeployment | undefined> {
        const { name, env } = inputs;
        const known = await this.liveDeployment(name, env, "CreateRoutineCodeDeployment", { maxAgeMs: RUN_READ_MAX_AGE_MS });
        if (!known || !this.serves(known, inputs)) return known;
        return this.liveDeployment(name, env, "CreateRoutineCodeDeployment");
    }

    private serves(live: LiveDeployment, inputs: DeploymentInputs): boolean {
        return live.strategy === inputs.strategy && sameSplit(live.codeVersions, inputs.codeVersions);
    }

    /**
     * The deployment of one environment, found by its `Env` name (never by position:
     * the API does not promise an order). Throws when the routine does not exist and
     * `action` is a deployment, since nothing can be deployed to it.
     */
    private async liveDeployment(
        name: string,
        env: string,
        action: string,
        read: Pick<CallOptions, "fresh" | "maxAgeMs"> = {},
    ): Promise<LiveDeployment | undefined> {
        let envs: LiveEnvironment[] | undefined;
        // ESA's own answer when it says the routine does not exist, so that the error
        // shown to the user carries its RequestId.
        let missing: ApiFailure = { code: "RoutineNotExist", message: "The routine name does not exist" };
        try {
            envs = await this.calls.call({
                action: "GetRoutine",
                routine: name,
                env,
                run: (options) => this.ctx.api.getRoutineEnvironments(name, { ...options, env, ...read }),
                retryAmbiguous: true,
            });
        } catch (error) {
            if (!(error instanceof CallFailed && error.failure.code === "RoutineNotExist")) throw userError(error);
            missing = error.failure;
        }
        if (envs === undefined) {
            if (action === "GetRoutine") return undefined;
            throw this.calls.explain(missing, { action, routine: name, env });
        }
        const deployment = findEnvironment(envs, env)?.deployment;
        // The API's order of versions is not ours: keep the canonical one (oldest first).
        return deployment && { ...deployment, codeVersions: canonicalOrder([...deployment.codeVersions]) };
    }

    private async createDeployment(inputs: DeploymentInputs): Promise<string> {
        const request: DeploymentRequest = {
            name: inputs.name,
            env: inputs.env,
            strategy: inputs.strategy,
            codeVersions: inputs.codeVersions,
        };
        const context = { action: "CreateRoutineCodeDeployment", routine: inputs.name, env: inputs.env };
        // A throttled request was refused; after any other failure the deployment may
        // have been carried out before its answer was lost. Look before sending it again.
        const landedDespite = async (failure: ApiFailure): Promise<string | undefined> => {
            if (wasRefused(failure)) return undefined;
            try {
                const live = await this.liveDeployment(inputs.name, inputs.env, "GetRoutine", { fresh: true });
                if (live && this.serves(live, inputs)) {
                    this.ctx.log(
                        "info",
                        `${inputs.name} (${inputs.env}): the answer to the deployment was lost (${failure.code ?? failure.message}), but it landed as deployment ${live.deploymentId}.`,
                    );
                    return live.deploymentId;
                }
            } catch {
                // The look itself failed: carry on as if it had not landed.
            }
            return undefined;
        };
        try {
            const result = await this.calls.call({
                ...context,
                run: (options) => this.ctx.api.createDeployment(request, options),
                retryAmbiguous: true,
                beforeRetry: async (failure) => {
                    const deploymentId = await landedDespite(failure);
                    return deploymentId ? { settled: true, value: { deploymentId } } : undefined;
                },
            });
            return result.deploymentId;
        } catch (error) {
            if (error instanceof CallFailed && error.failureClass !== "fatal") {
                const deploymentId = await landedDespite(error.failure);
                if (deploymentId) return deploymentId;
            }
            throw userError(error);
        }
    }

    /** The read-after-write guard: wait until GetRoutine shows the new split. */
    private async confirm(outputs: DeploymentOutputs): Promise<void> {
        const { name, env } = outputs;
        const until = Math.min(this.calls.deadline, this.ctx.clock.now() + MAX_CONFIRM_MS);
        let seen: LiveDeployment | undefined;
        let lastError: unknown;
        const shown = await pollUntil(
            async () => {
                // A failed read is one more reason to look again, not the end of the wait.
                try {
                    seen = await this.liveDeployment(name, env, "GetRoutine", { fresh: true });
                    lastError = undefined;
                    return seen && this.serves(seen, outputs) ? true : undefined;
                } catch (error) {
                    lastError = error;
                    return undefined;
                }
            },
            { clock: this.ctx.clock, until },
        );
        if (shown) return;
        const waited = Math.round((this.ctx.clock.now() - this.calls.started) / 1000);
        const found =
            lastError instanceof Error
                ? `reading it back failed: ${lastError.message}`
                : `GetRoutine still shows ${formatSplit(seen?.codeVersions)}`;
        throw new DeployedButUnconfirmed(
            `ESA accepted deployment ${outputs.deploymentId} of ${formatSplit(outputs.codeVersions)} to routine "${name}" (${env}), ` +
                `but after ${waited} s ${found}. The stack records the deployment as made; run \`pulumi refresh\` to see what is live, then \`pulumi up\` again if needed.`,
            resourceId(name, env),
            outputs,
        );
    }
}

/** What a call that failed tells the user. */
function userError(error: unknown): Error {
    if (error instanceof CallFailed) return error.userError;
    return error instanceof Error ? error : new Error(String(error));
}

export function findEnvironment(envs: LiveEnvironment[], env: string): LiveEnvironment | undefined {
    return envs.find((e) => e.env === env);
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
    const result: Partial<Pick<T, K>> = {};
    for (const key of keys) {
        if (source[key] !== undefined && source[key] !== null) result[key] = source[key];
    }
    return result;
}
