/**
 * Canary: the stable version and a canary share production. A pipeline steps the
 * canary with one config change per stage, and the preview shows old and new split:
 *
 *   pulumi config set canaryPercent 10 && pulumi up   # 90 / 10
 *   pulumi config set canaryPercent 50 && pulumi up   # 50 / 50, an in-place update
 *   pulumi config set canaryPercent 100 && pulumi up  # the canary serves everything
 *
 * A 0 % entry means "not serving" and is left out of the deployment, so the list keeps
 * its shape at 0 and at 100.
 */
import * as pulumi from "@pulumi/pulumi";
import { RoutineCodeDeployment } from "esa-routine-deployment";

export = async () => {
    const config = new pulumi.Config();
    const canaryPercent = config.getNumber("canaryPercent") ?? 10;
    const production = new RoutineCodeDeployment("production", {
        name: config.get("routine") ?? "hello-edge",
        env: "production",
        codeVersions: [
            { codeVersion: config.get("stableVersion") ?? "1723599747213377175", percentage: 100 - canaryPercent },
            { codeVersion: config.get("canaryVersion") ?? "1723599747213377176", percentage: canaryPercent },
        ],
    });
    return { deploymentId: production.deploymentId, codeVersions: production.codeVersions };
};
