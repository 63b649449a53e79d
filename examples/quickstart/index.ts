/**
 * Quickstart: one code version serves all of a routine's staging traffic.
 *
 *   pulumi config set routine hello-edge
 *   pulumi config set codeVersion 1723599747213377175
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { RoutineCodeDeployment } from "esa-routine-deployment";

export = async () => {
    const config = new pulumi.Config();
    const staging = new RoutineCodeDeployment("staging", {
        name: config.get("routine") ?? "hello-edge",
        env: "staging",
        // Version ids are 19-digit numbers: keep them strings.
        codeVersions: [{ codeVersion: config.get("codeVersion") ?? "1723599747213377175", percentage: 100 }],
    });
    return { id: staging.id, deploymentId: staging.deploymentId, codeVersions: staging.codeVersions };
};
