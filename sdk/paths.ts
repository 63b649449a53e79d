/**
 * The two ways a TypeScript class reaches its provider. The classes exported by the
 * package's main module are dynamic resources (the provider runs through Pulumi's
 * Node.js dynamic-provider plugin, nothing to install but the npm package); their
 * subclasses in `./native` are served by the native plugin `pulumi-resource-esa`, as for
 * every other language. The same class body registers either: a subclass says which.
 */
import { tokenOf } from "../provider/engine/shape";

/** Whether the class being constructed (`new.target`) is one of the native path's. */
export function onNativePath(target: unknown): boolean {
    return (target as { nativePath?: boolean } | undefined)?.nativePath === true;
}

/** The type token a class registers: the native plugin's, or the dynamic plugin's for `resource`. */
export function typeToken(target: unknown, resource: string, dynamicType: string): string {
    return onNativePath(target) ? tokenOf(resource) : dynamicType;
}
