/**
 * The dynamic provider of `Routine`: what the Pulumi engine calls. Loaded by the
 * serialized loader (`loaderFor("Routine", "routineProvider")`).
 */
import type { DynamicProvider } from "../engine/dynamic";
import { ProviderEnvironment, resourceContexts } from "../esa/context";
import { createSdkRoutineApi, RoutineApiFactory } from "./api";
import { checkRoutine } from "./check";
import { diffRoutine } from "./diff";
import { Routines } from "./lifecycle";
import { ROUTINE_INPUT_KEYS, RoutineInputs, RoutineOutputs } from "./types";

export interface RoutineProviderOptions extends ProviderEnvironment {
    /** How the provider reaches ESA; tests pass an in-memory implementation. */
    apiFactory?: RoutineApiFactory;
}

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
            const plan = diffRoutine(olds, news);
            return { changes: plan.changes, replaces: plan.replaces, changed: plan.changed, deleteBeforeReplace: false };
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

/** The provider as the loader finds it. */
export const routineProvider = createRoutineProvider();
