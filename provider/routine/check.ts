/**
 * `check` of `Routine`: the validation of its inputs, which the engine runs in every
 * preview (the plan is `./diff`). Values unknown at preview time are never an error.
 */
import { describeValue } from "../engine/input-values";
import { isUnknown } from "../engine/unknowns";
import { timeoutProblem } from "../esa/config";
import { ROUTINE_INPUT_KEYS } from "./types";

/** A routine's free text that may be secret: its description. */
export function routineFreeText(values: Record<string, unknown>): unknown[] {
    return values.description === values.name ? [] : [values.description];
}

/** A routine name: 2–64 lower-case letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
const ROUTINE_NAME = /^[a-z][a-z0-9-]{0,62}[a-z0-9]$/;

export function checkRoutine(news: Record<string, any>) {
    const failures: { property: string; reason: string }[] = [];
    const inputs: Record<string, any> = {};
    const source = news !== null && typeof news === "object" ? news : {};
    for (const key of ROUTINE_INPUT_KEYS) if (source[key] !== undefined && source[key] !== null) inputs[key] = source[key];
    const known = (key: string) => inputs[key] !== undefined && !isUnknown(inputs[key]);
    if (inputs.name === undefined) failures.push({ property: "name", reason: "name is required: the routine's name." });
    else if (known("name") && (typeof inputs.name !== "string" || !ROUTINE_NAME.test(inputs.name)))
        failures.push({
            property: "name",
            reason: `name must be 2–64 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen; got ${describeValue(inputs.name)}.`,
        });
    if (known("description") && typeof inputs.description !== "string")
        failures.push({ property: "description", reason: `description must be a string, got ${describeValue(inputs.description)}.` });
    if (known("adoptExisting") && typeof inputs.adoptExisting !== "boolean")
        failures.push({
            property: "adoptExisting",
            reason: `adoptExisting must be true or false, got ${describeValue(inputs.adoptExisting)}.`,
        });
    const timeout = known("timeoutSeconds") ? timeoutProblem(inputs.timeoutSeconds, describeValue) : undefined;
    if (timeout) failures.push({ property: "timeoutSeconds", reason: timeout });
    return { inputs, failures };
}
