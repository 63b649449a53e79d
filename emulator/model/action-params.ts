/**
 * An action's parameters, one flat string map however the call sent them (the gateway
 * reads the query string, a form or a JSON body into it), and how handlers read them.
 */
import { ApiError } from "./errors";

export type Params = Record<string, string>;

/** A required, non-blank string parameter. */
export function requireParam(params: Params, name: string): string {
    const value = params[name];
    if (value === undefined || value.trim() === "") {
        throw new ApiError("InvalidParameter", `${name} is required`);
    }
    return value;
}

/** An optional integer parameter within [min, max]. */
export function optionalInt(params: Params, name: string, fallback: number, min: number, max: number): number {
    const raw = params[name];
    if (raw === undefined || raw === "") return fallback;
    if (!/^-?\d+$/.test(raw)) throw new ApiError("InvalidParameter", `${name} must be an integer`);
    const value = Number(raw);
    if (value < min || value > max) {
        throw new ApiError("InvalidParameter", `${name} must be between ${min} and ${max}`);
    }
    return value;
}
