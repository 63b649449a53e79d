/**
 * Where a rollout stands, from the stack's record and the split live now, and so what the
 * next `up` does. Pure (no clock, no API): the walk acts on it and the preview tells it, so
 * what a preview or refresh says is what the next `up` does.
 *
 * The record is what a refresh cannot erase: `rolloutState` (the rollout in flight: its
 * starting split, candidate, steps and the step it set last) and `recordedSplit` (the
 * split the stack's last `up` left serving, for a rollout whose first run was killed
 * before anything of it was recorded). A refresh changes only `codeVersions`, the live
 * split, so every conclusion below holds after `pulumi refresh` or `up --refresh` alike.
 */
import { formatSplit, sameSplit } from "../split";
import type { CodeVersionSplit } from "../types";
import { controlFor, RolloutControl } from "./control";
import { locate, planRollout, RolloutPlan } from "./plan";
import type { RolloutConfig, RolloutState } from "./types";

export type Standing =
    /** The target serves and no rollout to it is in flight. */
    | { kind: "at-target" }
    /** A rollout to this target failed, was aborted or stopped: not started again by itself. */
    | { kind: "ended"; prev: RolloutState; restore: boolean }
    /** The recorded rollout's last split serves: it goes on from there. */
    | { kind: "continue"; prev: RolloutState }
    /**
     * A split of the walk from `from` serves that the record does not say (a run that set
     * it did not finish), or a new target supersedes a rollout in flight: the walk goes
     * on from step `step` (0: before the first), holding it again in full.
     */
    | {
          kind: "resume";
          from: CodeVersionSplit[];
          plan: RolloutPlan;
          step: number;
          cause: ResumeCause;
          prev?: RolloutState;
          /** What serves is between two steps of the walk (the steps changed since, or it was set by hand): it is held as a step of its own. */
          held?: CodeVersionSplit[];
      }
    /** During the recorded rollout, something else serves: the rollout stops and leaves it. */
    | { kind: "stop"; prev: RolloutState; backToStart: boolean }
    /** A new rollout from what serves. */
    | { kind: "start"; from: CodeVersionSplit[]; plan: RolloutPlan };

/**
 * - `ahead`: a later step of the recorded rollout (its deployment landed after the run that
 *   made it was killed or gave up);
 * - `unrecorded`: a step of the walk from the split the stack recorded (the rollout's first
 *   run was killed before the engine recorded anything of it);
 * - `inferred`: with nothing recorded at all (a create that was killed), a step of the walk
 *   from the split's other version alone, which a failed gate then restores;
 * - `superseded`: a new target replaces a rollout in flight; the walk goes from that rollout's start.
 * With `held`, what serves is no step of the walk but lies on its way (the candidate's
 * share between its share before and its target share): it is held and gated as a step.
 */
export type ResumeCause = "ahead" | "unrecorded" | "inferred" | "superseded";

interface StandingFacts {
    /** The rollout record of the stack (`rolloutState`). */
    prev?: RolloutState;
    /** The split the stack's last `up` left serving (`recordedSplit`, else `codeVersions` as recorded). */
    recorded?: CodeVersionSplit[];
    /** What serves now. (With nothing deployed there is no rollout: the target is deployed at once.) */
    live: CodeVersionSplit[];
    target: CodeVersionSplit[];
    config: RolloutConfig;
    control?: RolloutControl;
}

export function standing({ prev, recorded, live, target, config, control }: StandingFacts): Standing {
    const sameTarget = prev !== undefined && sameSplit(prev.target, target);
    // A rollout in flight (to another target) started from `prev.from`: that, not a split it
    // set on the way, is what the stack last knew as settled.
    const baseline = prev?.status === "in-progress" && !sameTarget ? prev.from : recorded;

    if (prev && sameTarget && prev.status !== "in-progress" && prev.status !== "succeeded") {
        const promote = controlFor(control, prev.candidate)?.verb === "promote";
        const retried = (prev.retry ?? "") !== (config.retry ?? "");
        if (!promote && !retried) return { kind: "ended", prev, restore: failedStillServes(prev, live) };
    }

    if (prev && sameTarget && prev.status === "in-progress") {
        if (sameSplit(live, prev.split)) return { kind: "continue", prev };
        const plan = planRollout(prev.from, prev.target, config.steps);
        const k = plan ? locate(plan, prev.from, live) : -1;
        // Ahead of the recorded step: the candidate serves more (step numbers change when the steps are edited).
        const grew = candidateShare(live, prev.candidate) > candidateShare(prev.split, prev.candidate);
        if (plan && grew && k >= 1) return { kind: "resume", from: prev.from, plan, step: k, cause: "ahead", prev };
        // A split on the way but none of the steps is taken for a change made elsewhere (it
        // may also be a killed run's step of steps edited twice since: it stops all the same).
        return { kind: "stop", prev, backToStart: sameSplit(live, prev.from) };
    }

    // A step of the walk from the split the stack recorded, set by a run that did not
    // finish: the target itself too, when the walk holds and gates it (a declared final step).
    if (baseline && !sameSplit(baseline, live) && !(prev && sameTarget && prev.status === "succeeded")) {
        const plan = planRollout(baseline, target, config.steps);
        const k = plan ? locate(plan, baseline, live) : -1;
        if (plan && k >= 1 && (k < plan.steps.length || plan.steps[k - 1].verify))
            return { kind: "resume", from: baseline, plan, step: k, cause: "unrecorded", prev };
    }
    if (sameSplit(live, target)) return { kind: "at-target" };

    // A rollout to another target still in flight is superseded: the new one starts from
    // the split that was live before it, and a failure goes back there.
    if (prev?.status === "in-progress" && sameSplit(prev.split, live)) {
        const plan = planRollout(prev.from, target, config.steps);
        if (plan)
            return { kind: "resume", from: prev.from, plan, step: Math.max(locate(plan, prev.from, live), 0), cause: "superseded", prev };
    }
    if (!recorded) {
        const inferred = inferStart(live, target, config);
        if (inferred) return { kind: "resume", ...inferred, cause: "inferred", prev };
    }
    // A new rollout walks from the split the stack recorded, which a failure restores (see
    // `startFrom`): a version the stack never recorded at that share (a killed run's step,
    // a canary set by hand) never becomes part of the split a failure restores.
    const from = startFrom(baseline, live);
    const plan = from === live ? undefined : planRollout(from, target, config.steps);
    if (plan) {
        if (onTheWay(live, from, target, plan.candidate))
            return { kind: "resume", from, plan, step: 0, cause: "unrecorded", prev, held: live };
        return { kind: "start", from, plan };
    }
    return { kind: "start", from: live, plan: planRollout(live, target, config.steps)! };
}

/**
 * Where a new rollout starts: the split the stack recorded, unless what serves now only
 * dropped some of its versions (a rollback made elsewhere, which a failure must not undo).
 * A reweighting is not taken for one: a killed run's step looks just like it.
 */
function startFrom(recorded: CodeVersionSplit[] | undefined, live: CodeVersionSplit[]): CodeVersionSplit[] {
    if (!recorded || sameSplit(recorded, live)) return live;
    const known = new Set(recorded.map((e) => e.codeVersion));
    const dropped = live.length < recorded.length && live.every((e) => known.has(e.codeVersion));
    return dropped ? live : recorded;
}

/** `live` lies on the walk from `from` to `target`: the candidate's share between the two, every other version one of `from`'s. */
function onTheWay(live: CodeVersionSplit[], from: CodeVersionSplit[], target: CodeVersionSplit[], candidate: string): boolean {
    const share = (split: CodeVersionSplit[]) => split.find((e) => e.codeVersion === candidate)?.percentage ?? 0;
    const known = new Set(from.map((e) => e.codeVersion));
    return (
        live.length <= 2 &&
        live.every((e) => e.codeVersion === candidate || known.has(e.codeVersion)) &&
        share(live) > share(from) &&
        share(live) < share(target)
    );
}

/**
 * With nothing recorded, a two-version split whose growing version of the target serves a
 * declared step's share is taken for that step of a walk from the other version alone: a
 * killed run's step, or a canary set by hand. Either way, a failed gate then restores the
 * other version alone, so a failing candidate is never left serving.
 */
function inferStart(
    live: CodeVersionSplit[],
    target: CodeVersionSplit[],
    config: RolloutConfig,
): { from: CodeVersionSplit[]; plan: RolloutPlan; step: number; held?: CodeVersionSplit[] } | undefined {
    if (live.length !== 2) return undefined;
    for (const entry of live) {
        const from = [{ codeVersion: entry.codeVersion, percentage: 100 }];
        const plan = planRollout(from, target, config.steps);
        const k = plan ? locate(plan, from, live) : -1;
        if (plan && k >= 1 && k < plan.steps.length) return { from, plan, step: k };
        if (plan && k < 0 && onTheWay(live, from, target, plan.candidate)) return { from, plan, step: 0, held: live };
    }
    return undefined;
}

/** A candidate whose gate failed still serves, and the split before its rollout does not. */
function failedStillServes(prev: RolloutState, live: CodeVersionSplit[]): boolean {
    return (
        prev.status === "failed" &&
        prev.failedCandidate !== undefined &&
        live.some((e) => e.codeVersion === prev.failedCandidate && e.percentage > 0) &&
        !sameSplit(live, prev.from)
    );
}

/** What an ended rollout (failed, aborted, stopped) means for the next `up`, with `serving` live. */
export function endedNote(prev: RolloutState, serving: CodeVersionSplit[]): string {
    const how = prev.status === "stopped" ? "was stopped" : prev.status;
    return (
        `the rollout of ${prev.candidate} to ${formatSplit(prev.target)} ${how} and is not started again; ${formatSplit(serving)} serves. ` +
        `Change rollout.retry to try again, or declare another candidate.`
    );
}

function candidateShare(split: readonly CodeVersionSplit[], candidate: string): number {
    return split.find((e) => e.codeVersion === candidate)?.percentage ?? 0;
}
