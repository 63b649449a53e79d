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
import { controlFor, RolloutControl } from "./control";
import { describeSteps, planRollout } from "./plan";
import { endedNote, standing } from "./position";

interface RolloutPreview {
    /** Whether the rollout has something to do; undefined when the rollout has no say (the plain diff decides). */
    changes?: boolean;
    message?: string;
    severity?: "info" | "warning";
}

export function previewRollout(
    olds: Partial<DeploymentOutputs>,
    news: Partial<DeploymentInputs>,
    now: number,
    control: RolloutControl | undefined,
): RolloutPreview {
    const config = news.rollout;
    const target = news.codeVersions;
    if (!config || !target || containsUnknown(target) || containsUnknown(config) || containsUnknown(news.name) || containsUnknown(news.env))
        return {};
    const who = `${news.name} (${news.env})`;
    // After a refresh, `codeVersions` is what serves; the record (`rolloutState`,
    // `recordedSplit`) is the stack's own, which a refresh keeps.
    const live = olds.codeVersions;
    if (!live) return {};
    const when = (ms: number) => `${new Date(ms).toISOString()} (in ${Math.max(0, Math.ceil((ms - now) / 1000))} s)`;
    const gates = config.gates.length > 0 ? `gates ${config.gates.map((g) => g.name).join(", ")}` : "no gates";
    const found = standing({ prev: olds.rolloutState, recorded: olds.recordedSplit ?? live, live, target, config, control });

    switch (found.kind) {
        case "at-target":
            return {};
        case "ended": {
            const { prev } = found;
            if (found.restore) {
                return {
                    changes: true,
                    severity: "warning",
                    message: `${who}: ${prev.failedCandidate} failed its gates but still serves: the next \`up\` restores ${formatSplit(prev.from)}; ${endedNote(prev, prev.from)}`,
                };
            }
            return {
                changes: false,
                severity: "warning",
                message: `${who}: ${endedNote(prev, live)}${prev.message ? ` (${prev.message})` : ""}`,
            };
        }
        case "stop": {
            const { prev } = found;
            const what = found.backToStart
                ? `${formatSplit(live)}, the split from before the rollout, serves again (rolled back elsewhere, or by a run that did not finish)`
                : `${formatSplit(live)} serves, changed elsewhere`;
            return {
                changes: true,
                severity: "warning",
                message: `${who}: the rollout of ${prev.candidate} set ${formatSplit(prev.split)}, but ${what}: the next \`up\` stops the rollout and leaves ${formatSplit(live)} in place.`,
            };
        }
        case "continue": {
            const { prev } = found;
            const act = controlFor(control, prev.candidate);
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
        case "resume":
        case "start": {
            const { plan, from } = found;
            const act = controlFor(control, plan.candidate);
            if (act) {
                return {
                    changes: true,
                    message: `${who}: esa:rolloutAction ${act.verb}:${plan.candidate}: the next \`up\` deploys ${formatSplit(act.verb === "promote" ? target : from)} at once.`,
                };
            }
            if (found.kind === "resume" && found.held) {
                const above = plan.steps.filter((s) => s.candidatePercentage > share(live, plan.candidate));
                return {
                    changes: true,
                    severity: "warning",
                    message:
                        `${who}: ${formatSplit(live)} serves, on the way of the rollout of ${plan.candidate} from ${formatSplit(from)} but none of its steps ` +
                        `(set by a run that did not finish, or elsewhere): the next \`up\` holds it and runs ${gates}` +
                        `${above.length > 0 ? `, then ${describeSteps(above)}` : ""}; a failed gate restores ${formatSplit(from)}.`,
                };
            }
            if (found.kind === "resume" && found.cause !== "superseded" && found.step >= 1) {
                const step = plan.steps[found.step - 1];
                const rest = plan.steps.slice(found.step);
                const afterwards =
                    rest.length === 0
                        ? ""
                        : `, then ${describeSteps(rest)}${config.mode === "continuous" ? " within the same `up`" : ", one step per `up`"}`;
                const held = `holds it again${step.verify && step.bakeSeconds > 0 ? ` for ${step.bakeSeconds} s` : ""}`;
                const next =
                    config.mode === "continuous" || found.cause === "ahead"
                        ? `the next \`up\` ${held}, runs ${gates}${afterwards}`
                        : `the next \`up\` records it and ${held}; the first \`up\` after that runs ${gates}${afterwards}`;
                return {
                    changes: true,
                    severity: "warning",
                    message:
                        `${who}: ${formatSplit(live)} is step ${found.step}/${plan.steps.length} of the rollout of ${plan.candidate} from ${formatSplit(from)}, ` +
                        `set by a run that did not finish: ${next}; a failed gate restores ${formatSplit(from)}.`,
                };
            }
            const how =
                config.mode === "continuous"
                    ? "all within the next `up`"
                    : `one step per \`up\`: the next moves to ${plan.steps[0].candidatePercentage}%, each later one moves on once the step's hold has passed`;
            // What serves is not where the walk starts: a version the stack never recorded serves.
            const notLive = sameSplit(from, live)
                ? ""
                : ` (${formatSplit(live)} serves now, with a version this stack never recorded: the first step replaces it, and a failure restores ${formatSplit(from)})`;
            return {
                changes: true,
                ...(notLive ? { severity: "warning" as const } : {}),
                message: `${who}: rollout of ${plan.candidate} from ${formatSplit(from)}${notLive}: ${describeSteps(plan.steps)}, ${gates} after each hold; ${how}.`,
            };
        }
    }
}

function share(split: readonly { codeVersion: string; percentage: number }[], version: string): number {
    return split.find((e) => e.codeVersion === version)?.percentage ?? 0;
}
