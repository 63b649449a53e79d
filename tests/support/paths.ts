/**
 * The two ways the engine reaches the providers, as drivers with one interface, so that
 * a table of behaviours runs on both (one implementation, one test):
 * - `dynamic`: the wire-safe provider objects the dynamic path's loaders find, called as
 *   the dynamic-provider plugin calls them (the program side preparing a code version's
 *   source first, as the TypeScript class does);
 * - `native`: the native plugin's gRPC handlers (`provider/plugin/server`), called with
 *   the protocol's request messages, Configure included.
 * Each driver has providers of its own (as two plugin processes would), against the
 * given emulator.
 */
import { createCodeVersionProvider, createProvider, createRoutineProvider, WIRE_RULES } from "../../provider";
import { ownerOf, prepareInputs } from "../../provider/code-version/prepare";
import type { DynamicProvider } from "../../provider/engine/dynamic";
import { tokenOf } from "../../provider/engine/shape";
import { wireSafe } from "../../provider/engine/wire";
import { systemClock } from "../../provider/esa/clock";
import { AdaptiveRateLimiter } from "../../provider/esa/rate-limit";
import { providerService } from "../../provider/plugin/server";
import { EMULATOR_CREDENTIALS_ENV } from "./provider-run";

const provproto = require("@pulumi/pulumi/proto/provider_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

export type ResourceName = "Routine" | "RoutineCodeVersion" | "RoutineCodeDeployment";
type Values = Record<string, any>;

export interface PathDriver {
    path: "dynamic" | "native";
    configure(config: Record<string, string>): Promise<void>;
    check(
        resource: ResourceName,
        name: string,
        olds: Values,
        news: Values,
    ): Promise<{ inputs: Values; failures: { property: string; reason: string }[] }>;
    diff(resource: ResourceName, id: string, olds: Values, news: Values): Promise<{ changes?: boolean; replaces: string[] }>;
    create(resource: ResourceName, inputs: Values): Promise<{ id: string; outs: Values }>;
    read(resource: ResourceName, id: string, props: Values): Promise<{ id: string; props: Values }>;
    update(resource: ResourceName, id: string, olds: Values, news: Values): Promise<{ outs: Values }>;
    delete(resource: ResourceName, id: string, props: Values): Promise<void>;
}

const STACK = "test";
const PROJECT = "paths";
const urnOf = (resource: ResourceName, name: string) => `urn:pulumi:${STACK}::${PROJECT}::${tokenOf(resource)}::${name}`;

function freshProviders(): Record<ResourceName, DynamicProvider> {
    const options = { env: EMULATOR_CREDENTIALS_ENV, log: () => {}, limiter: new AdaptiveRateLimiter(systemClock) };
    return {
        Routine: wireSafe(createRoutineProvider(options), WIRE_RULES.routine),
        RoutineCodeVersion: wireSafe(createCodeVersionProvider(options), WIRE_RULES.codeVersion),
        RoutineCodeDeployment: wireSafe(createProvider(options), WIRE_RULES.deployment),
    };
}

/** As the dynamic-provider plugin carries values: through a protobuf Struct. */
const carried = (values: Values): Values => Struct.fromJavaScript(values).toJavaScript();

export function dynamicPath(): PathDriver {
    const providers = freshProviders();
    return {
        path: "dynamic",
        async configure(config) {
            for (const provider of Object.values(providers))
                await provider.configure({ config: { get: (key: string) => config[key] } } as any);
        },
        async check(resource, name, olds, news) {
            // The TypeScript class prepares a version's source in the program.
            const prepared = resource === "RoutineCodeVersion" ? await prepareInputs(news, ownerOf(PROJECT, STACK, name)) : news;
            const result = await providers[resource].check(olds, carried(prepared));
            return { inputs: carried(result.inputs), failures: (result.failures ?? []) as any };
        },
        async diff(resource, id, olds, news) {
            const result = await providers[resource].diff(id, olds, news);
            return { changes: result.changes, replaces: result.replaces ?? [] };
        },
        async create(resource, inputs) {
            const result = await providers[resource].create(inputs);
            return { id: result.id, outs: carried(result.outs) };
        },
        async read(resource, id, props) {
            const result = await providers[resource].read(id, props);
            return { id: result.id ?? "", props: carried(result.props ?? {}) };
        },
        async update(resource, id, olds, news) {
            const result = await providers[resource].update(id, olds, news);
            return { outs: carried(result.outs ?? {}) };
        },
        async delete(resource, id, props) {
            await providers[resource].delete(id, props);
        },
    };
}

export function nativePath(): PathDriver {
    const providers = freshProviders();
    const handlers: Record<string, (call: { request: any }, callback: (error: any, response: any) => void) => void> = providerService({
        version: "0.0.0-test",
        providers: { routine: providers.Routine, codeVersion: providers.RoutineCodeVersion, deployment: providers.RoutineCodeDeployment },
    });
    const call = (method: string, request: any): Promise<any> =>
        new Promise((resolve, reject) =>
            handlers[method]({ request }, (error, response) =>
                error ? reject(Object.assign(new Error(error.message), { code: error.code })) : resolve(response),
            ),
        );
    const struct = (values: Values) => Struct.fromJavaScript(values);
    return {
        path: "native",
        async configure(config) {
            const request = new provproto.ConfigureRequest();
            const args: Values = {};
            for (const [key, value] of Object.entries(config)) {
                request.getVariablesMap().set(key.replace(/^esa:/, "esa:config:"), value);
                if (key.startsWith("esa:")) args[key.slice(4)] = value;
            }
            request.setArgs(struct(args));
            await call("configure", request);
        },
        async check(resource, name, olds, news) {
            const request = new provproto.CheckRequest().setUrn(urnOf(resource, name)).setOlds(struct(olds)).setNews(struct(news));
            request.setType(tokenOf(resource)).setName(name);
            const response = await call("check", request);
            return {
                inputs: response.getInputs().toJavaScript(),
                failures: response.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
            };
        },
        async diff(resource, id, olds, news) {
            const request = new provproto.DiffRequest().setId(id).setUrn(urnOf(resource, "r")).setOlds(struct(olds)).setNews(struct(news));
            request.setType(tokenOf(resource));
            const response = await call("diff", request);
            const { DiffChanges } = provproto.DiffResponse;
            const changes =
                response.getChanges() === DiffChanges.DIFF_SOME
                    ? true
                    : response.getChanges() === DiffChanges.DIFF_NONE
                      ? false
                      : undefined;
            return { changes, replaces: response.getReplacesList() };
        },
        async create(resource, inputs) {
            const request = new provproto.CreateRequest()
                .setUrn(urnOf(resource, "r"))
                .setProperties(struct(inputs))
                .setType(tokenOf(resource));
            const response = await call("create", request);
            return { id: response.getId(), outs: response.getProperties().toJavaScript() };
        },
        async read(resource, id, props) {
            const request = new provproto.ReadRequest()
                .setId(id)
                .setUrn(urnOf(resource, "r"))
                .setProperties(struct(props))
                .setType(tokenOf(resource));
            const response = await call("read", request);
            return { id: response.getId(), props: response.getProperties()?.toJavaScript() ?? {} };
        },
        async update(resource, id, olds, news) {
            const request = new provproto.UpdateRequest()
                .setId(id)
                .setUrn(urnOf(resource, "r"))
                .setOlds(struct(olds))
                .setNews(struct(news));
            request.setType(tokenOf(resource));
            const response = await call("update", request);
            return { outs: response.getProperties().toJavaScript() };
        },
        async delete(resource, id, props) {
            const request = new provproto.DeleteRequest()
                .setId(id)
                .setUrn(urnOf(resource, "r"))
                .setProperties(struct(props))
                .setType(tokenOf(resource));
            await call("delete", request);
        },
    };
}

/** Both drivers, for `for (const make of PATHS)` tables. */
export const PATHS: readonly (() => PathDriver)[] = [dynamicPath, nativePath];
