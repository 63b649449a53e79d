/**
 * The dynamic provider of `Routine`: what the Pulumi engine calls. Loaded by the
 * serialized loader (`loaderFor("Routine", "routineProvider")`).
 */
import { describeValue } from "../engine/input-values";
import { isUnknown } from "../engine/unknowns";
import type { DynamicProvider } from "../engine/dynamic";
import { timeoutProblem } from "../esa/config";
import { ProviderEnvironment, resourceContexts } from "../esa/context";
import { createSdkRoutineApi, RoutineApiFactory } from "./api";

export interface RoutineProviderOptions extends ProviderEnvironment {
    /** How the provider reaches ESA; tests pass an in-memory implementation. */
    apiFactory?: RoutineApiFactory;
}
import { ROUTINE_INPUT_KEYS, RoutineInputs, RoutineOutputs, Routines } from "./lifecycle";

export function createRoutineProvider(options: RoutineProviderOptions = {}): DynamicProvider {
    const contexts = resourceContexts(options.apiFactory ?? createSdkRoutineApi, options);
    const routines = (inputs: Partial<RoutineInputs>) => new Routines(contexts.context(inputs));
    return {
        async configure(request) {
            contexts.configure(request);
        },
        async check(_olds, news) {
            return checkRoutine(news);
        },
        async diff(_id, olds, news) {
            const replaces = isUnknown(news.name) || olds.name !== news.name ? ["name"] : [];
            const changes =
                replaces.length > 0 ||
                ["description", "adoptExisting", "region", "endpoint", "timeoutSeconds"].some(
                    (k) => (olds[k] ?? undefined) !== (news[k] ?? undefined),
                );
            return { changes, replaces, deleteBeforeReplace: false };
        },
        async create(inputs: RoutineInputs) {
            const outs = await routines(inputs).create(inputs);
            return { id: inputs.name, outs };
        },
        async update(_id, olds: RoutineOutputs, news: RoutineInputs) {
            if ((olds.description ?? "") !== (news.description ?? ""))
                await routines(news).updateDescription(news.name, news.description ?? "");
            // Whether the stack created the routine was settled at create: an input cannot change it.
            return { outs: { ...news, createdByStack: olds.createdByStack, createTime: olds.createTime } };
        },
        async read(id, props: Partial<RoutineOutputs> = {}) {
            const found = await routines(props).read(id, props);
            if (!found) return { id: "", props: {} };
            const inputs: Record<string, any> = {};
            for (const key of ROUTINE_INPUT_KEYS) if ((found as any)[key] !== undefined) inputs[key] = (found as any)[key];
            return { id, props: found, inputs };
        },
        async delete(id, props: Partial<RoutineOutputs>) {
            await routines(props).delete(id, props);
        },
    };
}

/** A routine's free text that may be secret: its description. */
export function routineFreeText(values: Record<string, unknown>): unknown[] {
    return values.description === values.name ? [] : [values.description];
}

/** A routine name: 2–64 lower-case letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
const ROUTINE_NAME = /^[a-z][a-z0-9-]{0,62}[a-z0-9]$/;

export function checkRoutine(news: Record<string, any>) {
    const failures: { property: string; reason: string }[] = [];
    const inputs: Record<string, any> = {};
    const source = news !== null && typeof news === "object" ? news : {};
    for (const key of ROUTINE_INPUT_KEYS) if (source[key] !== undefined && source[key] !== null) inputs[key] = source[key];
    const known = (key: string) => inputs[key] !== undefined && !isUnknown(inputs[key]);
    if (inputs.name === undefined) failures.push({ property: "name", reason: "name is required: the routine's name." });
    else if (known("name") && (typeof inputs.name !== "string" || !ROUTINE_NAME.test(inputs.name)))
        failures.push({
            property: "name",
            reason: `name must be 2–64 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen; got ${describeValue(inputs.name)}.`,
        });
    if (known("description") && typeof inputs.description !== "string")
        failures.push({ property: "description", reason: `description must be a string, got ${describeValue(inputs.description)}.` });
    if (known("adoptExisting") && typeof inputs.adoptExisting !== "boolean")
        failures.push({
            property: "adoptExisting",
            reason: `adoptExisting must be true or false, got ${describeValue(inputs.adoptExisting)}.`,
        });
    const timeout = known("timeoutSeconds") ? timeoutProblem(inputs.timeoutSeconds, describeValue) : undefined;
    if (timeout) failures.push({ property: "timeoutSeconds", reason: timeout });
    return { inputs, failures };
}

/** The provider as the loader finds it. */
export const routineProvider = createRoutineProvider();
