/**
 * Walks a rollout (SPEC §10) inside `create`/`update`: from the split live now to the
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
import { EngineGone } from "../../engine/liveness";
import type { Logger } from "../../engine/log";
import type { Clock } from "../../esa/retry";
import { formatSplit, sameSplit } from "../split";
import type { CodeVersionSplit, DeploymentInputs, DeploymentOutputs, LiveDeployment } from "../types";
import { actionFor, RolloutAction } from "./action";
import { GateEnvironment, GateRunner, runGates } from "./gates";
import { locate, PlannedStep, planRollout, RolloutPlan } from "./plan";
import { endedNote, ResumeCause, Standing, standing } from "./position";
import type { GateResult, RolloutConfig, RolloutState } from "./types";

/** How often a hold looks whether the engine is still there. */
const HOLD_SLICE_MS = 5_000;

export interface RolloutContext {
    /** A fresh read of what the environment serves (never a shared, older answer). */
    readLive(name: string, env: string): Promise<LiveDeployment | undefined>;
    /** One deployment of a split, as a plain update makes it (adoption, read-after-write guard). */
    apply(inputs: DeploymentInputs): Promise<DeploymentOutputs>;
    gates: GateEnvironment;
    /** Runs a step's gates; default: each gate as declared (HTTP probes, commands). */
    runGates?: GateRunner;
    clock: Clock;
    log: Logger;
    /** `esa:rolloutAction`, already parsed. */
    action?: RolloutAction;
    /** The resource's id, for the partial state a failure carries. */
    id: string;
    /**
     * Whether the engine that started the run is gone (a killed CLI leaves the plugin
     * running): asked at each safe point, where the walk then stops, changing nothing.
     */
    engineGone?: () => Promise<boolean>;
}

/**
 * A rollout that ended in failure after something changed (or was found changed): the
 * engine records `properties` as the resource's new state and fails the `up` with the
 * message (the dynamic provider's "initialization failure").
 */
export class RolloutHalted extends Error {
    readonly reasons: string[];
    /** Made recordable for the engine (loader kept, no `undefined`) by `keepingPartialState`. */
    properties: Record<string, unknown>;
    constructor(
        message: string,
        readonly id: string,
        properties: Record<string, unknown>,
    ) {
        super(message);
        this.name = "RolloutHalted";
        this.reasons = [message];
        this.properties = properties;
    }
}

/** Where a walk stands: the split live (if it is a step) and the steps still to go. */
interface Position {
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

/**
 * What a finished run records as the split it left serving (`recordedSplit`), beside
 * `codeVersions`, which a refresh overwrites with what is live.
 */
function withRecordedSplit<T extends Record<string, unknown> | DeploymentOutputs>(outputs: T): T {
    const split = (outputs as Partial<DeploymentOutputs>).codeVersions;
    return split === undefined ? outputs : { ...outputs, recordedSplit: split };
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
        action: ctx.action,
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
    const action = actionFor(ctx.action, position.candidate);
    if (action?.verb === "abort") return abort(ctx, news, live, position, state);
    if (action?.verb === "promote") {
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

/** The recorded rollout goes on from its last step. */
function continueRecorded(prev: RolloutState, config: RolloutConfig, live: CodeVersionSplit[]): Position {
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
function resumed(
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
    const position = positionAt(from, { ...plan, steps: [held, ...remaining] }, 1, ctx.clock.now());
    return position;
}

function positionAt(from: CodeVersionSplit[], plan: RolloutPlan, k: number, since: number): Position {
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

/** A failed gate: back to the split live before the rollout, then fail the `up` saying why. */
async function rollBack(
    ctx: RolloutContext,
    news: DeploymentInputs,
    at: { deploymentId: string; split: CodeVersionSplit[] },
    position: Position,
    step: PlannedStep,
    failed: GateResult[],
    state: (status: RolloutState["status"], split: CodeVersionSplit[], extra?: Partial<RolloutState>) => RolloutState,
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
async function abort(
    ctx: RolloutContext,
    news: DeploymentInputs,
    live: LiveDeployment,
    position: Position,
    state: (status: RolloutState["status"], split: CodeVersionSplit[], extra?: Partial<RolloutState>) => RolloutState,
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
async function settleEnded(
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
function changedElsewhere(
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
async function guarded<T>(
    ctx: RolloutContext,
    news: DeploymentInputs,
    last: LiveDeployment,
    operation: () => Promise<T>,
    state: () => RolloutState,
): Promise<T> {
    try {
        return await operation();
    } catch (error) {
        if (error instanceof RolloutHalted || error instanceof EngineGone) throw error;
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

function share(split: readonly CodeVersionSplit[], version: string): number {
    return split.find((e) => e.codeVersion === version)?.percentage ?? 0;
}

function iso(ms: number): string {
    return new Date(ms).toISOString();
}

/** A safe point: stop here, changing nothing, if the engine that started the run is gone. */
async function checkpoint(ctx: RolloutContext, at: string): Promise<void> {
    if (ctx.engineGone && (await ctx.engineGone())) throw new EngineGone(at);
}

/** A step's hold, in slices, so that a walk whose engine is gone stops during it. */
async function hold(ctx: RolloutContext, until: number, at: string): Promise<void> {
    for (;;) {
        await checkpoint(ctx, at);
        const left = until - ctx.clock.now();
        if (left <= 0) return;
        await ctx.clock.sleep(Math.min(left, HOLD_SLICE_MS));
    }
}
