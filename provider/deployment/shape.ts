/**
 * `RoutineCodeDeployment`'s shape, declared once (see `../engine/shape`): its inputs and
 * outputs, the object types of a split and a rollout, and what each change does.
 *
 * The rollout's types have one form each (a step is an object, a gate's command an
 * object, `expectStatus` a list), so every language gets typed classes; the TypeScript
 * class also takes the shorter forms (`steps: [10, 50]`, `command: "…"`), which check
 * turns into these.
 */
import type { ResourceShape } from "../engine/shape";
import { CONNECTION_PROPERTIES } from "../esa/shape";

const SPLIT = { array: { object: "CodeVersionSplit" } } as const;

export const DEPLOYMENT_SHAPE = {
    name: "RoutineCodeDeployment",
    doc:
        "Declares which code versions of an ESA edge routine serve one environment (`staging` or `production`), and in which " +
        "percentages. The id is `<name>:<env>`. Creating it adopts a live deployment that already serves the declared split; " +
        "deleting it only removes it from the stack (ESA keeps serving the last split). With `rollout`, a changed split goes " +
        "live through held and gated steps, and a failed gate restores the split from before.",
    properties: {
        name: {
            type: "string",
            doc: "The routine's name. Changing it replaces the resource.",
            input: "required",
            output: "always",
            onChange: "replace",
        },
        env: {
            type: { enum: "RoutineEnvironment" },
            doc: "`staging` or `production`. Changing it replaces the resource.",
            input: "required",
            output: "always",
            onChange: "replace",
        },
        strategy: {
            type: "string",
            doc: "The deployment strategy: `percentage`, the only one ESA offers, and the default.",
            input: "optional",
            output: "always",
        },
        codeVersions: {
            type: SPLIT,
            doc:
                "1 or 2 versions with a percentage above 0, adding up to 100 (0 % entries are kept in the program but not deployed). " +
                "Order never matters: the list is compared as a set. Changing it updates the deployment in place. As an output: the " +
                "live split, oldest version first.",
            input: "required",
            output: "always",
            compare: "set",
        },
        region: CONNECTION_PROPERTIES.region,
        endpoint: CONNECTION_PROPERTIES.endpoint,
        timeoutSeconds: {
            ...CONNECTION_PROPERTIES.timeoutSeconds,
            doc: "How long one create, update or refresh may take, retries included, in seconds (default 300, or the provider's `timeoutSeconds`).",
            onChange: "nothing",
        },
        rollout: {
            type: { object: "Rollout" },
            doc:
                "Walk to `codeVersions` through steps instead of deploying it at once: each step is held, then gated; a failed gate " +
                "restores the split live before. Then `codeVersions` (the output) is what is live, and `rolloutState` where the " +
                "rollout stands.",
            input: "optional",
            onChange: "nothing",
        },
        deploymentId: { type: "string", doc: "The `DeploymentId` of the last deployment this resource made or observed." },
        rolloutState: {
            type: { object: "RolloutState" },
            doc: "Where the last rollout stands (status, candidate, step, since when, gate results), if there was one.",
            output: "maybe",
        },
        recordedSplit: {
            type: SPLIT,
            doc: "The split the stack's last `up` left serving, kept by a refresh so that the next `up` can tell a step left live by an interrupted run.",
            output: "maybe",
        },
    },
    enums: {
        RoutineEnvironment: {
            doc: "An environment of a routine.",
            values: [
                { value: "staging", doc: "The staging environment." },
                { value: "production", doc: "The production environment." },
            ],
        },
    },
    types: {
        CodeVersionSplit: {
            doc: "One code version and the percentage of traffic it serves.",
            properties: {
                codeVersion: {
                    type: "string",
                    doc: "The id of a committed code version of the routine (a 19-digit number, as a string).",
                    required: true,
                },
                percentage: { type: "integer", doc: "An integer from 0 to 100.", required: true },
            },
        },
        Rollout: {
            doc: "How a changed split goes live: through steps, holds and gates.",
            properties: {
                steps: {
                    type: { array: { object: "RolloutStep" } },
                    doc: "The candidate's percentages on the way, growing, e.g. 10 then 50 (a final 100 is held and gated too).",
                    required: true,
                },
                bakeSeconds: { type: "integer", doc: "The hold of a step that gives none, in seconds (default 60)." },
                mode: {
                    type: "string",
                    doc: "`continuous` (default): the whole walk within one `pulumi up`. `stepwise`: at most one step per `pulumi up`, once the hold has passed.",
                },
                gates: { type: { array: { object: "RolloutGate" } }, doc: "Checked after each step's hold; any failure rolls back." },
                retry: { type: "string", doc: "Change it to start again a rollout that failed, was aborted or was stopped." },
            },
        },
        RolloutStep: {
            doc: "A step of a rollout: the candidate's percentage, held for `bakeSeconds` before the gates run.",
            properties: {
                percentage: { type: "integer", doc: "The candidate's share at this step, 1–100; steps must grow.", required: true },
                bakeSeconds: {
                    type: "integer",
                    doc: "How long the step is held before its gates (default `rollout.bakeSeconds`, else 60).",
                },
            },
        },
        RolloutGate: {
            doc: "A gate checked after each step's hold. Exactly one of `http` and `command`.",
            properties: {
                name: {
                    type: "string",
                    doc: "Shown in messages and the rollout state (default `gates[i] (http)` / `gates[i] (command)`).",
                },
                timeoutSeconds: { type: "integer", doc: "The gate's whole time budget, in seconds (default 30)." },
                http: { type: { object: "HttpGate" }, doc: "An HTTP probe." },
                command: { type: { object: "CommandGate" }, doc: "A shell command; exit code 0 passes." },
            },
        },
        HttpGate: {
            doc: "An HTTP probe: `samples` requests, passing when at most `allowedFailures` fail.",
            properties: {
                url: { type: "string", doc: "The URL probed.", required: true },
                headers: { type: { map: "string" }, doc: "Extra request headers, `Host` included." },
                expectStatus: { type: { array: "integer" }, doc: "Accepted statuses (default: any 2xx)." },
                expectBody: { type: "string", doc: "Text each answer's body must contain." },
                samples: { type: "integer", doc: "Requests per probe (default 10)." },
                allowedFailures: { type: "integer", doc: "How many of them may fail (default 0)." },
                target: {
                    type: "string",
                    doc: "`staging`: send to the routine's staging address (GetRoutineStagingEnvIp) with the URL's host name as Host.",
                },
            },
        },
        CommandGate: {
            doc:
                "A shell command line (`/bin/sh -c`, in the program's directory); exit code 0 passes. It gets `ESA_ROLLOUT_ROUTINE`, " +
                "`_ENV`, `_STEP`, `_STEPS`, `_CANDIDATE`, `_STABLE`, `_CANDIDATE_PERCENTAGE`, `_STABLE_PERCENTAGE` and `_SPLIT`; its " +
                "output is shown when it fails.",
            properties: {
                run: { type: "string", doc: "The command line.", required: true },
                cwd: { type: "string", doc: "Where it runs (default: the program's directory)." },
            },
        },
        RolloutState: {
            doc: "Where a rollout stands: version ids only, never anything of the code or the credentials.",
            properties: {
                status: { type: "string", doc: "`in-progress`, `succeeded`, `failed`, `aborted` or `stopped`.", required: true },
                candidate: { type: "string", doc: "The version whose share grows.", required: true },
                stable: { type: "string", doc: "The version that serves the rest, if any." },
                from: { type: SPLIT, doc: "The split live when the rollout started: what a failure or an abort restores.", required: true },
                target: { type: SPLIT, doc: "The declared split the rollout walks to.", required: true },
                step: { type: "integer", doc: "The step whose split is live (1-based; 0 before the first).", required: true },
                steps: { type: "integer", doc: "How many splits the walk sets, the target included.", required: true },
                split: { type: SPLIT, doc: "The split this rollout set last.", required: true },
                since: { type: "string", doc: "When `split` went live (ISO-8601).", required: true },
                nextAt: { type: "string", doc: "In stepwise mode: the earliest time the next `up` moves on." },
                mode: { type: "string", doc: "`continuous` or `stepwise`.", required: true },
                gates: {
                    type: { array: { object: "RolloutGateResult" } },
                    doc: "What the gates saw after the last step's hold.",
                    required: true,
                },
                history: { type: { array: { object: "RolloutStepRecord" } }, doc: "Each step as it was walked.", required: true },
                failedCandidate: { type: "string", doc: "The candidate that failed a gate, or whose rollout was aborted or stopped." },
                message: { type: "string", doc: "Why the rollout ended as it did." },
                retry: { type: "string", doc: "The `rollout.retry` value this rollout ran under." },
                action: { type: "string", doc: "How it ended early, if it did: `promote` or `abort` (from `esa:rolloutAction`)." },
            },
        },
        RolloutGateResult: {
            doc: "What one gate saw after one step's hold.",
            properties: {
                gate: { type: "string", doc: "The gate's name.", required: true },
                step: { type: "integer", doc: "The step.", required: true },
                passed: { type: "boolean", doc: "Whether it passed.", required: true },
                detail: { type: "string", doc: "What it saw: statuses and versions that answered, or the command's exit.", required: true },
                at: { type: "string", doc: "When it ended (ISO-8601).", required: true },
                durationMs: { type: "integer", doc: "How long it took.", required: true },
            },
        },
        RolloutStepRecord: {
            doc: "One step as it was walked: when its split went live and how long it was held.",
            properties: {
                step: { type: "integer", doc: "The step.", required: true },
                candidatePercentage: { type: "integer", doc: "The candidate's share.", required: true },
                setAt: { type: "string", doc: "When its split went live (ISO-8601).", required: true },
                bakedMs: { type: "integer", doc: "From going live to the start of its gates; absent while held." },
                bakeSeconds: { type: "integer", doc: "The declared hold.", required: true },
            },
        },
    },
} as const satisfies ResourceShape;
