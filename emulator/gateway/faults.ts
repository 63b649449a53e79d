/**
 * Injected faults: a queue of "the next N calls of action X fail like this". Lets tests
 * drive a client through throttling, 5xx, dropped connections and lost responses in a
 * deterministic order.
 */
import { ApiError, type ErrorCode } from "../model/errors";
import { FAULT_KINDS, type FaultKind, type FaultSpec } from "../types";

export interface PendingFault {
    action: string;
    kind: FaultKind;
    remaining: number;
    latencyMs: number;
}

/** Faults that answer with an API error, and the error each one produces. */
const ERROR_FAULTS: Partial<Record<FaultKind, ErrorCode>> = {
    throttling: "Throttling.User",
    serviceUnavailable: "ServiceUnavailable",
    internalError: "InternalError",
    internalException: "InternalException",
    internalOperationError: "InternalOperationError",
};

export function faultError(kind: FaultKind): ApiError | undefined {
    const code = ERROR_FAULTS[kind];
    return code ? new ApiError(code, `injected fault "${kind}"`) : undefined;
}

/** Checks a fault description from an untyped source (admin JSON); throws a readable Error. */
function validateFaultSpec(input: unknown): FaultSpec {
    const spec = input as Partial<FaultSpec> | null;
    if (typeof spec !== "object" || spec === null) throw new Error("a fault must be an object");
    if (typeof spec.action !== "string" || spec.action === "") {
        throw new Error('fault.action must be an action name or "*"');
    }
    if (!FAULT_KINDS.includes(spec.kind as FaultKind)) {
        throw new Error(`fault.kind must be one of ${FAULT_KINDS.join(", ")}`);
    }
    if (spec.count !== undefined && (!Number.isInteger(spec.count) || spec.count < 1)) {
        throw new Error("fault.count must be a positive integer");
    }
    if (spec.kind === "latency" && (typeof spec.latencyMs !== "number" || spec.latencyMs < 0)) {
        throw new Error("a latency fault needs latencyMs >= 0");
    }
    return {
        action: spec.action,
        kind: spec.kind as FaultKind,
        count: spec.count,
        latencyMs: spec.latencyMs,
    };
}

export class FaultQueue {
    private faults: PendingFault[] = [];

    add(spec: FaultSpec): void {
        const valid = validateFaultSpec(spec);
        this.faults.push({
            action: valid.action,
            kind: valid.kind,
            remaining: valid.count ?? 1,
            latencyMs: valid.latencyMs ?? 0,
        });
    }

    /** The first pending fault for `action` (in injection order), consuming one use of it. */
    take(action: string): PendingFault | undefined {
        const index = this.faults.findIndex((f) => f.action === action || f.action === "*");
        if (index < 0) return undefined;
        const fault = this.faults[index];
        fault.remaining -= 1;
        if (fault.remaining <= 0) this.faults.splice(index, 1);
        return { ...fault };
    }

    pending(): PendingFault[] {
        return this.faults.map((f) => ({ ...f }));
    }

    clear(): void {
        this.faults = [];
    }
}
