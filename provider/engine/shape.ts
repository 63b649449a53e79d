/**
 * The vocabulary in which each resource declares its shape once (`<resource>/shape.ts`):
 * its properties, their types and docs, which are inputs and which outputs, and what a
 * change of each input does. The package schema served to every Pulumi language
 * (`./schema`), the input key lists the providers keep, the diffs' replace/update
 * decisions and the TypeScript classes' output lists are all derived from it, so they
 * cannot drift apart.
 *
 * The types have no unions: typed languages (Go, Python) then get typed SDKs. Where the
 * TypeScript classes accept a friendlier form (a bare number for a rollout step, a
 * string for a gate command), the provider's check accepts it too; the schema declares
 * the one form every language can write.
 */

/** The package's name in every language: tokens `esa:index:<Resource>`, config `esa:<key>`. */
export const PACKAGE_NAME = "esa";

/** A resource's type token on the native path. */
export function tokenOf(resource: string): string {
    return `${PACKAGE_NAME}:index:${resource}`;
}

/** A property's type: a primitive, a list, a map of strings to a type, a named object type or enum, an asset or an archive. */
export type ShapeType =
    | "string"
    | "integer"
    | "number"
    | "boolean"
    | "asset"
    | "archive"
    | { array: ShapeType }
    | { map: ShapeType }
    /** A named object type of the package (`types` of the resource shape). */
    | { object: string }
    /** A named string enum of the package. */
    | { enum: string };

/** What a change of an input does to the resource. */
export type OnChange =
    /** Another resource: the new one is made first, then the old one goes. */
    | "replace"
    /** An update in place. */
    | "update"
    /** Nothing: it shapes how the provider works, not what is live. */
    | "nothing";

export interface PropertyShape {
    type: ShapeType;
    /** What it is, for the schema and every SDK's docs. */
    doc: string;
    /**
     * As an input: `required` / `optional` (the program sets it); `prepared` (computed
     * from other inputs before the provider sees them: by the TypeScript class or the
     * provider's check, never written by a program); absent: an output only.
     */
    input?: "required" | "optional" | "prepared";
    /** Consumed where inputs are prepared (source code, assets): never reaches the provider's methods, never in state. */
    consumed?: true;
    /** In the outputs (the stack state): `always`, `maybe` (may be absent), or `never`. Default `maybe` for inputs, required below for outputs. */
    output?: "always" | "maybe" | "never";
    /** For inputs: what a change of it does (default `update`). */
    onChange?: OnChange;
    /** Compared as a set (order never matters), not as a list. */
    compare?: "set";
    /** Marked secret in every language. */
    secret?: true;
    /** Plumbing between the program side and the provider: not in the schema. */
    internal?: true;
}

export interface ObjectTypeShape {
    doc: string;
    properties: Record<string, PropertyShape & { required?: true }>;
}

export interface EnumShape {
    doc: string;
    values: readonly { value: string; doc: string }[];
}

export interface ResourceShape {
    /** The resource's name: `esa:index:<name>` in every language. */
    name: string;
    doc: string;
    properties: Record<string, PropertyShape>;
    /** Named object types and enums this resource introduces. */
    types?: Record<string, ObjectTypeShape>;
    enums?: Record<string, EnumShape>;
}

/** The names of the properties the provider receives as inputs (after preparation), in declared order. */
export function inputKeys(shape: ResourceShape): string[] {
    return Object.entries(shape.properties)
        .filter(([, p]) => p.input !== undefined && !p.consumed)
        .map(([key]) => key);
}

/** The inputs whose change does `what`, in declared order. */
export function keysOn(shape: ResourceShape, what: OnChange): string[] {
    return Object.entries(shape.properties)
        .filter(([, p]) => p.input !== undefined && !p.consumed && (p.onChange ?? "update") === what)
        .map(([key]) => key);
}

/** Whether a property is in the outputs: outputs-only are always there unless said, inputs may be. */
export function outputOf(p: PropertyShape): "always" | "maybe" | "never" {
    return p.output ?? (p.input === undefined ? "always" : "maybe");
}

/** The properties a program reads back (the TypeScript class declares each as an output). */
export function outputKeys(shape: ResourceShape): string[] {
    return Object.entries(shape.properties)
        .filter(([, p]) => !p.internal && outputOf(p) !== "never")
        .map(([key]) => key);
}

/**
 * The properties a TypeScript class registers with no value, so that they are read back
 * from the state (a looked-up resource has no arguments at all).
 */
export function unsetOutputs(shape: ResourceShape): Record<string, undefined> {
    return Object.fromEntries(outputKeys(shape).map((key) => [key, undefined]));
}
