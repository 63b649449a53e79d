/** `Routine`'s shape, declared once (see `../engine/shape`): its inputs, outputs and what each change does. */
import type { ResourceShape } from "../engine/shape";
import { CONNECTION_PROPERTIES } from "../esa/shape";

export const ROUTINE_SHAPE = {
    name: "Routine",
    doc:
        "An Alibaba Cloud ESA edge routine. The id is its name. Deleting the resource deletes the routine only if this stack " +
        "created it (an adopted routine is only forgotten).",
    properties: {
        name: {
            type: "string",
            doc: "The routine's name (2–64 lower-case letters, digits, hyphens). Changing it replaces the routine.",
            input: "required",
            output: "always",
            onChange: "replace",
        },
        description: { type: "string", doc: "A description shown in the ESA console; changed in place.", input: "optional" },
        adoptExisting: {
            type: "boolean",
            doc:
                "Bring a routine that already exists under this stack's management. Without it, creating a routine whose name is " +
                "taken fails. An adopted routine is never deleted by this stack: destroy only forgets it.",
            input: "optional",
        },
        ...CONNECTION_PROPERTIES,
        createdByStack: { type: "boolean", doc: "True when this stack created the routine (and destroy deletes it)." },
        createTime: { type: "string", doc: "When ESA created the routine (RFC 3339)." },
    },
} as const satisfies ResourceShape;
