/**
 * A failure after ESA accepted a change carries the resource's new state (`id` and
 * `properties`): the dynamic-provider plugin hands it to the engine as an initialization
 * failure, and the engine records it, so the stack keeps saying what is live.
 *
 * Two things the plugin does for a successful result but not for such a failure:
 * - it adds the loader (`__provider`) to the recorded outputs; without it, the next
 *   refresh or destroy of the resource cannot find its provider;
 * - it drops `undefined` values; a protobuf Struct has none, and the plugin then fails
 *   to answer at all, so the update hangs.
 * `keepingPartialState` does both for whatever a create or update throws.
 */
const LOADER_KEY = "__provider";

interface PartialStateFailure {
    id: string;
    properties: Record<string, unknown>;
}

function carriesState(error: unknown): error is PartialStateFailure {
    const e = error as Partial<PartialStateFailure> | null;
    return typeof e?.id === "string" && e.id !== "" && typeof e.properties === "object" && e.properties !== null;
}

/** Runs a create or update; a failure that carries the new state gets it in a form the engine records. */
export async function keepingPartialState<T>(inputs: object, run: () => Promise<T>): Promise<T> {
    try {
        return await run();
    } catch (error) {
        if (carriesState(error)) {
            const loader = (inputs as Record<string, unknown>)[LOADER_KEY];
            const properties = { ...error.properties, ...(loader === undefined ? {} : { [LOADER_KEY]: loader }) };
            error.properties = JSON.parse(JSON.stringify(properties));
        }
        throw error;
    }
}
