/**
 * The shapes of a progressive rollout (README: Progressive rollout): the `rollout` input as `check` leaves
 * it (validated, defaults filled in), and the `rolloutState` output that records where a
 * rollout stands, so that the next `pulumi up` needs nothing but the stack's state.
 */
import type { CodeVersionSplit } from "../types";

/** `continuous`: the whole walk within one `up`. `stepwise`: at most one step per `up`. */
type RolloutMode = "continuous" | "stepwise";
export const ROLLOUT_MODES: readonly RolloutMode[] = ["continuous", "stepwise"];

/** One declared step: the candidate's share, and how long it is held before the gates. */
export interface RolloutStep {
    percentage: number;
    bakeSeconds: number;
}

export interface HttpGate {
    url: string;
    headers: Record<string, string>;
    /** Accepted HTTP statuses; empty means any 2xx. */
    expectStatus: number[];
    /** Text every accepted answer's body must contain. */
    expectBody?: string;
    samples: number;
    allowedFailures: number;
    /** `staging`: send the probes to the routine's staging address, with the URL's host name as Host. */
    target?: "staging";
}

export interface CommandGate {
    /** A shell command line (`/bin/sh -c`); exit code 0 passes. */
    run: string;
    /** Where it runs; default the Pulumi program's directory. */
    cwd?: string;
}

export interface Gate {
    name: string;
    timeoutSeconds: number;
    http?: HttpGate;
    command?: CommandGate;
}

export interface RolloutConfig {
    steps: RolloutStep[];
    mode: RolloutMode;
    gates: Gate[];
    /** Change it to start again a rollout that failed, was aborted or was stopped. */
    retry?: string;
}

/** What one gate saw after one step's bake. */
export interface GateResult {
    gate: string;
    step: number;
    passed: boolean;
    /** What it saw, in words: statuses and versions that answered, or the command's exit and output. */
    detail: string;
    at: string;
    durationMs: number;
}

type RolloutStatus = "in-progress" | "succeeded" | "failed" | "aborted" | "stopped";

/** One step as it was walked: when its split went live and how long it was held. */
interface StepRecord {
    step: number;
    candidatePercentage: number;
    setAt: string;
    /** From going live to the start of its gates; absent while baking. */
    bakedMs?: number;
    bakeSeconds: number;
}

/** The `rolloutState` output. Version ids only, never anything of the code or the credentials. */
export interface RolloutState {
    status: RolloutStatus;
    /** The version whose share grows. */
    candidate: string;
    /** The version that serves the rest, if any. */
    stable?: string;
    /** The split that was live when the rollout started: what a failure or an abort restores. */
    from: CodeVersionSplit[];
    /** The declared split the rollout walks to. */
    target: CodeVersionSplit[];
    /** The step whose split is live (1-based; 0 before the first). */
    step: number;
    /** How many splits the walk sets, the target included. */
    steps: number;
    /** The split this rollout set last: anything else found live was changed elsewhere. */
    split: CodeVersionSplit[];
    /** When `split` went live (ISO-8601). */
    since: string;
    /** In stepwise mode: the earliest time the next `up` moves on. */
    nextAt?: string;
    mode: RolloutMode;
    gates: GateResult[];
    history: StepRecord[];
    /** The candidate that failed a gate, or whose rollout was aborted or stopped. */
    failedCandidate?: string;
    /** Why the rollout ended as it did. */
    message?: string;
    /** The `rollout.retry` value this rollout ran under. */
    retry?: string;
    /** How it ended early, if it did: `promote` (finish now) or `abort`, from `esa:rolloutAction`. */
    action?: "promote" | "abort";
}
