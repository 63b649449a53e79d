/**
 * `RoutineCodeVersion`: a committed code version of an ESA edge routine, made from
 * source in the Pulumi program.
 *
 * @example
 * ```ts
 * import * as pulumi from "@pulumi/pulumi";
 * import { Routine, RoutineCodeVersion, RoutineCodeDeployment } from "esa-routine-deployment";
 *
 * const routine = new Routine("hello", { name: "hello-edge" });
 * const version = new RoutineCodeVersion("hello", {
 *     routine: routine.name,
 *     code: new pulumi.asset.FileAsset("routine/index.js"),
 *     deployEnv: "production",
 * });
 * new RoutineCodeDeployment("hello-production", {
 *     name: routine.name,
 *     env: "production",
 *     codeVersions: [{ codeVersion: version.codeVersion, percentage: 100 }],
 * });
 * ```
 */
import * as pulumi from "@pulumi/pulumi";
import { loaderFor } from "../provider/engine/shim";
import { onNativePath, typeToken } from "./paths";
import { unsetOutputs } from "../provider/engine/shape";
import { CODE_VERSION_SHAPE } from "../provider/code-version/shape";
import { ownerOf, prepareSource } from "../provider/code-version/prepare";

export interface RoutineCodeVersionArgs {
    /** The routine's name (e.g. a `Routine`'s `name` output). Changing it makes a new version. */
    routine: pulumi.Input<string>;
    /**
     * The routine's JavaScript: a string, a `pulumi.asset.FileAsset` or a
     * `pulumi.asset.StringAsset`. Never stored in the stack state: only its sha256 is.
     */
    code: pulumi.Input<string | pulumi.asset.Asset>;
    /**
     * Static files served with the routine, as a `pulumi.asset.FileArchive` of a
     * directory or a `.zip`. With assets, ESA's assets flow is used (a zip of
     * `routine/index.js` and `assets/<path>`, built by ESA).
     */
    assets?: pulumi.Input<pulumi.asset.Archive>;
    /** The version's description (ESA's CodeDescription; a short tag is appended). */
    description?: pulumi.Input<string>;
    /** The environment whose environment variables are bundled into the version. */
    deployEnv?: pulumi.Input<"staging" | "production">;
    /**
     * When the routine's version quota is full, delete versions that serve nothing,
     * oldest first and only as many as needed (never one that serves traffic). Off by
     * default: the release then fails with the list of those versions.
     */
    pruneUnusedVersions?: pulumi.Input<boolean>;
    /** The region whose ESA endpoint is called; overrides `esa:region` / `alicloud:region`. */
    region?: pulumi.Input<string>;
    /** The API endpoint, e.g. `http://127.0.0.1:8787` for the local emulator; overrides `esa:endpoint`. */
    endpoint?: pulumi.Input<string>;
    /** How long one release may take (upload, build, retries), in seconds (default 300, or `esa:timeoutSeconds`). */
    timeoutSeconds?: pulumi.Input<number>;
}

export const ROUTINE_CODE_VERSION_TYPE = "pulumi-nodejs:dynamic/esa:RoutineCodeVersion";

const UNSET_OUTPUTS = unsetOutputs(CODE_VERSION_SHAPE);

/**
 * A committed code version of an ESA routine.
 *
 * - Any change of what makes the version (code, assets, description, deployEnv,
 *   routine) replaces it: a new version is created first, and its id is unknown in the
 *   preview, so a `RoutineCodeDeployment` that uses it shows its update in the same
 *   preview and one `pulumi up` does both.
 * - Deleting it deletes the version in ESA, unless the version serves traffic: then it
 *   is kept with a warning, and deleted by a later release of the same resource once it
 *   serves nothing.
 * - The stack state holds the content's sha256, never the source.
 */
export class RoutineCodeVersion extends pulumi.CustomResource {
    declare public readonly routine: pulumi.Output<string>;
    declare public readonly description: pulumi.Output<string | undefined>;
    declare public readonly deployEnv: pulumi.Output<"staging" | "production" | undefined>;
    declare public readonly pruneUnusedVersions: pulumi.Output<boolean | undefined>;
    /** The version id, a 19-digit string. */
    declare public readonly codeVersion: pulumi.Output<string>;
    /** sha256 over everything that makes the version (uploaded bytes, description, deployEnv). */
    declare public readonly contentHash: pulumi.Output<string>;
    /** sha256 of the bytes uploaded (the script, or the assets zip). */
    declare public readonly sourceHash: pulumi.Output<string>;
    /** `script` (staging flow) or `assets` (assets flow). */
    declare public readonly sourceKind: pulumi.Output<"script" | "assets">;
    /** ESA's status of the version (`available` once created). */
    declare public readonly status: pulumi.Output<string>;
    /** When ESA created the version. */
    declare public readonly createTime: pulumi.Output<string>;

    public static isInstance(obj: unknown): obj is RoutineCodeVersion {
        return pulumi.CustomResource.isInstance(obj) && (obj as any).__pulumiType === ROUTINE_CODE_VERSION_TYPE;
    }

    constructor(name: string, args: RoutineCodeVersionArgs, opts?: pulumi.CustomResourceOptions) {
        const looked = opts?.id !== undefined;
        // On the native path the plugin's check prepares the source; here, the program does.
        const native = onNativePath(new.target);
        const source =
            looked || native ? undefined : pulumi.all([args.code, args.assets]).apply(([code, assets]) => prepareSource(code, assets));
        super(
            typeToken(new.target, "RoutineCodeVersion", ROUTINE_CODE_VERSION_TYPE),
            name,
            {
                ...UNSET_OUTPUTS,
                ...(looked
                    ? {}
                    : native
                      ? { ...args }
                      : {
                            routine: args.routine,
                            description: args.description,
                            deployEnv: args.deployEnv,
                            pruneUnusedVersions: args.pruneUnusedVersions,
                            region: args.region,
                            endpoint: args.endpoint,
                            timeoutSeconds: args.timeoutSeconds,
                            sourceKind: source!.apply((s) => ("problem" in s ? undefined : s.kind)),
                            sourceHash: source!.apply((s) => ("problem" in s ? undefined : s.hash)),
                            sourceFile: source!.apply((s) => ("problem" in s ? undefined : s.file)),
                            // What is wrong with code or assets, for check to report with the property named.
                            sourceProblem: source!.apply((s) => ("problem" in s ? s.problem : undefined)),
                            owner: ownerOf(pulumi.getProject(), pulumi.getStack(), name),
                        }),
                ...(native ? {} : { __provider: loaderFor("RoutineCodeVersion", "codeVersionProvider") }),
            },
            opts,
        );
    }

    /** Looks up an existing version by its id, `<routine name>:<code version>`. */
    public static get(name: string, id: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): RoutineCodeVersion {
        return new RoutineCodeVersion(name, {} as RoutineCodeVersionArgs, { ...opts, id });
    }
}
