/**
 * The native provider plugin's gRPC service (Pulumi's `ResourceProviderService`), on the
 * protocol bindings `@pulumi/pulumi` ships. Every resource call goes to the same provider
 * objects the dynamic path uses (`./resources`); this module only translates.
 *
 * It is written on the raw service rather than `@pulumi/pulumi/provider`'s `main()`,
 * which drops Configure's arguments (so an explicit `esa.Provider` would lose its
 * region and credentials), answers CheckConfig with UNIMPLEMENTED, sends no detailed
 * diff and ignores `customTimeouts`. What it adds to the dynamic path:
 * - Configure from the `esa:*` config or an explicit provider's arguments (`./config`);
 * - a detailed diff (a preview shows each changed property, and which replace);
 * - `customTimeouts` (a deadline the rollout stops at) and Cancel (`../engine/cancel`);
 * - secrets received as secrets: unwrapped for the provider, remembered for redaction,
 *   and the same properties of the outputs marked secret (`./values`).
 */
import * as path from "path";
import { cancelInFlight, stoppable } from "../engine/cancel";
import { rememberFreeText } from "../engine/redact";
import { resolveConnection } from "../esa/config";
import { configureRequest } from "./config";
import { parseUrn, Providers, ServedResource, servedResources } from "./resources";
import { packageSchema, PACKAGE_NAME } from "./schema";
import { markSecrets, unwrap, Unwrapped } from "./values";

// The protocol's modules, resolved where @pulumi/pulumi is installed (they are its dependencies).
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const load = (name: string) => require(require.resolve(name, { paths: [pulumiDir] }));
const grpc = load("@grpc/grpc-js");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const plugproto = require("@pulumi/pulumi/proto/plugin_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");
const structproto = load("google-protobuf/google/protobuf/struct_pb");
const emptyproto = load("google-protobuf/google/protobuf/empty_pb");
const anyproto = load("google-protobuf/google/protobuf/any_pb");

type Callback = (error: unknown, response?: unknown, metadata?: unknown) => void;
type Call = { request: any };

/** The package's version, which the plugin reports and the schema carries. */
export function packageVersion(): string {
    return require(path.join(__dirname, "..", "..", "..", "package.json")).version;
}

/** The service's handlers, by method name (the providers are the installed ones unless given). */
export function providerService(options: { version?: string; providers?: Providers } = {}) {
    const version = options.version ?? packageVersion();
    const resources = servedResources(options.providers);
    const schema = JSON.stringify(packageSchema(version));

    const served = (call: Call): ServedResource => {
        const type = call.request.getType?.() || parseUrn(call.request.getUrn()).type;
        const found = resources.get(type);
        if (!found) throw new Error(`The ${PACKAGE_NAME} provider has no resource type "${type}".`);
        return found;
    };

    /** Answers a call: its result, or its failure as the engine expects it. */
    const answer =
        (work: (call: Call) => Promise<unknown>) =>
        (call: Call, callback: Callback): void => {
            work(call).then(
                (response) => callback(null, response),
                (error) => {
                    const failure = rpcError(error);
                    callback(failure, null, failure.metadata);
                },
            );
        };

    return {
        getPluginInfo: answer(async () => new plugproto.PluginInfo().setVersion(version)),

        getSchema: answer(async (call) => {
            if (call.request.getVersion() !== 0) throw new Error(`unsupported schema version ${call.request.getVersion()}`);
            return new provproto.GetSchemaResponse().setSchema(schema);
        }),

        checkConfig: answer(async (call) => {
            const news = struct(call.request.getNews());
            const request = configureRequest(new Map(), news);
            const failures: { property: string; reason: string }[] = [];
            try {
                resolveConnection({}, (key) => request.config.get(key), {});
            } catch (error) {
                const reason = error instanceof Error ? error.message : String(error);
                const property = /^esa:(\w+)/.exec(reason)?.[1] ?? "endpoint";
                failures.push({ property, reason });
            }
            return new provproto.CheckResponse().setInputs(call.request.getNews()).setFailuresList(failures.map(checkFailure));
        }),

        diffConfig: answer(async (call) => {
            const olds = JSON.stringify(unwrap(struct(call.request.getOldinputs?.() ?? call.request.getOlds())).values);
            const news = JSON.stringify(unwrap(struct(call.request.getNews())).values);
            return new provproto.DiffResponse().setChanges(
                olds === news ? provproto.DiffResponse.DiffChanges.DIFF_NONE : provproto.DiffResponse.DiffChanges.DIFF_SOME,
            );
        }),

        configure: answer(async (call) => {
            const request = configureRequest(toMap(call.request.getVariablesMap()), struct(call.request.getArgs()));
            for (const { provider } of resources.values()) await provider.configure(request);
            return new provproto.ConfigureResponse()
                .setAcceptsecrets(true)
                .setSupportspreview(false)
                .setAcceptresources(false)
                .setAcceptoutputs(false);
        }),

        check: answer(async (call) => {
            const resource = served(call);
            const olds = received(call.request.getOlds());
            const news = received(call.request.getNews());
            const prepared = resource.prepare ? await resource.prepare(news.values, parseUrn(call.request.getUrn())) : news.values;
            const result = await resource.provider.check(olds.values, prepared);
            return new provproto.CheckResponse()
                .setInputs(structproto.Struct.fromJavaScript(markSecrets(result.inputs ?? {}, news.secretKeys)))
                .setFailuresList((result.failures ?? []).map(checkFailure));
        }),

        diff: answer(async (call) => {
            const resource = served(call);
            const olds = received(call.request.getOlds());
            const news = received(call.request.getNews());
            const result = await resource.provider.diff(call.request.getId(), olds.values, news.values);
            const { DiffChanges } = provproto.DiffResponse;
            const response = new provproto.DiffResponse()
                .setChanges(
                    result.changes === true
                        ? DiffChanges.DIFF_SOME
                        : result.changes === false
                          ? DiffChanges.DIFF_NONE
                          : DiffChanges.DIFF_UNKNOWN,
                )
                .setReplacesList(result.replaces ?? [])
                .setStablesList(result.stables ?? [])
                .setDeletebeforereplace(result.deleteBeforeReplace === true);
            if (result.changed) {
                response.setHasdetaileddiff(true).setDiffsList(result.changed);
                const detail = response.getDetaileddiffMap();
                for (const key of result.changed) detail.set(key, propertyDiff(key, olds.values, news.values, result.replaces ?? []));
            }
            return response;
        }),

        create: answer(async (call) => {
            const resource = served(call);
            const inputs = received(call.request.getProperties());
            const timeout = call.request.getTimeout();
            const result = await stoppable(timeout, () => resource.provider.create(withTimeout(inputs.values, timeout))).catch(
                keepingState(inputs),
            );
            return new provproto.CreateResponse().setId(result.id).setProperties(outputs(result.outs, inputs));
        }),

        read: answer(async (call) => {
            const resource = served(call);
            const state = received(call.request.getProperties());
            const inputs = received(call.request.getInputs());
            const result = await resource.provider.read(call.request.getId(), state.values);
            const response = new provproto.ReadResponse().setId(result.id ?? "").setProperties(outputs(result.props ?? {}, state));
            if (result.inputs !== undefined)
                response.setInputs(structproto.Struct.fromJavaScript(markSecrets(result.inputs, inputs.secretKeys)));
            return response;
        }),

        update: answer(async (call) => {
            const resource = served(call);
            const olds = received(call.request.getOlds());
            const news = received(call.request.getNews());
            const timeout = call.request.getTimeout();
            const result = await stoppable(timeout, () =>
                resource.provider.update(call.request.getId(), olds.values, withTimeout(news.values, timeout)),
            ).catch(keepingState(news));
            return new provproto.UpdateResponse().setProperties(outputs(result.outs ?? {}, news));
        }),

        delete: answer(async (call) => {
            const resource = served(call);
            const state = received(call.request.getProperties());
            await stoppable(call.request.getTimeout(), () => resource.provider.delete(call.request.getId(), state.values));
            return new emptyproto.Empty();
        }),

        cancel: answer(async () => {
            cancelInFlight();
            return new emptyproto.Empty();
        }),
    };
}

/** The engine's Struct as plain values, secrets remembered for redaction. */
function received(value: unknown): Unwrapped {
    const found = unwrap(struct(value));
    rememberFreeText(found.secretTexts);
    return found;
}

function struct(value: any): Record<string, unknown> {
    return value && typeof value.toJavaScript === "function" ? value.toJavaScript() : {};
}

function toMap(map: any): Map<string, string> {
    const result = new Map<string, string>();
    map?.forEach((value: string, key: string) => result.set(key, value));
    return result;
}

/** Outputs for the engine (see `recordable`), as a Struct. */
function outputs(outs: Record<string, unknown>, inputs: Unwrapped): any {
    return structproto.Struct.fromJavaScript(recordable(outs, inputs));
}

/** Outputs as the state records them: the inputs' `timeoutSeconds` as given, the secret inputs' namesakes secret. */
function recordable(outs: Record<string, unknown>, inputs: Unwrapped): Record<string, unknown> {
    const restored = { ...outs };
    if ("timeoutSeconds" in restored || "timeoutSeconds" in inputs.values) {
        if (inputs.values.timeoutSeconds === undefined) delete restored.timeoutSeconds;
        else restored.timeoutSeconds = inputs.values.timeoutSeconds;
    }
    return markSecrets(restored, inputs.secretKeys);
}

/** A failure's state (see `rpcError`) recorded as its outputs would be. */
function keepingState(inputs: Unwrapped) {
    return (error: unknown): never => {
        const e = error as { properties?: unknown } | null;
        if (e && typeof e.properties === "object" && e.properties !== null)
            e.properties = recordable(e.properties as Record<string, unknown>, inputs);
        throw error;
    };
}

/** `customTimeouts` bound each ESA wait too, where the resource sets no `timeoutSeconds` of its own. */
function withTimeout(inputs: Record<string, any>, timeout: number): Record<string, any> {
    return timeout > 0 && inputs.timeoutSeconds === undefined ? { ...inputs, timeoutSeconds: Math.ceil(timeout) } : inputs;
}

function checkFailure(failure: { property: string; reason: string }) {
    return new provproto.CheckFailure().setProperty(failure.property).setReason(failure.reason);
}

function propertyDiff(key: string, olds: Record<string, unknown>, news: Record<string, unknown>, replaces: string[]) {
    const { Kind } = provproto.PropertyDiff;
    const replace = replaces.includes(key);
    const kind =
        olds[key] === undefined
            ? replace
                ? Kind.ADD_REPLACE
                : Kind.ADD
            : news[key] === undefined
              ? replace
                  ? Kind.DELETE_REPLACE
                  : Kind.DELETE
              : replace
                ? Kind.UPDATE_REPLACE
                : Kind.UPDATE;
    return new provproto.PropertyDiff().setKind(kind).setInputdiff(true);
}

/**
 * A failure as the engine takes it. One that carries the resource's new state (`id` and
 * `properties`: ESA changed something before it failed) is an initialization failure,
 * which the engine records, so the stack keeps saying what is live.
 */
function rpcError(error: unknown): { code: number; message: string; metadata: unknown } {
    const e = (error ?? {}) as { message?: string; id?: string; properties?: Record<string, unknown>; reasons?: string[] };
    const message = typeof e.message === "string" ? e.message : String(error);
    const metadata = new grpc.Metadata();
    if (typeof e.id === "string" && e.id !== "") {
        const detail = new provproto.ErrorResourceInitFailed();
        detail.setId(e.id);
        detail.setProperties(structproto.Struct.fromJavaScript(e.properties ?? {}));
        detail.setReasonsList(e.reasons ?? []);
        const packed = new anyproto.Any();
        packed.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
        const status = new statusproto.Status();
        status.setCode(grpc.status.UNKNOWN);
        status.setMessage(message);
        status.addDetails(packed);
        metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
    }
    return { code: grpc.status.UNKNOWN, message, metadata };
}

/** The service definition the handlers implement. */
export const providerServiceDefinition = provrpc.ResourceProviderService;
export { grpc };
