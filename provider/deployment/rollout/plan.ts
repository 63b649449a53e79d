/**
 * The step planner: from the split live when a rollout starts to the declared target,
 * through the declared steps. Pure (no clock, no API), so that a preview, an `up`, and a
 * resumed `up` after an interruption all compute the very same walk from the same facts.
 *
 * - The candidate is the version whose share grows the most (the newest on a tie).
 * - Intermediate splits give the candidate a step's percentage and the rest to one
 *   version already live (the target's other version if it is live, else the version
 *   serving the most), so no split ever serves more than two versions and no version
 *   that was not live gets traffic before the candidate does.
 * - Only steps strictly between the candidate's live share and its target share are
 *   walked: the candidate's share only ever grows, and a resumed walk skips what is done.
 * - The last split is always the target. It is held and gated only when a step names its
 *   percentage (for example a final `100` with a bake: verify before calling it done).
 */
import { canonicalOrder, compareVersionIds, sameSplit } from "../split";
import type { CodeVersionSplit } from "../types";
import type { RolloutStep } from "./types";

export interface PlannedStep {
    /** 1-based. */
    step: number;
    split: CodeVersionSplit[];
    candidatePercentage: number;
    /** How long the split is held before its gates; 0 with no hold. */
    bakeSeconds: number;
    /** Whether the split is held and gated before the walk moves on (or calls it done). */
    verify: boolean;
}

export interface RolloutPlan {
    candidate: string;
    /** The version serving the rest during the walk, if any. */
    stable?: string;
    steps: PlannedStep[];
}

/** The walk from `from` to `target`; undefined when there is nothing to walk (the target is live). */
export function planRollout(
    from: readonly CodeVersionSplit[],
    target: readonly CodeVersionSplit[],
    steps: readonly RolloutStep[],
): RolloutPlan | undefined {
    if (sameSplit(from, target)) return undefined;
    const share = (split: readonly CodeVersionSplit[], version: string) => split.find((e) => e.codeVersion === version)?.percentage ?? 0;

    const candidate = pickCandidate(from, target, share);
    const targetShare = share(target, candidate);
    const liveShare = share(from, candidate);
    const others = target.filter((e) => e.codeVersion !== candidate);
    const base =
        others.find((e) => share(from, e.codeVersion) > 0)?.codeVersion ??
        [...from]
            .filter((e) => e.codeVersion !== candidate)
            .sort((a, b) => b.percentage - a.percentage || compareVersionIds(a.codeVersion, b.codeVersion))[0]?.codeVersion;
    const stable = others[0]?.codeVersion ?? base;

    const planned: PlannedStep[] = [];
    const sorted = [...steps].sort((a, b) => a.percentage - b.percentage);
    for (const step of sorted) {
        if (step.percentage <= liveShare || step.percentage >= targetShare || base === undefined) continue;
        if (planned.length > 0 && planned[planned.length - 1].candidatePercentage === step.percentage) continue;
        planned.push({
            step: planned.length + 1,
            split: canonicalOrder([
                { codeVersion: base, percentage: 100 - step.percentage },
                { codeVersion: candidate, percentage: step.percentage },
            ]),
            candidatePercentage: step.percentage,
            bakeSeconds: step.bakeSeconds,
            verify: true,
        });
    }
    const final = sorted.find((s) => s.percentage === targetShare);
    planned.push({
        step: planned.length + 1,
        split: canonicalOrder(target.map((e) => ({ codeVersion: e.codeVersion, percentage: e.percentage }))),
        candidatePercentage: targetShare,
        bakeSeconds: final?.bakeSeconds ?? 0,
        verify: final !== undefined,
    });
    return { candidate, stable, steps: planned };
}

/** Which step of `plan` serves `live`: its 1-based number, 0 for the starting split, -1 for none. */
export function locate(plan: RolloutPlan, from: readonly CodeVersionSplit[], live: readonly CodeVersionSplit[]): number {
    const found = plan.steps.find((s) => sameSplit(s.split, live));
    if (found) return found.step;
    return sameSplit(from, live) ? 0 : -1;
}

function pickCandidate(
    from: readonly CodeVersionSplit[],
    target: readonly CodeVersionSplit[],
    share: (split: readonly CodeVersionSplit[], version: string) => number,
): string {
    let best: { version: string; growth: number } | undefined;
    for (const entry of target) {
        const growth = entry.percentage - share(from, entry.codeVersion);
        if (!best || growth > best.growth || (growth === best.growth && compareVersionIds(entry.codeVersion, best.version) > 0)) {
            best = { version: entry.codeVersion, growth };
        }
    }
    return best!.version;
}

/** "10% → 50% → 100%": the candidate's share at each step, for messages. */
export function describeSteps(steps: readonly PlannedStep[]): string {
    return steps.map((s) => `${s.candidatePercentage}%${s.verify && s.bakeSeconds > 0 ? ` (hold ${s.bakeSeconds} s)` : ""}`).join(" → ");
}
