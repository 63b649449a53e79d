/**
 * Release from source: the routine's code in `routine/index.js` becomes a code version,
 * staging serves it at once, and production runs it as a canary, all in one `pulumi up`.
 *
 *   pulumi up                                   # routine, version, staging 100 %, production 100 %
 *   pulumi config set stableVersion <id>        # the version production keeps serving
 *   pulumi config set canaryPercent 10          # the new code's share of production
 *   (edit routine/index.js) && pulumi up        # one new version, both deployments updated
 *
 * The version id is unknown until the version exists, so the preview of a code edit
 * shows the new version and both deployment updates together.
 */
import * as pulumi from "@pulumi/pulumi";
import { Routine, RoutineCodeDeployment, RoutineCodeVersion } from "esa-routine-deployment";

export = async () => {
    const config = new pulumi.Config();
    const routine = new Routine("routine", { name: config.get("routine") ?? "hello-release", description: "Released from source" });

    const version = new RoutineCodeVersion("code", {
        routine: routine.name,
        code: new pulumi.asset.FileAsset(`${__dirname}/routine/index.js`),
        description: "routine/index.js",
        deployEnv: "production",
    });

    const staging = new RoutineCodeDeployment("staging", {
        name: routine.name,
        env: "staging",
        codeVersions: [{ codeVersion: version.codeVersion, percentage: 100 }],
    });

    // Without a stable version, the new code takes all of production.
    const stableVersion = config.get("stableVersion");
    const canaryPercent = stableVersion ? (config.getNumber("canaryPercent") ?? 10) : 100;
    const production = new RoutineCodeDeployment(
        "production",
        {
            name: routine.name,
            env: "production",
            codeVersions: [
                { codeVersion: version.codeVersion, percentage: canaryPercent },
                ...(stableVersion ? [{ codeVersion: stableVersion, percentage: 100 - canaryPercent }] : []),
            ],
        },
        { dependsOn: [staging] },
    );

    return { codeVersion: version.codeVersion, contentHash: version.contentHash, production: production.codeVersions };
};
