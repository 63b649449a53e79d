/**
 * The installed implementation of the package's dynamic providers: what the small
 * serialized loader stored in every resource's state (`./engine/shim`) requires at run
 * time (README: Details).
 *
 * - `deployment/`, `code-version/`, `routine/`: `RoutineCodeDeployment`,
 *   `RoutineCodeVersion`, `Routine`, a folder each (ESA calls, validation, diff,
 *   lifecycle, provider, types).
 * - `esa/`: the ESA plumbing every resource shares (SDK loading, the one call path, errors, retries, config).
 * - `engine/`: the Pulumi side (the loader text, engine log, unknown values).
 *
 * `provider` is the deployment's provider: the loader of every existing stack asks for
 * it by that name, so the name never changes.
 *
 * The three providers the loaders find are wrapped here, in one place, by `wireSafe`
 * (`./engine/wire`): every answer is one the engine can carry, and the inputs' free text
 * stays out of the provider's own words.
 */
import { codeVersionFreeText } from "./code-version/check";
import { codeVersionProvider as codeVersions } from "./code-version/provider";
import { provider as deployments } from "./deployment/provider";
import { deploymentFreeText, redactRolloutState } from "./deployment/rollout/check";
import { wireSafe, WireRules } from "./engine/wire";
import { routineFreeText } from "./routine/check";
import { routineProvider as routines } from "./routine/provider";

/** How each resource's answers are made wire-safe: the free text of its inputs, the outputs it derives. */
export const WIRE_RULES = {
    deployment: { resource: "RoutineCodeDeployment", freeText: deploymentFreeText, redactDerived: redactRolloutState },
    codeVersion: { resource: "RoutineCodeVersion", freeText: codeVersionFreeText },
    routine: { resource: "Routine", freeText: routineFreeText },
} satisfies Record<string, WireRules>;

export const provider = wireSafe(deployments, WIRE_RULES.deployment);
export const codeVersionProvider = wireSafe(codeVersions, WIRE_RULES.codeVersion);
export const routineProvider = wireSafe(routines, WIRE_RULES.routine);
export { createProvider } from "./deployment/provider";
export type { ProviderOptions, RoutineCodeDeploymentProvider } from "./deployment/provider";
export { createCodeVersionProvider } from "./code-version/provider";
export type { CodeVersionProviderOptions } from "./code-version/provider";
export { createRoutineProvider } from "./routine/provider";
export type { RoutineProviderOptions } from "./routine/provider";
export type { DeploymentApi, DeploymentApiFactory, DeploymentRequest, LiveEnvironment } from "./deployment/api";
export type { CodeVersionApi, CodeVersionApiFactory, CodeVersionInfo, UploadForm } from "./code-version/api";
export type { RoutineApi, RoutineApiFactory, RoutineInfo } from "./routine/api";
export type { CallOptions } from "./esa/sdk";
export type { Connection, CredentialSource } from "./esa/config";
export type { Clock } from "./esa/clock";
// The names of earlier releases, kept so that programs written against them still compile.
export type { DeploymentApi as EsaApi, DeploymentApiFactory as EsaApiFactory } from "./deployment/api";
import type { CodeVersionApi } from "./code-version/api";
import type { RoutineApi } from "./routine/api";
import type { Connection } from "./esa/config";
import type { ProviderEnvironment } from "./esa/context";
/** @deprecated The release calls are now two APIs: `RoutineApi` and `CodeVersionApi`. */
export type ReleaseApi = RoutineApi & CodeVersionApi;
/** @deprecated See `ReleaseApi`. */
export type ReleaseApiFactory = (connection: Connection) => ReleaseApi;
/** @deprecated The options of `createCodeVersionProvider` and `createRoutineProvider` alike. */
export type ReleaseProviderOptions = ProviderEnvironment & { apiFactory?: ReleaseApiFactory };
export type { Logger } from "./engine/log";
