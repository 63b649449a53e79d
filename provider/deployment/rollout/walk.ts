/**
 * Walks a rollout (README: Progressive rollout) inside `create`/`update`: from the split live now to the
 * declared one, step by step, each step held for its bake time and then gated; a failed
 * gate restores the split that was live before the rollout.
 *
 * Everything the next `pulumi up` needs is in the `rolloutState` output, so no version
 * id passes between runs, and the facts found live decide what happens:
 * - the recorded rollout's last split is live: carry on (stepwise: once its hold is over);
 * - another split is live during a recorded rollout: someone changed it elsewhere, so the
 *   rollout stops and says so, without overwriting that change;
 * - a split of this rollout's walk is live but the state does not know it (the run that
 *   set it was killed): resume from that step, holding it again in full;
 * - the recorded rollout to this very target failed, was aborted or stopped: it is not
 *   started again unless `rollout.retry` changes (or `promote:<candidate>` ships it).
 *
 * Whatever fails once traffic has moved, the error carries the resource's state (what is
 * live, where the rollout stands), so the stack never loses track of what serves.
 */
import { StopRequested } from "../../engine/cancel";
import { formatSplit, sameSplit } from "../split";
import type { CodeVersionSplit, DeploymentInputs, DeploymentOutputs } from "../types";
import { controlFor } from "./control";
import { checkpoint, hold, RolloutContext, RolloutHalted, stopIfAsked } from "./context";
import { abort, changedElsewhere, guarded, rollBack, settleEnded, stoppedAt } from "./endings";
import { runGates } from "./gates";
import type { PlannedStep } from "./plan";
import { standing } from "./position";
import { continueRecorded, iso, Position, positionAt, resumed, share, withRecordedSplit } from "./record";
import type { RolloutState } from "./types";

export { RolloutHalted };
export type { RolloutContext };

export async function runRollout(
    ctx: RolloutContext,
    olds: Partial<DeploymentOutputs>,
    news: DeploymentInputs,
): Promise<DeploymentOutputs> {
    // The engine takes outputs as a protobuf Struct, which has no `undefined`.
    try {
        return JSON.parse(JSON.stringify(withRecordedSplit(await walk(ctx, olds, news))));
    } catch (error) {
        if (error instanceof RolloutHalted) error.properties = withRecordedSplit(error.properties);
        throw error;
    }
}

async function walk(ctx: RolloutContext, olds: Partial<DeploymentOutputs>, news: DeploymentInputs): Promise<DeploymentOutputs> {
    const config = news.rollout!;
    const { name, env } = news;
    const target = news.codeVersions;
    const prev = olds.rolloutState;
    const now = () => ctx.clock.now();
    const live = await ctx.readLive(name, env);
    /** When the walk last read what serves (a read after a step's hold has ended needs no second one). */
    let readAt = now();

    // Nothing deployed yet: there is no traffic to walk from.
    if (!live) {
        await checkpoint(ctx, `before deploying ${formatSplit(target)}`);
        const outputs = await ctx.apply(news);
        ctx.log(
            "info",
            `${name} (${env}): nothing was deployed, so ${formatSplit(target)} went live at once (a rollout walks from a live split).`,
        );
        return { ...outputs, rolloutState: prev };
    }

    const found = standing({
        prev,
        recorded: olds.recordedSplit ?? olds.codeVersions,
        live: live.codeVersions,
        target,
        config,
        control: ctx.control,
    });
    const recordedInFlight = found.kind === "continue" || (found.kind === "resume" && found.cause === "ahead");
    let position: Position;
    switch (found.kind) {
        case "at-target":
            ctx.log("info", `${name} (${env}) already serves ${formatSplit(target)}: nothing to roll out.`);
            return { ...news, deploymentId: live.deploymentId, rolloutState: prev };
        case "ended":
            return settleEnded(ctx, news, live, found.prev, found.restore);
        case "stop":
            throw changedElsewhere(ctx, news, live, found.prev, found.backToStart);
        case "continue":
            position = continueRecorded(found.prev, config, live.codeVersions);
            break;
        case "resume":
            position = resumed(ctx, news, found, live.codeVersions);
            break;
        case "start":
            position = positionAt(found.from, found.plan, 0, now());
            break;
    }

    const state = (status: RolloutState["status"], split: CodeVersionSplit[], extra: Partial<RolloutState> = {}): RolloutState => ({
        status,
        candidate: position.candidate,
        ...(position.stable !== undefined ? { stable: position.stable } : {}),
        from: position.from,
        target,
        step: position.current ? position.current.step : position.base,
        steps: position.total,
        split,
        since: new Date(position.since).toISOString(),
        ...(position.current?.verify && status === "in-progress"
            ? { nextAt: new Date(position.since + position.current.bakeSeconds * 1000).toISOString() }
            : {}),
        mode: config.mode,
        gates: position.gates,
        history: position.history,
        ...(config.retry !== undefined ? { retry: config.retry } : {}),
        ...extra,
    });

    // The emergency controls, when they name this rollout's candidate.
    const control = controlFor(ctx.control, position.candidate);
    if (control?.verb === "abort") return abort(ctx, news, live, position, state);
    if (control?.verb === "promote") {
        ctx.log(
            "info",
            `${name} (${env}): esa:rolloutAction promote:${position.candidate}: ${formatSplit(target)} now, remaining steps and gates skipped.`,
        );
        await checkpoint(ctx, `before deploying ${formatSplit(target)} (promote)`);
        const outputs = await guarded(
            ctx,
            news,
            live,
            () => ctx.apply(news),
            () => state("in-progress", live.codeVersions),
        );
        position.current = undefined;
        position.base = position.total;
        return {
            ...outputs,
            rolloutState: state("succeeded", target, { action: "promote", message: `promoted by esa:rolloutAction at ${iso(now())}` }),
        };
    }

    let split = live.codeVersions;
    let deploymentId = live.deploymentId;
    let moved = false;
    try {
        return await steps();
    } catch (error) {
        // Asked to stop at a safe point (Cancel, a deadline): record what serves and where
        // the rollout stands; the next `up` goes on from there as after an interruption.
        if (error instanceof StopRequested) throw stoppedAt(ctx, news, { deploymentId, split }, state("in-progress", split), error);
        throw error;
    }

    async function steps(): Promise<DeploymentOutputs> {
        for (;;) {
            const current = position.current;
            if (current?.verify) {
                const holdEnds = position.since + current.bakeSeconds * 1000;
                // Stepwise, a step's gates run only in a run whose state records this rollout in
                // flight: a rollback there is then never one the next run cannot know of.
                if (config.mode === "stepwise" && (moved || !recordedInFlight || now() < holdEnds)) {
                    if (!moved)
                        ctx.log(
                            "info",
                            `${name} (${env}): step ${current.step}/${position.total} holds until ${iso(holdEnds)}; nothing to do before then.`,
                        );
                    return { ...news, codeVersions: split, deploymentId, rolloutState: state("in-progress", split) };
                }
                await hold(ctx, holdEnds, `during the hold of step ${current.step}/${position.total}`);
                const gatesStart = now();
                const record = position.history.find((h) => h.step === current.step);
                if (record) record.bakedMs = gatesStart - position.since;
                // Before judging the step: is its split still what serves? (A stepwise run read it
                // at its start, after the hold had ended: that read answers.)
                const seen =
                    readAt >= holdEnds && !moved
                        ? live
                        : await guarded(
                              ctx,
                              news,
                              { deploymentId, codeVersions: split, strategy: news.strategy },
                              () => ctx.readLive(name, env),
                              () => state("in-progress", split),
                          );
                readAt = now();
                if (!seen || !sameSplit(seen.codeVersions, split)) {
                    throw changedElsewhere(
                        ctx,
                        news,
                        seen ?? { deploymentId, strategy: news.strategy, codeVersions: [] },
                        state("in-progress", split),
                    );
                }
                const results = await (ctx.runGates ?? runGates)(config.gates, facts(news, position, current), ctx.gates);
                // Asked to stop while the gates ran (a gate then ends at once): their verdict does
                // not count, and no rollback follows a Ctrl-C; the next `up` gates the step again.
                stopIfAsked(ctx, `during the gates of step ${current.step}/${position.total}`);
                position.gates = results;
                // A failed gate's rollback is never skipped (it takes the failing candidate off
                // traffic, engine or not); anything else waits for an engine to record it.
                const failed = results.filter((r) => !r.passed);
                if (failed.length > 0) return rollBack(ctx, news, { deploymentId, split }, position, current, failed, state);
                if (config.gates.length > 0) {
                    ctx.log(
                        "info",
                        `${name} (${env}): step ${current.step}/${position.total} passed its gates (${results.map((r) => r.gate).join(", ")}).`,
                    );
                }
            }
            const next = position.remaining.shift();
            if (!next) {
                ctx.log("info", `${name} (${env}): rollout of ${position.candidate} done: ${formatSplit(target)} serves.`);
                return { ...news, codeVersions: split, deploymentId, rolloutState: state("succeeded", split, { nextAt: undefined }) };
            }
            if (config.mode === "stepwise" && moved) {
                return { ...news, codeVersions: split, deploymentId, rolloutState: state("in-progress", split) };
            }
            await checkpoint(ctx, `before step ${next.step}/${position.total}`);
            const before = state("in-progress", split);
            const outputs = await guarded(
                ctx,
                news,
                { deploymentId, codeVersions: split, strategy: news.strategy },
                () => ctx.apply({ ...news, codeVersions: next.split }),
                () => before,
            );
            split = next.split;
            deploymentId = outputs.deploymentId;
            moved = true;
            position.current = next;
            position.since = now();
            position.history.push({
                step: next.step,
                candidatePercentage: next.candidatePercentage,
                setAt: iso(position.since),
                bakeSeconds: next.verify ? next.bakeSeconds : 0,
            });
            ctx.log(
                "info",
                `${name} (${env}): rollout step ${next.step}/${position.total}: ${position.candidate} at ${next.candidatePercentage}% (${formatSplit(next.split)})` +
                    (next.verify ? `, held ${next.bakeSeconds} s${config.gates.length > 0 ? ", then gated" : ""}.` : "."),
            );
            if (next.step === position.total && !next.verify) {
                ctx.log("info", `${name} (${env}): rollout of ${position.candidate} done: ${formatSplit(target)} serves.`);
                return { ...news, codeVersions: split, deploymentId, rolloutState: state("succeeded", split) };
            }
        }
    }
}

function facts(news: DeploymentInputs, position: Position, step: PlannedStep) {
    const stablePercentage = position.stable ? share(step.split, position.stable) : 100 - step.candidatePercentage;
    return {
        routine: news.name,
        env: news.env,
        step: step.step,
        steps: position.total,
        candidate: position.candidate,
        stable: position.stable,
        candidatePercentage: step.candidatePercentage,
        stablePercentage,
        split: step.split,
    };
}
