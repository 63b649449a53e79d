/**
 * Progressive rollout: the next version serves all of staging first, then takes over
 * production step by step while the previous version serves the rest:
 *
 *   pulumi up                                          # staging: next 100 %; production: previous 100 %
 *   pulumi config set productionPercent 10 && pulumi up
 *   pulumi config set productionPercent 50 && pulumi up
 *   pulumi config set productionPercent 100 && pulumi up
 *
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
        },
        { dependsOn: [staging] },
    );
    return { staging: staging.codeVersions, production: production.codeVersions };
};
