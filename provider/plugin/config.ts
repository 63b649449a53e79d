/**
 * The provider's configuration on the native path, as the dynamic path's `configure`
 * sees it: `esa:<key>` names. The engine's Configure carries it twice: `variables`
 * (`esa:config:<key>` or `esa:<key>`, strings) and `args` (typed, possibly secret; the
 * arguments of an explicit `esa.Provider`, or the `esa:*` stack config for the default
 * provider). `args` wins.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { PACKAGE_NAME } from "./schema";
import { unwrap } from "./values";

export function configureRequest(variables: Map<string, string>, args: Record<string, unknown>): dynamic.ConfigureRequest {
    const values = new Map<string, string>();
    for (const [key, value] of variables) {
        const name = key.replace(new RegExp(`^${PACKAGE_NAME}:(config:)?`), "");
        if (name !== key && value !== "") values.set(`${PACKAGE_NAME}:${name}`, value);
    }
    for (const [key, value] of Object.entries(unwrap(args).values)) {
        if (value === undefined || value === null || value === "") continue;
        values.set(`${PACKAGE_NAME}:${key}`, typeof value === "string" ? value : JSON.stringify(value));
    }
    const config = { get: (key: string) => values.get(key) };
    return { config } as unknown as dynamic.ConfigureRequest;
}
