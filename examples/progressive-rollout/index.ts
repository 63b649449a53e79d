/**
 * Progressive rollout: the next version serves all of staging first; production then
 * walks to the declared share of the next version through steps (10 % → 50 % → the
 * declared share), each held for `bakeSeconds` and then gated. A failed gate restores
 * what served before and fails the `up`.
 *
 *   pulumi up                                            # staging: next 100 %; production: previous 100 %
 *   pulumi config set productionPercent 100 && pulumi up # production walks 10 → 50 → 100 within this up
 *
 * With `rolloutMode: stepwise`, each bare `pulumi up` (from a pipeline or a schedule)
 * moves at most one step, once the step's hold has passed; `pulumi preview` says when.
 * In an emergency: `npx esa-routine-deployment rollout promote` (or `abort`), then `pulumi up`.
 *
 * Gates: `healthUrl` (and `healthHost`, sent as Host) is probed with `healthSamples`
 * requests (default 50) after each hold; `gateCommand` runs with the rollout's facts in
 * `ESA_ROLLOUT_*` variables.
 * Production waits for staging (dependsOn), so a failed staging deployment stops the
 * rollout before production changes.
 */
import * as pulumi from "@pulumi/pulumi";
import { RoutineCodeDeployment } from "esa-routine-deployment";

export = async () => {
    const config = new pulumi.Config();
    const routine = config.get("routine") ?? "hello-edge";
    const previous = config.get("previousVersion") ?? "1723599747213377175";
    const next = config.get("nextVersion") ?? "1723599747213377176";
    const productionPercent = config.getNumber("productionPercent") ?? 0;
    // Seconds each step holds: short for the local emulator; minutes for real traffic.
    const bakeSeconds = config.getNumber("bakeSeconds") ?? 5;
    const mode = (config.get("rolloutMode") ?? "continuous") as "continuous" | "stepwise";
    const healthUrl = config.get("healthUrl");
    const healthHost = config.get("healthHost");
    // At 10 %, one request in ten reaches the next version: 50 samples let a next version
    // that fails every request through step 1 in 0.5 % of rollouts (20 would in 12 %).
    const healthSamples = config.getNumber("healthSamples") ?? 50;
    const gateCommand = config.get("gateCommand");

    const staging = new RoutineCodeDeployment("staging", {
        name: routine,
        env: "staging",
        codeVersions: [{ codeVersion: next, percentage: 100 }],
    });
    const production = new RoutineCodeDeployment(
        "production",
        {
            name: routine,
            env: "production",
            codeVersions: [
                { codeVersion: previous, percentage: 100 - productionPercent },
                { codeVersion: next, percentage: productionPercent },
            ],
            rollout: {
                steps: [10, 50, productionPercent].filter((p, i, all) => p > 0 && all.indexOf(p) === i).sort((a, b) => a - b),
                bakeSeconds,
                mode,
                gates: [
                    ...(healthUrl
                        ? [
                              {
                                  name: "health",
                                  http: { url: healthUrl, headers: healthHost ? { Host: healthHost } : {}, samples: healthSamples },
                              },
                          ]
                        : []),
                    ...(gateCommand ? [{ name: "command", command: gateCommand }] : []),
                ],
            },
        },
        { dependsOn: [staging] },
    );
    return {
        staging: staging.codeVersions,
        production: production.codeVersions,
        // Where the last rollout stands: in-progress (with its step), succeeded, failed, aborted or stopped.
        rollout: production.rolloutState.apply((state) => (state ? `${state.status} (step ${state.step}/${state.steps})` : "none yet")),
    };
};
