/**
 * Progressive rollout of `RoutineCodeDeployment` (README: Progressive rollout): the step planner, the
 * gates, the walk inside `create`/`update`, the preview at `diff`, and the emergency
 * controls read from stack config.
 */
export { parseRolloutControl, ROLLOUT_CONTROL_KEY } from "./control";
export type { RolloutControl } from "./control";
export { locate, planRollout } from "./plan";
export type { PlannedStep, RolloutPlan } from "./plan";
export { previewRollout } from "./preview";
export { RolloutHalted, runRollout } from "./walk";
export type { RolloutContext } from "./walk";
export { stagingAddress } from "./staging-address";
export { readLiveFresh } from "./live";
export type * from "./types";
