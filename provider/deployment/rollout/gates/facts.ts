/**
 * What a gate knows about the step it checks, and what it may use to reach things.
 */
import type { CodeVersionSplit } from "../../types";

/** The rollout's facts at one step; command gates get them as environment variables. */
export interface RolloutFacts {
    routine: string;
    env: string;
    /** 1-based number of the step just held, and how many the walk has. */
    step: number;
    steps: number;
    candidate: string;
    stable?: string;
    candidatePercentage: number;
    stablePercentage: number;
    split: CodeVersionSplit[];
}

export interface GateEnvironment {
    /**
     * The address of the routine's staging environment (GetRoutineStagingEnvIp), for probes
     * with `target: "staging"`, asked for during at most `withinMs`.
     */
    stagingAddress(withinMs: number): Promise<string>;
    /** Strings never to show (the AccessKey secret, the STS token). */
    secrets: string[];
    now(): number;
    /** Aborted when the engine asks the run to stop (Cancel, a deadline): a running gate then ends at once. */
    signal?: AbortSignal;
}

/** A gate's verdict and what it saw. */
export interface GateVerdict {
    passed: boolean;
    detail: string;
}

/** The facts as environment variables, `ESA_ROLLOUT_*`. */
export function factsAsEnvironment(facts: RolloutFacts): Record<string, string> {
    return {
        ESA_ROLLOUT_ROUTINE: facts.routine,
        ESA_ROLLOUT_ENV: facts.env,
        ESA_ROLLOUT_STEP: String(facts.step),
        ESA_ROLLOUT_STEPS: String(facts.steps),
        ESA_ROLLOUT_CANDIDATE: facts.candidate,
        ESA_ROLLOUT_STABLE: facts.stable ?? "",
        ESA_ROLLOUT_CANDIDATE_PERCENTAGE: String(facts.candidatePercentage),
        ESA_ROLLOUT_STABLE_PERCENTAGE: String(facts.stablePercentage),
        ESA_ROLLOUT_SPLIT: facts.split.map((e) => `${e.codeVersion}:${e.percentage}`).join(","),
    };
}
