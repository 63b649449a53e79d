/**
 * `RoutineCodeDeployment`: which code versions of an Alibaba Cloud ESA edge routine
 * serve one environment, and in which percentages.
 *
 * @example
 * ```ts
 * import { RoutineCodeDeployment } from "esa-routine-deployment";
 *
 * new RoutineCodeDeployment("hello-production", {
 *     name: "hello-edge",
 *     env: "production",
 *     codeVersions: [
 *         { codeVersion: "1723599747213377175", percentage: 90 },
 *         { codeVersion: "1723599747213377176", percentage: 10 },
 *     ],
 * });
 * ```
 */
import * as pulumi from "@pulumi/pulumi";
import { unsetOutputs } from "../provider/engine/shape";
import { DEPLOYMENT_SHAPE } from "../provider/deployment/shape";
import type { CodeVersionSplit, RolloutState } from "../provider/deployment/types";
import { serializedProvider } from "../provider/engine/shim";
import { onNativePath, typeToken } from "./paths";

/** The environments of a routine. */
export type RoutineEnvironment = "staging" | "production";

/** One code version and the percentage of traffic it serves. */
export interface CodeVersionSplitArgs {
    /**
     * The id of a committed code version of the routine. ESA ids are 19-digit numbers,
     * larger than a JavaScript number holds exactly: write them as strings.
     */
    codeVersion: pulumi.Input<string | number>;
    /** An integer from 0 to 100. 0 means "not serving": the entry is kept in the program but not deployed. */
    percentage: pulumi.Input<number>;
}

/** A step of a rollout: the candidate's percentage, held for `bakeSeconds` before the gates run. */
export interface RolloutStepArgs {
    /** The candidate's share at this step, 1–100; steps must grow. */
    percentage: pulumi.Input<number>;
    /** How long the step is held before its gates (default `rollout.bakeSeconds`, else 60). */
    bakeSeconds?: pulumi.Input<number>;
}

/** An HTTP probe: `samples` requests, passing when at most `allowedFailures` fail. */
export interface HttpGateArgs {
    url: pulumi.Input<string>;
    /** Extra request headers, `Host` included (the probe does not use fetch, which forbids it). */
    headers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Accepted statuses (default: any 2xx). */
    expectStatus?: pulumi.Input<number | number[]>;
    /** Text each answer's body must contain. */
    expectBody?: pulumi.Input<string>;
    /** Requests per probe (default 10). */
    samples?: pulumi.Input<number>;
    /** How many of them may fail (default 0). */
    allowedFailures?: pulumi.Input<number>;
    /** `"staging"`: send to the routine's staging address (GetRoutineStagingEnvIp) with the URL's host name as Host. */
    target?: pulumi.Input<"staging" | "production">;
}

/** A gate checked after each step's hold. Exactly one of `http` and `command`. */
export interface RolloutGateArgs {
    /** Shown in messages and the rollout state (default `gates[i] (http)` / `gates[i] (command)`). */
    name?: pulumi.Input<string>;
    /** The gate's whole time budget, in seconds (default 30). */
    timeoutSeconds?: pulumi.Input<number>;
    http?: pulumi.Input<HttpGateArgs>;
    /**
     * A shell command line (`/bin/sh -c`, in the program's directory); exit code 0 passes.
     * It gets `ESA_ROLLOUT_ROUTINE`, `_ENV`, `_STEP`, `_STEPS`, `_CANDIDATE`, `_STABLE`,
     * `_CANDIDATE_PERCENTAGE`, `_STABLE_PERCENTAGE` and `_SPLIT`; its output is shown when it fails.
     */
    command?: pulumi.Input<string | { run: pulumi.Input<string>; cwd?: pulumi.Input<string> }>;
}

/** How a changed split goes live: through steps, holds and gates (README: Progressive rollout). */
export interface RolloutArgs {
    /** The candidate's percentages on the way, e.g. `[10, 50]` or `[10, 50, 100]` (a final 100 is held and gated too). */
    steps: pulumi.Input<pulumi.Input<number | RolloutStepArgs>[]>;
    /** The hold of each step given as a bare number, in seconds (default 60). */
    bakeSeconds?: pulumi.Input<number>;
    /** `"continuous"` (default): the whole walk within one `pulumi up`. `"stepwise"`: at most one step per `pulumi up`, once the hold has passed. */
    mode?: pulumi.Input<"continuous" | "stepwise">;
    gates?: pulumi.Input<pulumi.Input<RolloutGateArgs>[]>;
    /** Change it to start again a rollout that failed, was aborted or was stopped. */
    retry?: pulumi.Input<string>;
}

/** Where a rollout stands, and one code version's share, as the stack records them (documented where the provider defines them). */
export type { CodeVersionSplit, RolloutState } from "../provider/deployment/types";
/** @deprecated The name of earlier releases: `RolloutState`. */
export type RolloutStateOutput = RolloutState;
/** @deprecated The name of earlier releases: `CodeVersionSplit`. */
export type CodeVersionShare = CodeVersionSplit;
/** @deprecated The name of earlier releases: `CodeVersionSplitArgs`. */
export type CodeVersionShareArgs = CodeVersionSplitArgs;

export interface RoutineCodeDeploymentArgs {
    /** The routine's name. Changing it replaces the resource. */
    name: pulumi.Input<string>;
    /** `"staging"` or `"production"`. Changing it replaces the resource. */
    env: pulumi.Input<RoutineEnvironment>;
    /** The only strategy ESA offers, and the default. */
    strategy?: pulumi.Input<"percentage">;
    /**
     * 1 or 2 versions with a percentage above 0, adding up to 100. Order never matters:
     * the list is compared as a set. Changing it updates the deployment in place.
     */
    codeVersions: pulumi.Input<pulumi.Input<CodeVersionSplitArgs>[]>;
    /** The region whose ESA endpoint is called; overrides `esa:region` / `alicloud:region`. */
    region?: pulumi.Input<string>;
    /** The API endpoint, e.g. `http://127.0.0.1:8787` for the local emulator; overrides `esa:endpoint`. */
    endpoint?: pulumi.Input<string>;
    /**
     * How long one create, update or refresh may take, retries included, in seconds
     * (default 300, or `esa:timeoutSeconds`). Pulumi's `customTimeouts` does not reach
     * dynamic providers, hence this input.
     */
    timeoutSeconds?: pulumi.Input<number>;
    /**
     * Walk to `codeVersions` through steps instead of deploying it at once: each step is
     * held, then gated; a failed gate restores the split live before. Then `codeVersions`
     * (the output) is what is live, and `rolloutState` where the rollout stands.
     */
    rollout?: pulumi.Input<RolloutArgs>;
}

/** The type token; `pulumi-nodejs:dynamic/…` routes it to the engine's Node.js dynamic-provider plugin. */
export const ROUTINE_CODE_DEPLOYMENT_TYPE = "pulumi-nodejs:dynamic/esa:RoutineCodeDeployment";

/**
 * Every output property, unset. The SDK creates an output only for a key it is given,
 * and `get` gives no arguments: without these, a looked-up resource's `name`, `env` and
 * `codeVersions` would be undefined.
 */
const UNSET_OUTPUTS = unsetOutputs(DEPLOYMENT_SHAPE);

/**
 * Declares the code versions that serve one environment of an ESA edge routine.
 *
 * - The id is `<name>:<env>`, as with the official alicloud provider; `get` takes
 *   the same id.
 * - Creating the resource adopts a live deployment that already serves the declared
 *   split instead of deploying it again.
 * - Deleting it only removes it from the stack: ESA has no API to withdraw a
 *   deployment, so the environment keeps serving its last split.
 *
 * It is a Pulumi dynamic resource: the engine runs its provider through the Node.js
 * dynamic-provider plugin. It extends `CustomResource` with the dynamic type token
 * rather than `pulumi.dynamic.Resource`, only so that it can store a 0.4 KB loader as
 * its provider code instead of a serialized closure (see `provider/engine/shim.ts`).
 */
export class RoutineCodeDeployment extends pulumi.CustomResource {
    /** The routine's name. */
    declare public readonly name: pulumi.Output<string>;
    /** The environment. */
    declare public readonly env: pulumi.Output<RoutineEnvironment>;
    /** The deployment strategy (always `percentage`). */
    declare public readonly strategy: pulumi.Output<"percentage">;
    /** The live split, without 0 % entries, oldest version first. */
    declare public readonly codeVersions: pulumi.Output<CodeVersionSplit[]>;
    /** The region override, if one was given. */
    declare public readonly region: pulumi.Output<string | undefined>;
    /** The endpoint override, if one was given. */
    declare public readonly endpoint: pulumi.Output<string | undefined>;
    /** The timeout override, if one was given. */
    declare public readonly timeoutSeconds: pulumi.Output<number | undefined>;
    /** The rollout settings, if any. */
    declare public readonly rollout: pulumi.Output<RolloutArgs | undefined>;
    /** Where the last rollout stands (status, candidate, step, since when, gate results), if there was one. */
    declare public readonly rolloutState: pulumi.Output<RolloutState | undefined>;
    /** The `DeploymentId` of the last deployment this resource made or observed, always a string. */
    declare public readonly deploymentId: pulumi.Output<string>;

    /** True for objects created by this class, even from another copy of the package. */
    public static isInstance(obj: unknown): obj is RoutineCodeDeployment {
        return pulumi.CustomResource.isInstance(obj) && (obj as any).__pulumiType === ROUTINE_CODE_DEPLOYMENT_TYPE;
    }

    constructor(name: string, args: RoutineCodeDeploymentArgs, opts?: pulumi.CustomResourceOptions) {
        const native = onNativePath(new.target);
        super(
            typeToken(new.target, "RoutineCodeDeployment", ROUTINE_CODE_DEPLOYMENT_TYPE),
            name,
            {
                ...UNSET_OUTPUTS,
                ...args,
                strategy: args?.strategy,
                deploymentId: undefined,
                rolloutState: undefined,
                ...(native ? {} : { __provider: serializedProvider }),
            },
            opts,
        );
    }

    /**
     * Looks up an existing deployment by its id, `<routine name>:<env>`; for example
     * `RoutineCodeDeployment.get("prod", "hello-edge:production")`.
     */
    public static get(name: string, id: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): RoutineCodeDeployment {
        return new RoutineCodeDeployment(name, {} as RoutineCodeDeploymentArgs, { ...opts, id });
    }
}
