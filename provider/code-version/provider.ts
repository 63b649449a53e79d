/**
 * The dynamic provider of `RoutineCodeVersion`: what the Pulumi engine calls. Loaded by
 * the serialized loader (`loaderFor("RoutineCodeVersion", "codeVersionProvider")`).
 */
import type { DynamicProvider } from "../engine/dynamic";
import { ProviderEnvironment, resourceContexts } from "../esa/context";
import { CodeVersionApiFactory, createSdkCodeVersionApi } from "./api";
import { checkCodeVersion } from "./check";
import { diffCodeVersion } from "./diff";
import { CodeVersions } from "./lifecycle";
import { CodeVersionInputs, CodeVersionOutputs, INPUT_KEYS, resourceId, withoutSourceFile } from "./types";

export interface CodeVersionProviderOptions extends ProviderEnvironment {
    /** How the provider reaches ESA; tests pass an in-memory implementation. */
    apiFactory?: CodeVersionApiFactory;
}

export type { DynamicProvider } from "../engine/dynamic";

export function createCodeVersionProvider(options: CodeVersionProviderOptions = {}): DynamicProvider {
    const contexts = resourceContexts(options.apiFactory ?? createSdkCodeVersionApi, options);
    const versions = (inputs: Partial<CodeVersionInputs>) => new CodeVersions(contexts.context(inputs));
    return {
        async configure(request) {
            contexts.configure(request);
        },
        async check(_olds, news) {
            return checkCodeVersion(news);
        },
        async diff(_id, olds, news) {
            const plan = diffCodeVersion(olds, news);
            return { changes: plan.changes, replaces: plan.replaces, changed: plan.changed, deleteBeforeReplace: false };
        },
        async create(inputs: CodeVersionInputs) {
            const outs = await versions(inputs).create(inputs);
            return { id: resourceId(outs.routine, outs.codeVersion), outs };
        },
        async update(_id, olds: CodeVersionOutputs, news: CodeVersionInputs) {
            // Only the provider's own settings change in place: nothing to send to ESA.
            return { outs: { ...withoutSourceFile(olds), ...pick(news, ["pruneUnusedVersions", "region", "endpoint", "timeoutSeconds"]) } };
        },
        async read(id, props: Partial<CodeVersionOutputs> = {}) {
            const found = await versions(props).read(id, props);
            if (!found) return { id: "", props: {} };
            return { id, props: found, inputs: inputsOf(found) };
        },
        async delete(id, props: Partial<CodeVersionOutputs>) {
            await versions(props).delete(id, props);
        },
    };
}

function inputsOf(outputs: Record<string, any>): Record<string, any> {
    const inputs: Record<string, any> = {};
    for (const key of INPUT_KEYS) if (outputs[key] !== undefined) inputs[key] = outputs[key];
    return inputs;
}

function pick(source: Record<string, any>, keys: string[]): Record<string, any> {
    const result: Record<string, any> = {};
    for (const key of keys) result[key] = source[key];
    return result;
}

/** The provider as the loader finds it. */
export const codeVersionProvider = createCodeVersionProvider();
