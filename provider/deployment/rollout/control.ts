/**
 * The emergency controls, from stack config so a pipeline can use them without editing
 * the program: `esa:rolloutAction` = `promote:<candidate>` (finish now: the declared
 * split at once, remaining steps and gates skipped) or `abort:<candidate>` (back to the
 * split that was live before the rollout, recorded as the new truth).
 *
 * Bound to the candidate version, so an approval left in the config cannot promote or
 * abort another candidate's rollout later. (The config key keeps its first name,
 * `rolloutAction`, which existing pipelines set; in code an "action" is an ESA API call.)
 */
export const ROLLOUT_CONTROL_KEY = "esa:rolloutAction";

export interface RolloutControl {
    verb: "promote" | "abort";
    candidate: string;
}

type ParsedControl = { control?: RolloutControl; error?: string };

export function parseRolloutControl(value: string | undefined): ParsedControl {
    if (value === undefined || value.trim() === "") return {};
    const match = /^\s*(promote|abort)\s*:\s*(\S+)\s*$/.exec(value);
    if (!match) {
        return {
            error:
                `${ROLLOUT_CONTROL_KEY} is "${value}", which is not an action: use "promote:<candidate version>" (finish the rollout now) ` +
                `or "abort:<candidate version>" (back to the split live before it), or remove it (\`pulumi config rm ${ROLLOUT_CONTROL_KEY}\`).`,
        };
    }
    return { control: { verb: match[1] as RolloutControl["verb"], candidate: match[2] } };
}

/** The control if it names `candidate`; otherwise nothing (a stale or foreign one is ignored). */
export function controlFor(control: RolloutControl | undefined, candidate: string | undefined): RolloutControl | undefined {
    return control && candidate !== undefined && control.candidate === candidate ? control : undefined;
}
