/**
 * The naive dynamic provider the state-size benchmark compares against (issue item 2):
 * what people write first, a `pulumi.dynamic.Resource` whose provider object's methods
 * use an SDK client from their closure. Pulumi serializes the provider *by value*: every
 * function and every value its closures reach, into every resource's state, twice
 * (inputs and outputs).
 *
 * 1. `clientCapturingProvider`: captures a real `@alicloud/esa20240910` client, as
 *    `const client = new (require("@alicloud/esa20240910").default)(config)` does.
 *    Pulumi cannot serialize it (the SDK's compiled async helpers); the benchmark
 *    reports the error.
 * 2. `configCapturingProvider`: the variant that does serialize, and what people end up
 *    with after hitting that error: it captures a plain config object and a helper
 *    function that builds the client inside each call. Its state is what is measured.
 *    (It also puts the AccessKey pair it captured into the state in plain text: the
 *    benchmark checks with the emulator's test pair.)
 */
import * as pulumi from "@pulumi/pulumi";
import { serializeFunction } from "@pulumi/pulumi/runtime/closure/serializeClosure";

export interface NaiveConfig {
    accessKeyId: string;
    accessKeySecret: string;
    endpoint: string;
    protocol: string;
    regionId: string;
}

export function clientCapturingProvider(config: NaiveConfig): pulumi.dynamic.ResourceProvider {
    const { Config } = require("@alicloud/openapi-core").$OpenApiUtil;
    const client = new (require("@alicloud/esa20240910").default)(new Config(config));
    return {
        async create(inputs) {
            const response = await client.createRoutineCodeDeployment(inputs);
            return { id: `${inputs.name}:${inputs.env}`, outs: { ...inputs, deploymentId: String(response.body.deploymentId) } };
        },
    };
}

export function configCapturingProvider(config: NaiveConfig): pulumi.dynamic.ResourceProvider {
    const esa = () => {
        const sdk = require("@alicloud/esa20240910");
        const { Config } = require("@alicloud/openapi-core").$OpenApiUtil;
        return { sdk, client: new sdk.default(new Config(config)) };
    };
    const deploy = async (inputs: any) => {
        const { sdk, client } = esa();
        const response = await client.createRoutineCodeDeployment(
            new sdk.CreateRoutineCodeDeploymentRequest({
                name: inputs.name,
                env: inputs.env,
                strategy: inputs.strategy,
                codeVersions: inputs.codeVersions.map((v: any) => new sdk.CreateRoutineCodeDeploymentRequestCodeVersions(v)),
            }),
        );
        return { ...inputs, deploymentId: String(response.body.deploymentId) };
    };
    return {
        async create(inputs) {
            return { id: `${inputs.name}:${inputs.env}`, outs: await deploy(inputs) };
        },
        async update(_id, _olds, news) {
            return { outs: await deploy(news) };
        },
        async read(id, props) {
            const { sdk, client } = esa();
            const response = await client.getRoutine(new sdk.GetRoutineRequest({ name: props.name }));
            const live = (response.body.envs ?? []).find((e: any) => e.env === props.env)?.codeDeploy;
            return live ? { id, props: { ...props, deploymentId: String(live.deployId) } } : { id: "", props: {} };
        },
        async delete() {},
    };
}

export class NaiveDeployment extends pulumi.dynamic.Resource {
    constructor(name: string, provider: pulumi.dynamic.ResourceProvider, args: Record<string, pulumi.Input<any>>) {
        super(provider, name, { deploymentId: undefined, ...args }, undefined, "bench", "NaiveDeployment");
    }
}

/** What Pulumi makes of a provider: its serialized text, or the error it stops with. */
export async function serializeProvider(
    provider: pulumi.dynamic.ResourceProvider,
): Promise<{ bytes?: number; text?: string; error?: string }> {
    try {
        const { text } = await serializeFunction(() => provider, { allowSecrets: true });
        return { bytes: Buffer.byteLength(text), text };
    } catch (error: any) {
        return { error: String(error?.message ?? error) };
    }
}
