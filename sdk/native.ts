/**
 * The package's resources on the native path (README: Every Pulumi language): the same
 * classes, served by the plugin `pulumi-resource-esa` instead of the dynamic-provider
 * plugin. What this path adds: explicit providers (`Provider`: several accounts or
 * regions in one program), `customTimeouts`, Cancel (Ctrl-C stops a rollout at a safe
 * point) and secrets the provider sees as secrets. The plugin must be installed
 * (`npx esa-routine-deployment plugin install`) or named in Pulumi.yaml.
 *
 * @example
 * ```ts
 * import * as esa from "esa-routine-deployment/native";
 *
 * const eu = new esa.Provider("eu", { region: "eu-central-1" });
 * new esa.RoutineCodeDeployment("prod", { name: "hello-edge", env: "production", codeVersions: [...] }, { provider: eu });
 * ```
 */
import * as pulumi from "@pulumi/pulumi";
import { PACKAGE_NAME, tokenOf } from "../provider/engine/shape";
import * as dynamic from "./index";

export type {
    RoutineArgs,
    RoutineCodeVersionArgs,
    RoutineCodeDeploymentArgs,
    CodeVersionSplit,
    CodeVersionSplitArgs,
    RolloutArgs,
    RolloutGateArgs,
    RolloutState,
    RolloutStepArgs,
    HttpGateArgs,
    RoutineEnvironment,
} from "./index";

/** The provider's settings (the `esa:*` stack config keys, per provider). */
export interface ProviderArgs {
    region?: pulumi.Input<string>;
    endpoint?: pulumi.Input<string>;
    accessKey?: pulumi.Input<string>;
    secretKey?: pulumi.Input<string>;
    securityToken?: pulumi.Input<string>;
    profile?: pulumi.Input<string>;
    timeoutSeconds?: pulumi.Input<number>;
    maxRequestsPerSecond?: pulumi.Input<number>;
    rolloutAction?: pulumi.Input<string>;
}

/** An explicit provider: where ESA is reached and with which credentials (secret in the state). */
export class Provider extends pulumi.ProviderResource {
    constructor(name: string, args: ProviderArgs = {}, opts?: pulumi.ResourceOptions) {
        const secret = (value: pulumi.Input<string> | undefined) => (value === undefined ? undefined : pulumi.secret(value));
        super(
            PACKAGE_NAME,
            name,
            { ...args, accessKey: secret(args.accessKey), secretKey: secret(args.secretKey), securityToken: secret(args.securityToken) },
            opts,
        );
    }
}

const isNative = (obj: unknown, resource: string) =>
    pulumi.CustomResource.isInstance(obj) && (obj as any).__pulumiType === tokenOf(resource);

export class Routine extends dynamic.Routine {
    static readonly nativePath = true;
    public static isInstance(obj: unknown): obj is Routine {
        return isNative(obj, "Routine");
    }
    public static get(name: string, id: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): Routine {
        return new Routine(name, {} as dynamic.RoutineArgs, { ...opts, id });
    }
}

export class RoutineCodeVersion extends dynamic.RoutineCodeVersion {
    static readonly nativePath = true;
    public static isInstance(obj: unknown): obj is RoutineCodeVersion {
        return isNative(obj, "RoutineCodeVersion");
    }
    public static get(name: string, id: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): RoutineCodeVersion {
        return new RoutineCodeVersion(name, {} as dynamic.RoutineCodeVersionArgs, { ...opts, id });
    }
}

export class RoutineCodeDeployment extends dynamic.RoutineCodeDeployment {
    static readonly nativePath = true;
    public static isInstance(obj: unknown): obj is RoutineCodeDeployment {
        return isNative(obj, "RoutineCodeDeployment");
    }
    public static get(name: string, id: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): RoutineCodeDeployment {
        return new RoutineCodeDeployment(name, {} as dynamic.RoutineCodeDeploymentArgs, { ...opts, id });
    }
}
