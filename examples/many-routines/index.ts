/**
 * Many routines: one map in stack config says which version each routine runs; every
 * routine gets a staging and a production deployment.
 *
 *   pulumi config set --path --type string 'routines.hello-edge' 1723599747213377175
 *   pulumi config set --path --type string 'routines.api-edge' 1723599747213377180
 *   pulumi up
 *
 * `--type string` keeps the 19-digit ids strings: with `--path`, a value that looks like
 * a number is stored as one, and JavaScript cannot hold such a number exactly.
 */
import * as pulumi from "@pulumi/pulumi";
import { RoutineCodeDeployment } from "esa-routine-deployment";

const ENVIRONMENTS = ["staging", "production"] as const;

export = async () => {
    const config = new pulumi.Config();
    const routines = config.getObject<Record<string, string>>("routines") ?? { "hello-edge": "1723599747213377175" };
    const deployments: Record<string, pulumi.Output<string>> = {};
    for (const [routine, codeVersion] of Object.entries(routines)) {
        for (const env of ENVIRONMENTS) {
            const deployment = new RoutineCodeDeployment(`${routine}-${env}`, {
                name: routine,
                env,
                codeVersions: [{ codeVersion, percentage: 100 }],
            });
            deployments[`${routine}:${env}`] = deployment.deploymentId;
        }
    }
    return { deployments };
};
