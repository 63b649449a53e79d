/**
 * What the next `pulumi up` will do with a rollout, decided at `diff` time from the
 * stack's state alone (no API call: a preview stays fast and offline). The engine shows
 * only property diffs, so the steps to come are told in an engine message, and the
 * answer says whether there is anything to do at all: a stepwise rollout whose step is
 * still holding, or a rollout that failed and waits for a retry, is no change.
 */
import { containsUnknown } from "../../engine/unknowns";
import { formatSplit, sameSplit } from "../split";
import type { DeploymentInputs, DeploymentOutputs } from "../types";
import { actionFor, RolloutAction } from "./action";
import { describeSteps, planRollout } from "./plan";

export interface RolloutPreview {
    /** Whether the rollout has something to do; undefined when the rollout has no say (the plain diff decides). */
    changes?: boolean;
    message?: string;
    severity?: "info" | "warning";
}

export function previewRollout(
    olds: Partial<DeploymentOutputs>,
    news: Partial<DeploymentInputs>,
    now: number,
    action: RolloutAction | undefined,
): RolloutPreview {
    const config = news.rollout;
    const target = news.codeVersions;
    if (!config || !target || containsUnknown(target) || containsUnknown(config) || containsUnknown(news.name) || containsUnknown(news.env))
        return {};
    const who = `${news.name} (${news.env})`;
    const live = olds.codeVersions;
    const prev = olds.rolloutState;
    const sameTarget = prev !== undefined && sameSplit(prev.target, target);
    const when = (ms: number) => `${new Date(ms).toISOString()} (in ${Math.max(0, Math.ceil((ms - now) / 1000))} s)`;
    const gates = config.gates.length > 0 ? `gates ${config.gates.map((g) => g.name).join(", ")}` : "no gates";

    if (prev && sameTarget && prev.status !== "in-progress" && prev.status !== "succeeded") {
        const promote = actionFor(action, prev.candidate)?.verb === "promote";
        const retried = (prev.retry ?? "") !== (config.retry ?? "");
        if (promote)
            return {
                changes: true,
                message: `${who}: esa:rolloutAction promote:${prev.candidate}: the next \`up\` deploys ${formatSplit(target)} at once.`,
            };
        if (retried)
            return {
                changes: true,
                message: `${who}: rollout.retry changed: the next \`up\` starts the rollout of ${prev.candidate} again.`,
            };
        const restore =
            prev.status === "failed" && live && !sameSplit(live, prev.from) && live.some((e) => e.codeVersion === prev.failedCandidate);
        return {
            changes: restore ? true : false,
            severity: "warning",
            message:
                `${who}: the rollout of ${prev.candidate} ${prev.status === "stopped" ? "was stopped" : prev.status}${prev.message ? ` (${prev.message})` : ""}; ` +
                (restore ? `the next \`up\` restores ${formatSplit(prev.from)} and ` : "") +
                `it is not started again: change rollout.retry, or declare another candidate.`,
        };
    }

    if (prev && sameTarget && prev.status === "in-progress") {
        const act = actionFor(action, prev.candidate);
        if (act) {
            const split = act.verb === "promote" ? target : prev.from;
            return {
                changes: true,
                message: `${who}: esa:rolloutAction ${act.verb}:${prev.candidate}: the next \`up\` deploys ${formatSplit(split)} at once and ends the rollout.`,
            };
        }
        const plan = planRollout(prev.from, target, config.steps);
        const next = plan?.steps.find((s) => s.step === prev.step + 1);
        const holdEnds = prev.nextAt ? Date.parse(prev.nextAt) : now;
        const then = next
            ? `move ${prev.candidate} to ${next.candidatePercentage}% (step ${next.step}/${plan!.steps.length})`
            : `complete the rollout`;
        if (config.mode === "stepwise" && now < holdEnds) {
            return {
                changes: false,
                message: `${who}: rollout step ${prev.step}/${prev.steps} (${prev.candidate} at ${share(prev.split, prev.candidate)}%) holds until ${when(holdEnds)}; the first \`up\` from then runs ${gates} and, if they pass, will ${then}.`,
            };
        }
        return {
            changes: true,
            message: `${who}: the next \`up\` runs ${gates} for step ${prev.step}/${prev.steps}, then will ${then}${config.mode === "continuous" ? " and walk on" : ""}.`,
        };
    }

    if (!live || sameSplit(live, target)) return {};
    const plan = planRollout(live, target, config.steps);
    if (!plan) return {};
    const act = actionFor(action, plan.candidate);
    if (act) {
        return {
            changes: true,
            message: `${who}: esa:rolloutAction ${act.verb}:${plan.candidate}: the next \`up\` deploys ${formatSplit(act.verb === "promote" ? target : live)} at once.`,
        };
    }
    const how =
        config.mode === "continuous"
            ? "all within the next `up`"
            : `one step per \`up\`: the next moves to ${plan.steps[0].candidatePercentage}%, each later one moves on once the step's hold has passed`;
    return {
        changes: true,
        message: `${who}: rollout of ${plan.candidate} from ${formatSplit(live)}: ${describeSteps(plan.steps)}, ${gates} after each hold; ${how}.`,
    };
}

function share(split: readonly { codeVersion: string; percentage: number }[], version: string): number {
    return split.find((e) => e.codeVersion === version)?.percentage ?? 0;
}
