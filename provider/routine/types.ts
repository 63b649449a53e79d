/** Shapes of the `Routine` provider: what the engine passes and the state records, and the input keys. */

export interface RoutineInputs {
    name: string;
    description?: string;
    adoptExisting?: boolean;
    region?: string;
    endpoint?: string;
    timeoutSeconds?: number;
}

export interface RoutineOutputs extends RoutineInputs {
    /** True when this stack created the routine (and so may delete it). */
    createdByStack: boolean;
    createTime: string;
}

export const ROUTINE_INPUT_KEYS = ["name", "description", "adoptExisting", "region", "endpoint", "timeoutSeconds"] as const;

/** Inputs whose change makes another routine: the name is the routine's identity in ESA. */
export const REPLACING_KEYS = ["name"] as const;
/** Inputs changed in place: the description (UpdateRoutineConfigDescription) and the provider's own settings (no API call). */
export const IN_PLACE_KEYS = ["description", "adoptExisting", "region", "endpoint", "timeoutSeconds"] as const;
