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
import { serializedProvider } from "../provider/engine/shim";

/** The environments of a routine. */
export type RoutineEnvironment = "staging" | "production";

/** One code version and the percentage of traffic it serves. */
export interface CodeVersionShareArgs {
    /**
     * The id of a committed code version of the routine. ESA ids are 19-digit numbers,
     * larger than a JavaScript number holds exactly: write them as strings.
     */
    codeVersion: pulumi.Input<string | number>;
    /** An integer from 0 to 100. 0 means "not serving": the entry is kept in the program but not deployed. */
    percentage: pulumi.Input<number>;
}

/** A code version and its share, as recorded in the stack. */
export interface CodeVersionShare {
    codeVersion: string;
    percentage: number;
}

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
    codeVersions: pulumi.Input<pulumi.Input<CodeVersionShareArgs>[]>;
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
}

/** The type token; `pulumi-nodejs:dynamic/…` routes it to the engine's Node.js dynamic-provider plugin. */
export const ROUTINE_CODE_DEPLOYMENT_TYPE = "pulumi-nodejs:dynamic/esa:RoutineCodeDeployment";

/**
 * Every output property, unset. The SDK creates an output only for a key it is given,
 * and `get` gives no arguments: without these, a looked-up resource's `name`, `env` and
 * `codeVersions` would be undefined.
 */
const UNSET_OUTPUTS = {
    name: undefined,
    env: undefined,
    codeVersions: undefined,
    region: undefined,
    endpoint: undefined,
    timeoutSeconds: undefined,
};

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
    declare public readonly codeVersions: pulumi.Output<CodeVersionShare[]>;
    /** The region override, if one was given. */
    declare public readonly region: pulumi.Output<string | undefined>;
    /** The endpoint override, if one was given. */
    declare public readonly endpoint: pulumi.Output<string | undefined>;
    /** The timeout override, if one was given. */
    declare public readonly timeoutSeconds: pulumi.Output<number | undefined>;
    /** The `DeploymentId` of the last deployment this resource made or observed, always a string. */
    declare public readonly deploymentId: pulumi.Output<string>;

    /** True for objects created by this class, even from another copy of the package. */
    public static isInstance(obj: unknown): obj is RoutineCodeDeployment {
        return pulumi.CustomResource.isInstance(obj) && (obj as any).__pulumiType === ROUTINE_CODE_DEPLOYMENT_TYPE;
    }

    constructor(name: string, args: RoutineCodeDeploymentArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            ROUTINE_CODE_DEPLOYMENT_TYPE,
            name,
            {
                ...UNSET_OUTPUTS,
                ...args,
                strategy: args?.strategy,
                deploymentId: undefined,
                __provider: serializedProvider,
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
