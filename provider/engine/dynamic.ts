import type * as dynamic from "@pulumi/pulumi/dynamic";

/**
 * A diff's answer: the dynamic provider's, plus every input that differs, which the
 * native plugin sends as the detailed diff (a preview then shows old → new per
 * property). The dynamic-provider plugin ignores `changed`.
 */
export interface DiffAnswer extends dynamic.DiffResult {
    changed?: string[];
}

/** A dynamic provider's methods, as the engine calls them: every resource's provider has them all. */
export type DynamicProvider = Required<Pick<dynamic.ResourceProvider, "check" | "create" | "read" | "update" | "delete" | "configure">> & {
    diff(id: string, olds: any, news: any): Promise<DiffAnswer>;
};
