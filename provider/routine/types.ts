/** Shapes of the `Routine` provider: what the engine passes and the state records, and the input keys (from `./shape`). */
import { inputKeys, keysOn } from "../engine/shape";
import { ROUTINE_SHAPE } from "./shape";

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

export const ROUTINE_INPUT_KEYS = inputKeys(ROUTINE_SHAPE);

/** Inputs whose change makes another routine: the name is the routine's identity in ESA. */
export const REPLACING_KEYS = keysOn(ROUTINE_SHAPE, "replace");
/** Inputs changed in place: the description (UpdateRoutineConfigDescription) and the provider's own settings (no API call). */
export const IN_PLACE_KEYS = keysOn(ROUTINE_SHAPE, "update");
