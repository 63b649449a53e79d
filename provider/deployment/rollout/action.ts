/**
 * The emergency controls, from stack config so a pipeline can use them without editing
 * the program: `esa:rolloutAction` = `promote:<candidate>` (finish now: the declared
 * split at once, remaining steps and gates skipped) or `abort:<candidate>` (back to the
 * split that was live before the rollout, recorded as the new truth).
 *
 * Bound to the candidate version, so an approval left in the config cannot promote or
 * abort another candidate's rollout later.
 */
export const ROLLOUT_ACTION_KEY = "esa:rolloutAction";

export interface RolloutAction {
    verb: "promote" | "abort";
    candidate: string;
}

export type ParsedAction = { action?: RolloutAction; error?: string };

export function parseRolloutAction(value: string | undefined): ParsedAction {
    if (value === undefined || value.trim() === "") return {};
    const match = /^\s*(promote|abort)\s*:\s*(\S+)\s*$/.exec(value);
    if (!match) {
        return {
            error:
                `${ROLLOUT_ACTION_KEY} is "${value}", which is not an action: use "promote:<candidate version>" (finish the rollout now) ` +
                `or "abort:<candidate version>" (back to the split live before it), or remove it (\`pulumi config rm ${ROLLOUT_ACTION_KEY}\`).`,
        };
    }
    return { action: { verb: match[1] as RolloutAction["verb"], candidate: match[2] } };
}

/** The action if it names `candidate`; otherwise nothing (a stale or foreign action is ignored). */
export function actionFor(action: RolloutAction | undefined, candidate: string | undefined): RolloutAction | undefined {
    return action && candidate !== undefined && action.candidate === candidate ? action : undefined;
}
