/**
 * `check` of `RoutineCodeVersion`: the validation of its inputs, which the engine runs in
 * every preview (the plan is `./diff`).
 *
 * Values unknown at preview time are never an error. `contentHash` is computed here from
 * the parts that make a version; when one of them is unknown, so is the hash, and the
 * diff plans a replacement (the version id is then unknown too, which is what lets a
 * deployment that uses it show its update in the same preview).
 */
import { describeValue } from "../engine/input-values";
import { isUnknown, UNKNOWN } from "../engine/unknowns";
import { timeoutProblem } from "../esa/config";
import { contentHashOf } from "./source";
import { CodeVersionInputs, DEPLOY_ENVS, INPUT_KEYS } from "./types";

/** A version's free text that may be secret: its description (the code itself never reaches the provider's inputs). */
export function codeVersionFreeText(values: Record<string, unknown>): unknown[] {
    return values.description === values.routine ? [] : [values.description];
}

export interface CheckFailure {
    property: string;
    reason: string;
}

export function checkCodeVersion(raw: Record<string, any>): { inputs: CodeVersionInputs; failures: CheckFailure[] } {
    const failures: CheckFailure[] = [];
    const inputs: Record<string, any> = {};
    const source = raw !== null && typeof raw === "object" ? raw : {};
    for (const key of INPUT_KEYS) if (source[key] !== undefined && source[key] !== null) inputs[key] = source[key];
    const known = (key: string) => inputs[key] !== undefined && !isUnknown(inputs[key]);

    if (inputs.routine === undefined)
        failures.push({
            property: "routine",
            reason: "routine is required: the name of the routine (or a Routine resource's name output).",
        });
    else if (
        known("routine") &&
        (typeof inputs.routine !== "string" || inputs.routine.trim() === "" || inputs.routine.trim() !== inputs.routine)
    )
        failures.push({
            property: "routine",
            reason: `routine must be a non-empty routine name without surrounding whitespace, got ${describeValue(inputs.routine)}.`,
        });
    if (known("sourceKind") && inputs.sourceKind !== "script" && inputs.sourceKind !== "assets")
        failures.push({
            property: "code",
            reason: `the source kind must be "script" or "assets", got ${describeValue(inputs.sourceKind)}.`,
        });
    if (known("sourceHash") && !/^[0-9a-f]{64}$/.test(String(inputs.sourceHash)))
        failures.push({
            property: "code",
            reason: "the prepared source has no valid sha256: create the resource with the RoutineCodeVersion class of esa-routine-deployment.",
        });
    const problem = inputs.sourceProblem as { property?: unknown; reason?: unknown } | undefined;
    if (known("sourceProblem"))
        failures.push({
            property: problem?.property === "assets" ? "assets" : "code",
            reason: typeof problem?.reason === "string" ? problem.reason : "the source could not be prepared.",
        });
    else if (inputs.sourceHash === undefined || inputs.sourceFile === undefined)
        failures.push({ property: "code", reason: "code is required: a string, a pulumi.asset.FileAsset or a pulumi.asset.StringAsset." });
    if (known("description") && typeof inputs.description !== "string")
        failures.push({ property: "description", reason: `description must be a string, got ${describeValue(inputs.description)}.` });
    if (known("deployEnv") && !(DEPLOY_ENVS as readonly string[]).includes(inputs.deployEnv)) {
        const lower = String(inputs.deployEnv).trim().toLowerCase();
        const hint = lower.startsWith("prod") ? ' Did you mean "production"?' : lower.startsWith("stag") ? ' Did you mean "staging"?' : "";
        failures.push({
            property: "deployEnv",
            reason: `deployEnv must be "staging" or "production" (whose environment variables are bundled), got ${describeValue(inputs.deployEnv)}.${hint}`,
        });
    }
    if (known("pruneUnusedVersions") && typeof inputs.pruneUnusedVersions !== "boolean")
        failures.push({ property: "pruneUnusedVersions", reason: "pruneUnusedVersions must be true or false." });
    const timeout = known("timeoutSeconds") ? timeoutProblem(inputs.timeoutSeconds, describeValue) : undefined;
    if (timeout) failures.push({ property: "timeoutSeconds", reason: timeout });

    const parts = ["sourceKind", "sourceHash", "description", "deployEnv"].map((key) => inputs[key]);
    inputs.contentHash = parts.some(isUnknown)
        ? UNKNOWN
        : contentHashOf({
              kind: inputs.sourceKind,
              sourceHash: inputs.sourceHash,
              description: inputs.description,
              deployEnv: inputs.deployEnv,
          });
    return { inputs: inputs as CodeVersionInputs, failures };
}
