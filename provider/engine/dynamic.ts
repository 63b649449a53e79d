import type * as dynamic from "@pulumi/pulumi/dynamic";

/** A dynamic provider's methods, as the engine calls them: every resource's provider has them all. */
export type DynamicProvider = Required<
    Pick<dynamic.ResourceProvider, "check" | "diff" | "create" | "read" | "update" | "delete" | "configure">
>;
