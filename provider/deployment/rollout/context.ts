/**
 * What a walk works with (a fresh read of what serves, one deployment at a time, the
 * gates, a clock), how it fails carrying the resource's state, and its safe points: the
 * places where it stops, changing nothing, when the engine that started it is gone.
 */
import { StopRequested, stopRequested } from "../../engine/cancel";
import { EngineGone } from "../../engine/liveness";
import type { Logger } from "../../engine/log";
import type { Clock } from "../../esa/clock";
import type { DeploymentInputs, DeploymentOutputs, LiveDeployment } from "../types";
import type { RolloutControl } from "./control";
import type { GateEnvironment, GateRunner } from "./gates";

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
    control?: RolloutControl;
    /** The resource's id, for the partial state a failure carries. */
    id: string;
    /**
     * Whether the engine that started the run is gone (a killed CLI leaves the plugin
     * running): asked at each safe point, where the walk then stops, changing nothing.
     */
    engineGone?: () => Promise<boolean>;
    /** Why the engine asked the run to stop (Cancel, a deadline), if it did; default: as the native plugin tells (`../../engine/cancel`). */
    stopRequested?: () => string | undefined;
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

/**
 * A safe point: stop here, changing nothing, if the engine asked the run to stop (the walk
 * then records where it stands) or if the engine that started the run is gone.
 */
export async function checkpoint(ctx: RolloutContext, at: string): Promise<void> {
    stopIfAsked(ctx, at);
    if (ctx.engineGone && (await ctx.engineGone())) throw new EngineGone(at);
}

/**
 * Stop here if the engine asked the run to stop (Cancel, a deadline). Unlike `checkpoint`,
 * an engine that is gone does not stop the walk here: after the gates, a failed gate's
 * rollback runs engine or not.
 */
export function stopIfAsked(ctx: RolloutContext, at: string): void {
    const why = (ctx.stopRequested ?? stopRequested)();
    if (why) throw new StopRequested(at, why);
}

/** A step's hold, in slices, so that a walk whose engine is gone stops during it. */
export async function hold(ctx: RolloutContext, until: number, at: string): Promise<void> {
    for (;;) {
        await checkpoint(ctx, at);
        const left = until - ctx.clock.now();
        if (left <= 0) return;
        await ctx.clock.sleep(Math.min(left, HOLD_SLICE_MS));
    }
}
