import { inputKeys } from "../engine/shape";
import type { RolloutConfig, RolloutState } from "./rollout/types";
import { DEPLOYMENT_SHAPE } from "./shape";

export type { RolloutState } from "./rollout/types";

/**
 * Shapes shared by the provider's modules. The provider talks to the engine in plain
 * JSON-like objects, so these are interfaces over data, not classes.
 */

export const ENVIRONMENTS = ["staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const STRATEGIES = ["percentage"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** One code version and the share of traffic it serves, in percent. */
export interface CodeVersionSplit {
    codeVersion: string;
    percentage: number;
}

/**
 * The resource's inputs after `check`: validated, strategy filled in, zero entries
 * dropped and entries in canonical order. Values still unknown at preview time are
 * passed through as the engine's unknown sentinel.
 */
export interface DeploymentInputs {
    name: string;
    env: Environment;
    strategy: Strategy;
    codeVersions: CodeVersionSplit[];
    region?: string;
    endpoint?: string;
    timeoutSeconds?: number;
    /** A progressive rollout to the declared split (README: Progressive rollout). */
    rollout?: RolloutConfig;
}

/** What the stack state records: the inputs plus the id of the live deployment. */
export interface DeploymentOutputs extends DeploymentInputs {
    deploymentId: string;
    /** Where the last rollout stands; with a rollout, `codeVersions` is what is live, not what is declared. */
    rolloutState?: RolloutState;
    /**
     * The split the stack's last `up` left serving, once a refresh has made `codeVersions`
     * what is live (absent before: then `codeVersions` says it). A refresh keeps it as it
     * was, so that the next `up` can still tell a rollout step left live by a killed run
     * from a split that was there before the rollout.
     */
    recordedSplit?: CodeVersionSplit[];
}

/** A deployment as ESA reports it for one environment of a routine. */
export interface LiveDeployment {
    deploymentId: string;
    strategy: string;
    codeVersions: CodeVersionSplit[];
}

/** The inputs' property names, so outputs can be told apart from engine-added keys. */
export const INPUT_KEYS = inputKeys(DEPLOYMENT_SHAPE);
