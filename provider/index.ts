/**
 * The installed implementation of the package's dynamic providers: what the small
 * serialized loader stored in every resource's state (`./engine/shim`) requires at run
 * time (SPEC §7).
 *
 * - `deployment/`: `RoutineCodeDeployment` (validation, diff, lifecycle).
 * - `esa/`: the ESA plumbing every resource shares (client, errors, retries, config).
 * - `engine/`: the Pulumi side (the loader text, engine log, unknown values).
 *
 * `provider` is the deployment's provider: the loader of every existing stack asks for
 * it by that name, so the name never changes.
 */
export { createProvider, provider } from "./deployment/provider";
export type { ProviderOptions, RoutineCodeDeploymentProvider } from "./deployment/provider";
export { codeVersionProvider, createCodeVersionProvider } from "./code-version/provider";
export type { ReleaseProviderOptions } from "./code-version/provider";
export { routineProvider, createRoutineProvider } from "./routine/provider";
export type { CallOptions, DeploymentRequest, EsaApi, EsaApiFactory, LiveEnvironment } from "./esa/client";
export type { CodeVersionInfo, ReleaseApi, ReleaseApiFactory, RoutineInfo, UploadForm } from "./esa/client";
export type { Connection, CredentialSource } from "./esa/config";
export type { Clock } from "./esa/retry";
export type { Logger } from "./engine/log";
