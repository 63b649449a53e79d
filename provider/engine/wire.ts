/**
 * What crosses to the engine, made carriable in one place for the three resources.
 *
 * The dynamic-provider plugin turns every answer of `check`, `create`, `update` and
 * `read` (and the state carried by a failure) into a protobuf Struct with
 * `Struct.fromJavaScript`, which throws on `undefined`, a function, a symbol or a
 * bigint; the plugin then fails with "Unexpected struct type" and a stack trace, and the
 * user never sees the failure the provider computed. NaN and Infinity pass the Struct
 * but not the state's JSON. `wireSafe` wraps a provider so that:
 *
 * - every answer is plain data: keys holding `undefined` (or a function, a symbol) are
 *   left out, list items that cannot be carried become `null`, non-finite numbers
 *   become `null`, a bigint becomes its digits, a Date its ISO-8601 text;
 * - `check` never throws, and each failure is a property path and a sentence;
 * - free text of the inputs that may be secret never reaches a failure reason, an error,
 *   or an output the provider derives under a name of its own (`./redact`).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { DynamicProvider } from "./dynamic";
import { isRecord } from "./input-values";
import { redact, rememberFreeText } from "./redact";

type Provider = DynamicProvider;

export interface WireRules {
    /** The resource type, for the rare failure that has no property of its own. */
    resource: string;
    /** The free text that may be secret, in inputs or recorded outputs. */
    freeText(values: Record<string, unknown>): unknown[];
    /** Redacts, in place, the outputs the provider derives under names of its own. */
    redactDerived?(outputs: Record<string, unknown>): void;
}

/** The provider, answering only what the plugin can carry. */
export function wireSafe<P extends Provider>(inner: P, rules: WireRules): P {
    const remember = (...values: unknown[]) => {
        for (const value of values) if (isRecord(value)) rememberFreeText(rules.freeText(value));
    };
    const outputs = (value: unknown): Record<string, any> => {
        const plain = toWire(isRecord(value) ? value : {}) as Record<string, any>;
        rules.redactDerived?.(plain);
        return plain;
    };
    const failed = (error: unknown): Error => {
        const safe = error instanceof Error ? error : new Error(String(error));
        const e = safe as Error & { properties?: unknown; reasons?: unknown };
        e.message = redact(String(e.message ?? ""));
        if (typeof e.stack === "string") e.stack = redact(e.stack);
        if (e.properties !== undefined) e.properties = outputs(e.properties);
        if (Array.isArray(e.reasons)) e.reasons = e.reasons.map((r) => redact(String(r)));
        return safe;
    };
    const wrapped: Provider = {
        async configure(request) {
            return inner.configure(request);
        },

        async check(olds, news) {
            remember(olds, news);
            let result: dynamic.CheckResult;
            try {
                result = await inner.check(olds, news);
            } catch (error) {
                const message = error instanceof Error ? error.message : String(error);
                result = {
                    inputs: news,
                    failures: [
                        {
                            property: "inputs",
                            reason: `${rules.resource} could not check its inputs (${message}); please report this to esa-routine-deployment.`,
                        },
                    ],
                };
            }
            const inputs = toWire(isRecord(result?.inputs) ? result.inputs : isRecord(news) ? news : {}) as Record<string, any>;
            const failures = (result?.failures ?? []).map((f) => wireFailure(f, rules.resource));
            return { inputs, failures };
        },

        async diff(id, olds, news) {
            remember(olds, news);
            try {
                return await inner.diff(id, olds, news);
            } catch (error) {
                throw failed(error);
            }
        },

        async create(inputs) {
            remember(inputs);
            try {
                const result = await inner.create(inputs);
                return { id: String(result.id), outs: outputs(result.outs) };
            } catch (error) {
                throw failed(error);
            }
        },

        async update(id, olds, news) {
            remember(olds, news);
            try {
                const result = await inner.update(id, olds, news);
                return { ...result, outs: outputs(result?.outs) };
            } catch (error) {
                throw failed(error);
            }
        },

        async read(id, props) {
            remember(props);
            try {
                const result = await inner.read(id, props);
                const found = typeof result.id === "string" ? result.id : "";
                if (result.inputs === undefined) return { id: found, props: outputs(result.props) };
                return {
                    id: found,
                    props: outputs(result.props),
                    inputs: toWire(isRecord(result.inputs) ? result.inputs : {}) as Record<string, any>,
                };
            } catch (error) {
                throw failed(error);
            }
        },

        async delete(id, props) {
            remember(props);
            try {
                await inner.delete(id, props);
            } catch (error) {
                throw failed(error);
            }
        },
    };
    return Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, wrapped) as P;
}

/** A failure as the engine shows it: a property path and a sentence, never a secret's text. */
function wireFailure(failure: unknown, resource: string): { property: string; reason: string } {
    const f = isRecord(failure) ? failure : {};
    const property = typeof f.property === "string" && f.property !== "" ? f.property : "inputs";
    const reason = typeof f.reason === "string" && f.reason.trim() !== "" ? f.reason : `${property} of ${resource} is not valid.`;
    return { property, reason: redact(reason) };
}

/**
 * `value` as the plugin can carry it (a Struct) and the state can record it (JSON).
 * Returns `undefined` for what has no place at all (an object key holding it is left out).
 */
function toWire(value: unknown, seen: Set<object> = new Set()): unknown {
    switch (typeof value) {
        case "string":
        case "boolean":
            return value;
        case "number":
            return Number.isFinite(value) ? value + 0 : null; // (-0 is 0 in JSON)
        case "bigint":
            return value.toString();
        case "undefined":
        case "function":
        case "symbol":
            return undefined;
    }
    if (value === null) return null;
    const object = value as object;
    if (object instanceof Date) return Number.isFinite(object.getTime()) ? object.toISOString() : null;
    if (seen.has(object)) return undefined;
    seen.add(object);
    try {
        if (Array.isArray(object)) return object.map((item) => toWire(item, seen) ?? null);
        const result: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(object)) {
            const carried = toWire(item, seen);
            if (carried !== undefined) result[key] = carried;
        }
        return result;
    } finally {
        seen.delete(object);
    }
}
