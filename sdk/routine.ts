/**
 * `Routine`: an Alibaba Cloud ESA edge routine, created (or explicitly adopted) by the stack.
 *
 * @example
 * ```ts
 * import { Routine } from "esa-routine-deployment";
 *
 * const routine = new Routine("hello", { name: "hello-edge", description: "Hello from the edge" });
 * ```
 */
import * as pulumi from "@pulumi/pulumi";
import { unsetOutputs } from "../provider/engine/shape";
import { ROUTINE_SHAPE } from "../provider/routine/shape";
import { loaderFor } from "../provider/engine/shim";
import { onNativePath, typeToken } from "./paths";

export interface RoutineArgs {
    /** The routine's name (2–64 lower-case letters, digits, hyphens). Changing it replaces the routine. */
    name: pulumi.Input<string>;
    /** A description shown in the ESA console; changed in place. */
    description?: pulumi.Input<string>;
    /**
     * Bring a routine that already exists under this stack's management. Without it,
     * creating a routine whose name is taken fails. An adopted routine is never deleted
     * by this stack: destroy only forgets it.
     */
    adoptExisting?: pulumi.Input<boolean>;
    /** The region whose ESA endpoint is called; overrides `esa:region` / `alicloud:region`. */
    region?: pulumi.Input<string>;
    /** The API endpoint, e.g. `http://127.0.0.1:8787` for the local emulator; overrides `esa:endpoint`. */
    endpoint?: pulumi.Input<string>;
    /** How long one operation may take, retries included, in seconds (default 300, or `esa:timeoutSeconds`). */
    timeoutSeconds?: pulumi.Input<number>;
}

export const ROUTINE_TYPE = "pulumi-nodejs:dynamic/esa:Routine";

const UNSET_OUTPUTS = unsetOutputs(ROUTINE_SHAPE);

/**
 * An ESA edge routine. The id is its name. Deleting the resource deletes the routine
 * only if this stack created it.
 */
export class Routine extends pulumi.CustomResource {
    /** The routine's name. */
    declare public readonly name: pulumi.Output<string>;
    declare public readonly description: pulumi.Output<string | undefined>;
    declare public readonly adoptExisting: pulumi.Output<boolean | undefined>;
    declare public readonly region: pulumi.Output<string | undefined>;
    declare public readonly endpoint: pulumi.Output<string | undefined>;
    declare public readonly timeoutSeconds: pulumi.Output<number | undefined>;
    /** True when this stack created the routine (and destroy deletes it). */
    declare public readonly createdByStack: pulumi.Output<boolean>;
    /** When ESA created the routine (RFC 3339). */
    declare public readonly createTime: pulumi.Output<string>;

    public static isInstance(obj: unknown): obj is Routine {
        return pulumi.CustomResource.isInstance(obj) && (obj as any).__pulumiType === ROUTINE_TYPE;
    }

    constructor(name: string, args: RoutineArgs, opts?: pulumi.CustomResourceOptions) {
        const native = onNativePath(new.target);
        super(
            typeToken(new.target, "Routine", ROUTINE_TYPE),
            name,
            { ...UNSET_OUTPUTS, ...args, ...(native ? {} : { __provider: loaderFor("Routine", "routineProvider") }) },
            opts,
        );
    }

    /** Looks up an existing routine by its name. */
    public static get(name: string, id: pulumi.Input<string>, opts?: pulumi.CustomResourceOptions): Routine {
        return new Routine(name, {} as RoutineArgs, { ...opts, id });
    }
}
