/**
 * Stop requests for the operations in flight: the engine's Cancel (a Ctrl-C on
 * `pulumi up`) and an operation's own deadline (`customTimeouts`). Only the native plugin
 * receives either; the dynamic-provider plugin answers Cancel with nothing.
 *
 * A request reaches only the operations running when it came: the engine also sends
 * Cancel at every normal shutdown, when nothing runs, and that must change nothing.
 * A walking rollout asks at its safe points (before each deployment, every few seconds
 * of a hold, after its gates), and stops there, recording what serves and where it stands.
 */
import { AsyncLocalStorage } from "async_hooks";

interface Operation {
    /** Why the engine asked it to stop, once it has. */
    stop?: string;
    /** Aborted when it is asked to stop, so that waits (a gate) end at once. */
    controller: AbortController;
    /** When its `customTimeouts` run out (ms since the epoch), if set. */
    deadline?: number;
    timeoutSeconds?: number;
}

const current = new AsyncLocalStorage<Operation>();
const inFlight = new Set<Operation>();

/** Runs one engine operation, stoppable by `cancelInFlight` and by its deadline (seconds; 0 or none: no deadline). */
export async function stoppable<T>(timeoutSeconds: number | undefined, work: () => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const operation: Operation =
        timeoutSeconds !== undefined && timeoutSeconds > 0
            ? { controller, deadline: Date.now() + timeoutSeconds * 1000, timeoutSeconds }
            : { controller };
    const timer = operation.deadline !== undefined ? setTimeout(() => controller.abort(), timeoutSeconds! * 1000) : undefined;
    timer?.unref();
    inFlight.add(operation);
    try {
        return await current.run(operation, work);
    } finally {
        clearTimeout(timer);
        inFlight.delete(operation);
    }
}

/** The engine's Cancel: every operation in flight stops at its next safe point. Returns how many there were. */
export function cancelInFlight(): number {
    for (const operation of inFlight) {
        operation.stop ??= "the run was cancelled (Ctrl-C or `pulumi cancel`)";
        operation.controller.abort();
    }
    return inFlight.size;
}

/** The current operation's stop signal (none outside the native plugin's operations). */
export function stopSignal(): AbortSignal | undefined {
    return current.getStore()?.controller.signal;
}

/** How many operations are in flight. */
export function operationsInFlight(): number {
    return inFlight.size;
}

/** Why the current operation must stop now, if it must. */
export function stopRequested(now = Date.now()): string | undefined {
    const operation = current.getStore();
    if (!operation) return undefined;
    if (operation.stop) return operation.stop;
    if (operation.deadline !== undefined && now >= operation.deadline) return `its customTimeouts (${operation.timeoutSeconds} s) ran out`;
    return undefined;
}

/** A walk stopped at a safe point because the engine asked (see `stopRequested`). */
export class StopRequested extends Error {
    constructor(
        readonly at: string,
        readonly why: string,
    ) {
        super(`Stopped ${at}: ${why}.`);
        this.name = "StopRequested";
    }
}
