/**
 * Where a walk stands (`Position`: the split live, if it is a step, and the steps still to
 * go), made from what `standing` found, and what a finished run records of it.
 */
import { formatSplit } from "../split";
import type { CodeVersionSplit, DeploymentInputs, DeploymentOutputs } from "../types";
import type { RolloutContext } from "./context";
import { locate, PlannedStep, planRollout, RolloutPlan } from "./plan";
import type { ResumeCause, Standing } from "./position";
import type { GateResult, RolloutConfig, RolloutState } from "./types";

/** Builds the `rolloutState` of the walk's position: a status, the split live, and anything else to say. */
export type StateOf = (status: RolloutState["status"], split: CodeVersionSplit[], extra?: Partial<RolloutState>) => RolloutState;

/** Where a walk stands: the split live (if it is a step) and the steps still to go. */
export interface Position {
    from: CodeVersionSplit[];
    candidate: string;
    stable?: string;
    /** The step whose split is live and still to be held and gated, if any. */
    current?: PlannedStep;
    /** When `current` went live. */
    since: number;
    remaining: PlannedStep[];
    total: number;
    /** Step numbers already walked before `current`. */
    base: number;
    history: RolloutState["history"];
    gates: GateResult[];
}

/**
 * What a finished run records as the split it left serving (`recordedSplit`), beside
 * `codeVersions`, which a refresh overwrites with what is live.
 */
export function withRecordedSplit<T extends Record<string, unknown> | DeploymentOutputs>(outputs: T): T {
    const split = (outputs as Partial<DeploymentOutputs>).codeVersions;
    return split === undefined ? outputs : { ...outputs, recordedSplit: split };
}

/** The recorded rollout goes on from its last step. */
export function continueRecorded(prev: RolloutState, config: RolloutConfig, live: CodeVersionSplit[]): Position {
    const plan = planRollout(prev.from, prev.target, config.steps)!;
    const k = plan ? locate(plan, prev.from, live) : -1;
    const position: Position = {
        from: prev.from,
        candidate: prev.candidate,
        stable: prev.stable,
        since: Date.parse(prev.since),
        remaining: [],
        total: plan?.steps.length ?? prev.steps,
        base: 0,
        history: [...(prev.history ?? [])],
        gates: prev.gates ?? [],
    };
    if (k >= 1) {
        position.current = plan.steps[k - 1];
        position.remaining = plan.steps.slice(k);
    } else if (k === 0) {
        position.remaining = plan.steps;
    } else {
        // The steps were edited mid-rollout: the live split stays the current step (held
        // as recorded), and the walk goes on through the new steps above it.
        const rest = planRollout(live, prev.target, config.steps);
        const held = prev.history?.[prev.history.length - 1]?.bakeSeconds ?? 0;
        const renumber = (s: PlannedStep, i: number): PlannedStep => ({ ...s, step: prev.step + 1 + i });
        position.current = {
            step: prev.step,
            split: live,
            candidatePercentage: share(live, prev.candidate),
            bakeSeconds: held,
            verify: true,
        };
        position.remaining = (rest?.steps ?? []).map(renumber);
        position.total = prev.step + position.remaining.length;
    }
    return position;
}

/**
 * A split of the walk serves that the record does not say, or a new target supersedes the
 * rollout in flight: go on from there, holding the live step again in full (its hold and
 * gates may not have been done).
 */
export function resumed(
    ctx: RolloutContext,
    news: DeploymentInputs,
    found: Extract<Standing, { kind: "resume" }>,
    live: CodeVersionSplit[],
): Position {
    const { from, plan, step, cause, prev } = found;
    const who = `${news.name} (${news.env})`;
    const at = `${formatSplit(live)} is step ${step}/${plan.steps.length} of the rollout of ${plan.candidate}`;
    const again = "resuming there, holding it again in full";
    const said: Record<ResumeCause, string> = {
        ahead: `${who}: ${at}, deployed by a run that did not finish or gave up before it was confirmed: ${again}.`,
        unrecorded: `${who}: ${at} from ${formatSplit(from)}, set by a run that did not finish: ${again}.`,
        inferred:
            `${who}: ${at} from ${formatSplit(from)}, with nothing recorded (a run that did not finish, or a split set by hand): ` +
            `${again}; a failed gate restores ${formatSplit(from)}.`,
        superseded: `${who}: a new target supersedes the rollout of ${prev?.candidate}; the new rollout walks from ${formatSplit(from)}.`,
    };
    if (found.held) return heldOnTheWay(ctx, who, from, plan, found.held);
    ctx.log("info", said[cause]);
    const position = positionAt(from, plan, step, ctx.clock.now());
    if (cause !== "ahead") return position;
    return { ...position, history: [...(prev?.history ?? []), ...position.history] };
}

/**
 * What serves lies on the walk but is none of its steps (a killed run's step before the
 * steps changed, or a split set by hand): it is held and gated as a step of its own, and
 * the walk goes on through the declared steps above it; a failure restores `from`.
 */
function heldOnTheWay(ctx: RolloutContext, who: string, from: CodeVersionSplit[], plan: RolloutPlan, live: CodeVersionSplit[]): Position {
    const share = live.find((e) => e.codeVersion === plan.candidate)?.percentage ?? 0;
    const above = plan.steps.filter((s) => s.candidatePercentage > share);
    const held: PlannedStep = { step: 1, split: live, candidatePercentage: share, bakeSeconds: above[0]?.bakeSeconds ?? 0, verify: true };
    const remaining = above.map((s, i) => ({ ...s, step: i + 2 }));
    ctx.log(
        "info",
        `${who}: ${formatSplit(live)} serves, on the way of the rollout of ${plan.candidate} from ${formatSplit(from)} but none of its steps ` +
            `(set by a run that did not finish, or elsewhere): holding it as step 1/${remaining.length + 1}, then the declared steps; a failed gate restores ${formatSplit(from)}.`,
    );
    return positionAt(from, { ...plan, steps: [held, ...remaining] }, 1, ctx.clock.now());
}

export function positionAt(from: CodeVersionSplit[], plan: RolloutPlan, k: number, since: number): Position {
    const current = k >= 1 ? plan.steps[k - 1] : undefined;
    return {
        from,
        candidate: plan.candidate,
        stable: plan.stable,
        current,
        since,
        remaining: plan.steps.slice(Math.max(k, 0)),
        total: plan.steps.length,
        base: 0,
        history: current
            ? [
                  {
                      step: current.step,
                      candidatePercentage: current.candidatePercentage,
                      setAt: new Date(since).toISOString(),
                      bakeSeconds: current.bakeSeconds,
                  },
              ]
            : [],
        gates: [],
    };
}

export function share(split: readonly CodeVersionSplit[], version: string): number {
    return split.find((e) => e.codeVersion === version)?.percentage ?? 0;
}

export function iso(ms: number): string {
    return new Date(ms).toISOString();
}
