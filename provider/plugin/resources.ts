/**
 * What the native plugin serves: each resource's token, its provider (the very object
 * the dynamic path's loaders find, made wire-safe in `../index`), and the preparation the
 * program side does on the dynamic path (`RoutineCodeVersion`'s source), done in check.
 */
import { ownerOf, prepareInputs } from "../code-version/prepare";
import type { DynamicProvider } from "../engine/dynamic";
import { codeVersionProvider, provider as deploymentProvider, routineProvider } from "../index";
import { tokenOf } from "./schema";

export interface ServedResource {
    provider: DynamicProvider;
    /** Turns the inputs a program wrote into the ones the provider checks (plain values, secrets unwrapped). */
    prepare?(news: Record<string, unknown>, urn: Urn): Promise<Record<string, unknown>>;
}

/** The parts of a resource's URN: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export interface Urn {
    stack: string;
    project: string;
    type: string;
    name: string;
}

export function parseUrn(urn: string): Urn {
    const [head = "", project = "", type = "", ...rest] = urn.split("::");
    return { stack: head.replace(/^urn:pulumi:/, ""), project, type: type.split("$").pop() ?? type, name: rest.join("::") };
}

/** The three resources' providers (default: the installed ones, as the dynamic path's loaders find them). */
export interface Providers {
    routine: DynamicProvider;
    codeVersion: DynamicProvider;
    deployment: DynamicProvider;
}

const INSTALLED: Providers = { routine: routineProvider, codeVersion: codeVersionProvider, deployment: deploymentProvider };

export function servedResources(providers: Providers = INSTALLED): Map<string, ServedResource> {
    return new Map<string, ServedResource>([
        [tokenOf("Routine"), { provider: providers.routine }],
        [
            tokenOf("RoutineCodeVersion"),
            { provider: providers.codeVersion, prepare: (news, urn) => prepareInputs(news, ownerOf(urn.project, urn.stack, urn.name)) },
        ],
        [tokenOf("RoutineCodeDeployment"), { provider: providers.deployment }],
    ]);
}
