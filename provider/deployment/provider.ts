/**
 * The dynamic provider of `RoutineCodeDeployment`: what the Pulumi engine calls.
 *
 * This module is the installed implementation that the small serialized shim
 * (`../engine/shim`) loads at run time (README: Details). It wires the jobs of the other modules
 * together: validation (`check`), the set-based plan (`diff`), and the lifecycle against
 * ESA (`create`, `read`, `update`, `delete`). Only the lifecycle loads the ESA SDK.
 */
import { engineLog } from "../engine/log";
import type { DynamicProvider } from "../engine/dynamic";
import { stopSignal } from "../engine/cancel";
import { engineWatch, EngineWatch, leaveIfOrphaned } from "../engine/liveness";
import { keepingPartialState } from "../engine/partial-state";
import { systemClock } from "../esa/clock";
import { CONFIG_KEYS, ConfigLookup, Connection, ENV_KEYS, secretsOf } from "../esa/config";
import { ProviderEnvironment, resourceContexts } from "../esa/context";
import { createSdkApi, DeploymentApiFactory } from "./api";
import { diffDeployment } from "./diff";
import { Deployments, resourceId } from "./lifecycle";
import type { GateRunner } from "./rollout/gates";
import { parseRolloutControl, previewRollout, readLiveFresh, ROLLOUT_CONTROL_KEY, runRollout, stagingAddress } from "./rollout";
import { sharedReads } from "./shared-reads";
import { formatSplit } from "./split";
import { DeploymentInputs, DeploymentOutputs, INPUT_KEYS } from "./types";
import { checkInputs } from "./check";

export interface ProviderOptions extends ProviderEnvironment {
    /** How the provider reaches ESA; tests pass an in-memory implementation. */
    apiFactory?: DeploymentApiFactory;
    /** Runs a rollout step's gates; default: as declared. */
    runGates?: GateRunner;
    /** Whether the engine that started the run is gone; default: watched in the dynamic-provider plugin, never elsewhere. */
    engineGone?: EngineWatch;
}

/** The deployment's provider: the methods every resource's provider has. */
export type RoutineCodeDeploymentProvider = DynamicProvider;

export function createProvider(options: ProviderOptions = {}): RoutineCodeDeploymentProvider {
    const clock = options.clock ?? systemClock;
    const shareReads = sharedReads(clock.now);
    const contexts = resourceContexts(options.apiFactory ?? createSdkApi, options);
    const stackConfig: ConfigLookup = (key) => contexts.config(key);

    // Paced below the shared reads: an answer served from memory costs no token. With the
    // client it uses: a rollout's fresh reads share its pacing and answers.
    const deployments = (inputs: Partial<DeploymentInputs>) => {
        const ctx = contexts.context(inputs, (api, connection) => shareReads(api, readScope(connection)));
        return Object.assign(new Deployments(ctx), { context: ctx });
    };

    const engineGone = options.engineGone ?? engineWatch;
    /** The inputs `check` saw in this run (the program's declarations), by content. */
    const declared = new Set<string>();

    /** Walks a declared rollout (README: Progressive rollout) in place of a single deployment. */
    const rollout = async (olds: Partial<DeploymentOutputs>, news: DeploymentInputs): Promise<DeploymentOutputs> => {
        const parsed = parseRolloutControl(stackConfig(ROLLOUT_CONTROL_KEY));
        if (parsed.error) throw new Error(parsed.error);
        const ctx = deployments(news).context;
        return runRollout(
            {
                readLive: (name, env) => readLiveFresh(deployments(news).context, name, env),
                apply: (inputs) => deployments(inputs).apply(inputs),
                gates: {
                    stagingAddress: (withinMs) => stagingAddress(ctx, news.name, withinMs),
                    secrets: [...secretsOf(ctx.connection.credentials), ...knownSecrets(stackConfig, options.env ?? process.env)],
                    now: clock.now,
                    signal: stopSignal(),
                },
                clock,
                log: ctx.log,
                control: parsed.control,
                id: resourceId(news.name, news.env),
                engineGone,
                runGates: options.runGates,
            },
            olds,
            news,
        ).then(
            async (outputs) => {
                await leaveIfOrphaned(engineGone);
                return outputs;
            },
            async (error) => {
                // Stopped at a safe point, or ended otherwise (a rollback, a failure) with no engine to tell.
                await leaveIfOrphaned(engineGone);
                throw error;
            },
        );
    };
    const log = options.log ?? engineLog;

    return {
        async configure(request) {
            contexts.configure(request);
        },

        async check(_olds, news) {
            const { inputs, failures } = checkInputs(withoutEngineKeys(news));
            declared.add(fingerprint(inputs));
            return { inputs, failures };
        },

        async diff(_id, olds, news) {
            const plan = diffDeployment(olds, news);
            const parsed = parseRolloutControl(stackConfig(ROLLOUT_CONTROL_KEY));
            if (parsed.error && news.rollout) log("warning", parsed.error);
            // With a rollout, what happens to the split is the rollout's call (a step still holding is no change).
            const walk = plan.replaces.length > 0 ? {} : previewRollout(olds, news, clock.now(), parsed.control);
            // Only about inputs the program declared in this run: a refresh diffs the refreshed
            // state against the inputs recorded at the last `up`, and what a rollout of those
            // would do says nothing true about the next `up`.
            if (walk.message && declared.has(fingerprint(withoutEngineKeys(news)))) log(walk.severity ?? "info", walk.message);
            const changes = walk.changes === undefined ? plan.changes : walk.changes || plan.changed.some((key) => key !== "codeVersions");
            // What the preview lists per property: a rollout that moves on changes the live split.
            const changed = !changes ? [] : plan.changed.length > 0 ? plan.changed : ["codeVersions"];
            return { changes, replaces: plan.replaces, changed, deleteBeforeReplace: plan.deleteBeforeReplace };
        },

        async create(inputs: DeploymentInputs) {
            const outs = await keepingPartialState(inputs, () =>
                inputs.rollout ? rollout({}, inputs) : deployments(inputs).apply(inputs),
            );
            return { id: resourceId(inputs.name, inputs.env), outs };
        },

        async update(_id, olds: DeploymentOutputs, news: DeploymentInputs) {
            // Deploys from the recorded state: no read before (see `Deployments.apply`).
            return {
                outs: await keepingPartialState(news, () => (news.rollout ? rollout(olds, news) : deployments(news).apply(news, olds))),
            };
        },

        async read(id, props: Partial<DeploymentOutputs> = {}) {
            const found = await deployments(props).read(id, withoutEngineKeys(props));
            // An empty id tells the engine the resource no longer exists.
            if (!found) return { id: "", props: {} };
            // A refresh reads what is live; where a rollout stands is the stack's own record, and
            // so is the split the last `up` left serving: a refresh must not erase what tells a
            // step left live by a killed run from a split that was there before the rollout.
            // (Kept with or without a rollout: a program often declares its first rollout
            // together with the new target, and that run may be the one that is killed.)
            const recordedSplit = props.recordedSplit ?? props.codeVersions;
            const rollout = {
                ...(props.rollout === undefined ? {} : { rollout: props.rollout }),
                ...(props.rolloutState === undefined ? {} : { rolloutState: props.rolloutState }),
                ...(recordedSplit === undefined ? {} : { recordedSplit }),
            };
            return {
                id,
                props: { ...found.outputs, ...rollout },
                inputs: { ...found.inputs, ...(props.rollout ? { rollout: props.rollout } : {}) },
            };
        },

        async delete(id, props: Partial<DeploymentOutputs>) {
            // ESA has no API to withdraw a deployment: deleting the resource only removes it
            // from the stack. Whether the routine goes too is not known here (a whole-stack
            // destroy deletes it next, a partial one does not), so the message holds for both.
            const routine = typeof props.name === "string" ? `routine "${props.name}"` : "the routine";
            log(
                "warning",
                `RoutineCodeDeployment ${id} removed from the stack only: ESA cannot withdraw a deployment, so ` +
                    `${formatSplit(props.codeVersions)}${props.deploymentId ? ` (deployment ${props.deploymentId})` : ""} serves ` +
                    `until another split is deployed there or ${routine} is deleted (a Routine resource this stack created is deleted by its destroy, with everything it serves).`,
            );
        },
    };
}

/**
 * Every credential secret the provider can see, used or not (a gate's command inherits the
 * environment and may print it): stack config and environment, as the README's Configuration and credentials names them.
 */
function knownSecrets(config: ConfigLookup, env: NodeJS.ProcessEnv): string[] {
    const fromConfig = [...CONFIG_KEYS.accessKeySecret, ...CONFIG_KEYS.securityToken].map((key) => config(key));
    const fromEnv = [...ENV_KEYS.accessKeySecret, ...ENV_KEYS.securityToken].map((key) => env[key]);
    return [...fromConfig, ...fromEnv].filter((value): value is string => typeof value === "string" && value !== "");
}

/** Who reads what where: reads are shared only between identical scopes. Never a secret. */
function readScope(connection: Connection): string {
    const who =
        connection.credentials.kind === "static"
            ? connection.credentials.accessKeyId
            : connection.credentials.kind === "profile"
              ? connection.credentials.profile
              : "";
    return [connection.endpoint?.protocol, connection.endpoint?.host, connection.regionId, connection.credentials.kind, who].join("|");
}

/** The engine's own keys (`__provider`) and outputs passed back as inputs are not ours to validate. */
function withoutEngineKeys(values: Record<string, any>): Record<string, any> {
    const result: Record<string, any> = {};
    // Whatever arrives, `check` answers with failures rather than throwing (`in` throws on primitives).
    if (values === null || typeof values !== "object") return result;
    for (const key of INPUT_KEYS) {
        if (key in values) result[key] = values[key];
    }
    return result;
}

/** The provider as the shim loads it. */
export const provider = createProvider();

/** A value's content as text, keys sorted, so that the same inputs match however they were carried. */
function fingerprint(value: unknown): string {
    return JSON.stringify(value, (_key, v) =>
        v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(
                  Object.keys(v)
                      .sort()
                      .map((k) => [k, v[k]]),
              )
            : v,
    );
}
