"""Release from source: the routine's code in routine/index.js becomes a code version,
staging serves it at once, and production runs it as a canary, all in one `pulumi up`.

    pulumi up                                   # routine, version, staging 100 %, production 100 %
    pulumi config set stableVersion <id>        # the version production keeps serving
    pulumi config set canaryPercent 10          # the new code's share of production
    (edit routine/index.js) && pulumi up        # one new version, both deployments updated

The version id is unknown until the version exists, so the preview of a code edit shows
the new version and both deployment updates together.
"""

import pulumi
import pulumi_esa as esa

config = pulumi.Config()
routine = esa.Routine(
    "routine",
    name=config.get("routine") or "hello-release",
    description="Released from source",
)

version = esa.RoutineCodeVersion(
    "code",
    routine=routine.name,
    code=pulumi.FileAsset("routine/index.js"),
    description="routine/index.js",
    deploy_env=esa.RoutineEnvironment.PRODUCTION,
)

staging = esa.RoutineCodeDeployment(
    "staging",
    name=routine.name,
    env=esa.RoutineEnvironment.STAGING,
    code_versions=[esa.CodeVersionSplitArgs(code_version=version.code_version, percentage=100)],
)

# Without a stable version, the new code takes all of production.
stable_version = config.get("stableVersion")
canary_percent = 100
if stable_version:
    canary_percent = config.get_int("canaryPercent")
    if canary_percent is None:
        canary_percent = 10
split = [esa.CodeVersionSplitArgs(code_version=version.code_version, percentage=canary_percent)]
if stable_version:
    split.append(esa.CodeVersionSplitArgs(code_version=stable_version, percentage=100 - canary_percent))
production = esa.RoutineCodeDeployment(
    "production",
    name=routine.name,
    env=esa.RoutineEnvironment.PRODUCTION,
    code_versions=split,
    opts=pulumi.ResourceOptions(depends_on=[staging]),
)

pulumi.export("codeVersion", version.code_version)
pulumi.export("contentHash", version.content_hash)
pulumi.export("production", production.code_versions)
