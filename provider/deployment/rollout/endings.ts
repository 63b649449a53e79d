/**
 * How a walk ends other than at its target: a failed gate's rollback, the abort control,
 * a rollout of this target that had already ended, a split changed elsewhere, and any ESA
 * failure once traffic has moved. Each records what is live and where the rollout stands.
 */
import { StopRequested } from "../../engine/cancel";
import { EngineGone } from "../../engine/liveness";
import { formatSplit, sameSplit } from "../split";
import type { CodeVersionSplit, DeploymentInputs, DeploymentOutputs, LiveDeployment } from "../types";
import { checkpoint, RolloutContext, RolloutHalted } from "./context";
import type { PlannedStep } from "./plan";
import { endedNote } from "./position";
import { iso, Position, StateOf } from "./record";
import type { GateResult, RolloutState } from "./types";

/** A failed gate: back to the split live before the rollout, then fail the `up` saying why. */
export async function rollBack(
    ctx: RolloutContext,
    news: DeploymentInputs,
    at: { deploymentId: string; split: CodeVersionSplit[] },
    position: Position,
    step: PlannedStep,
    failed: GateResult[],
    state: StateOf,
): Promise<never> {
    const { name, env } = news;
    const saw = failed.map((r) => `gate "${r.gate}" failed: ${r.detail}`).join("; ");
    const where = `step ${step.step}/${position.total} (${position.candidate} at ${step.candidatePercentage}%)`;
    try {
        const restored = await ctx.apply({ ...news, codeVersions: position.from });
        const message =
            `Rollout of ${position.candidate} to routine "${name}" (${env}) failed at ${where}: ${saw}. ` +
            `Restored ${formatSplit(position.from)} (deployment ${restored.deploymentId}). The next \`pulumi up\` does not start this rollout again: ` +
            `change rollout.retry to try it again, declare another candidate, or set esa:rolloutAction to promote:${position.candidate} to ship it anyway.`;
        ctx.log("warning", message);
        throw new RolloutHalted(message, ctx.id, {
            ...news,
            codeVersions: position.from,
            deploymentId: restored.deploymentId,
            rolloutState: state("failed", position.from, {
                failedCandidate: position.candidate,
                message,
                nextAt: undefined,
                step: step.step,
            }),
        });
    } catch (error) {
        if (error instanceof RolloutHalted) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        const message =
            `Rollout of ${position.candidate} to routine "${name}" (${env}) failed at ${where}: ${saw}. Restoring ${formatSplit(position.from)} failed too: ${reason} ` +
            `${formatSplit(at.split)} may still serve: run \`pulumi up\` again, which restores it first.`;
        throw new RolloutHalted(message, ctx.id, {
            ...news,
            codeVersions: at.split,
            deploymentId: at.deploymentId,
            rolloutState: state("failed", at.split, { failedCandidate: position.candidate, message, nextAt: undefined }),
        });
    }
}

/** esa:rolloutAction abort: the split from before the rollout, as the new recorded truth. */
export async function abort(
    ctx: RolloutContext,
    news: DeploymentInputs,
    live: LiveDeployment,
    position: Position,
    state: StateOf,
): Promise<DeploymentOutputs> {
    const { name, env } = news;
    if (!sameSplit(live.codeVersions, position.from)) await checkpoint(ctx, `before deploying ${formatSplit(position.from)} (abort)`);
    const outputs = sameSplit(live.codeVersions, position.from)
        ? { ...news, codeVersions: live.codeVersions, deploymentId: live.deploymentId }
        : await guarded(
              ctx,
              news,
              live,
              () => ctx.apply({ ...news, codeVersions: position.from }),
              () => state("in-progress", live.codeVersions),
          );
    const message =
        `aborted by esa:rolloutAction at ${iso(ctx.clock.now())}: ${formatSplit(position.from)} serves. ` +
        `Not started again: change rollout.retry (and remove esa:rolloutAction) to try ${position.candidate} again.`;
    ctx.log("warning", `${name} (${env}): rollout of ${position.candidate} ${message}`);
    return {
        ...outputs,
        ...news,
        codeVersions: position.from,
        deploymentId: outputs.deploymentId,
        rolloutState: state("aborted", position.from, { action: "abort", failedCandidate: position.candidate, message, nextAt: undefined }),
    };
}

/** A rollout of this target ended (failed, aborted, stopped): record what is live, restoring first if a failed candidate still serves. */
export async function settleEnded(
    ctx: RolloutContext,
    news: DeploymentInputs,
    live: LiveDeployment,
    prev: RolloutState,
    restore: boolean,
): Promise<DeploymentOutputs> {
    const { name, env } = news;
    let outputs: DeploymentOutputs = { ...news, codeVersions: live.codeVersions, deploymentId: live.deploymentId };
    let split = live.codeVersions;
    if (restore) {
        ctx.log(
            "warning",
            `${name} (${env}): ${prev.failedCandidate} failed its gates but still serves (${formatSplit(live.codeVersions)}): restoring ${formatSplit(prev.from)}.`,
        );
        outputs = await ctx.apply({ ...news, codeVersions: prev.from });
        split = prev.from;
    }
    ctx.log("warning", `${name} (${env}): ${endedNote(prev, split)}`);
    return { ...outputs, codeVersions: split, rolloutState: { ...prev, split } };
}

/**
 * Someone changed the split during the rollout: stop, record what is live, and say so.
 * `backToStart`: what serves is the split from before the rollout (a rollback made
 * elsewhere, or one a killed run made without the engine recording it).
 */
export function changedElsewhere(
    ctx: RolloutContext,
    news: DeploymentInputs,
    live: LiveDeployment,
    prev: RolloutState,
    backToStart = sameSplit(live.codeVersions, prev.from),
): RolloutHalted {
    const serves = `${formatSplit(live.codeVersions)} serves${live.deploymentId ? ` (deployment ${live.deploymentId})` : ""}`;
    const message =
        (backToStart
            ? `The split of routine "${news.name}" (${news.env}) is back to where the rollout of ${prev.candidate} started: it set ${formatSplit(prev.split)}, ` +
              `but ${serves}, rolled back elsewhere or by a run that did not finish. The rollout stopped and ${prev.candidate} does not serve. `
            : `The split of routine "${news.name}" (${news.env}) was changed elsewhere during the rollout of ${prev.candidate}: ` +
              `it set ${formatSplit(prev.split)}, but ${serves}. The rollout stopped and left that change in place. `) +
        `To go on, change rollout.retry (the rollout then walks from what serves) or declare another split.`;
    return new RolloutHalted(message, ctx.id, {
        ...news,
        codeVersions: live.codeVersions,
        deploymentId: live.deploymentId,
        rolloutState: { ...prev, status: "stopped", failedCandidate: prev.candidate, message, nextAt: undefined },
    });
}

/**
 * Runs one ESA operation of the walk; if it fails, the error carries the state as it
 * stood before it (what `last` says is live), so the stack keeps what serves and a
 * re-run goes on from there.
 */
export async function guarded<T>(
    ctx: RolloutContext,
    news: DeploymentInputs,
    last: LiveDeployment,
    operation: () => Promise<T>,
    state: () => RolloutState,
): Promise<T> {
    try {
        return await operation();
    } catch (error) {
        if (error instanceof RolloutHalted || error instanceof EngineGone || error instanceof StopRequested) throw error;
        const message = error instanceof Error ? error.message : String(error);
        // A deployment ESA accepted but could not confirm carries its own state: keep it.
        const landed = (error as any)?.properties as DeploymentOutputs | undefined;
        const split = landed?.codeVersions ?? last.codeVersions;
        throw new RolloutHalted(`${message} The rollout stopped here; \`pulumi up\` goes on from what serves.`, ctx.id, {
            ...news,
            codeVersions: split,
            deploymentId: landed?.deploymentId ?? last.deploymentId,
            rolloutState: { ...state(), split },
        });
    }
}

/**
 * The walk stopped at a safe point because the engine asked (Cancel, a deadline): the `up`
 * fails saying so, and the state records what serves and where the rollout stands, still
 * in progress, so that the next `up` goes on from there.
 */
export function stoppedAt(
    ctx: RolloutContext,
    news: DeploymentInputs,
    at: { deploymentId: string; split: CodeVersionSplit[] },
    state: RolloutState,
    stop: StopRequested,
): RolloutHalted {
    const message =
        `Rollout of ${state.candidate} to routine "${news.name}" (${news.env}) stopped ${stop.at}: ${stop.why}. ` +
        `${formatSplit(at.split)} serves (step ${state.step}/${state.steps}). The next \`pulumi up\` goes on from there.`;
    return new RolloutHalted(message, ctx.id, { ...news, codeVersions: at.split, deploymentId: at.deploymentId, rolloutState: state });
}
