"""Progressive rollout: the next version serves all of staging first; production then
walks to the declared share of the next version through steps (10 % -> 50 % -> the
declared share), each held for `bakeSeconds` and then gated. A failed gate restores what
served before and fails the `up`.

    pulumi up                                            # staging: next 100 %; production: previous 100 %
    pulumi config set productionPercent 100 && pulumi up # production walks 10 -> 50 -> 100 within this up

With `rolloutMode: stepwise`, each bare `pulumi up` moves at most one step, once the
step's hold has passed. In an emergency: `npx esa-routine-deployment rollout promote`
(or `abort`), then `pulumi up`.

Gates: `healthUrl` (and `healthHost`, sent as Host) is probed with `healthSamples`
requests (default 50) after each hold; `gateCommand` runs with the rollout's facts in
`ESA_ROLLOUT_*` variables. Production waits for staging (depends_on), so a failed staging
deployment stops the rollout before production changes.
"""

import pulumi
import pulumi_esa as esa


def get_int(config: pulumi.Config, key: str, default: int) -> int:
    value = config.get_int(key)
    return default if value is None else value


config = pulumi.Config()
routine = config.get("routine") or "hello-edge"
previous = config.get("previousVersion") or "1723599747213377175"
next_version = config.get("nextVersion") or "1723599747213377176"
production_percent = get_int(config, "productionPercent", 0)
# Seconds each step holds: short for the local emulator; minutes for real traffic.
bake_seconds = get_int(config, "bakeSeconds", 5)
mode = config.get("rolloutMode") or "continuous"
health_url = config.get("healthUrl")
health_host = config.get("healthHost")
# At 10 %, one request in ten reaches the next version: 50 samples let a next version
# that fails every request through step 1 in 0.5 % of rollouts (20 would in 12 %).
health_samples = get_int(config, "healthSamples", 50)
gate_command = config.get("gateCommand")

staging = esa.RoutineCodeDeployment(
    "staging",
    name=routine,
    env=esa.RoutineEnvironment.STAGING,
    code_versions=[esa.CodeVersionSplitArgs(code_version=next_version, percentage=100)],
)

gates = []
if health_url:
    gates.append(
        esa.RolloutGateArgs(
            name="health",
            http=esa.HttpGateArgs(
                url=health_url,
                headers={"Host": health_host} if health_host else {},
                samples=health_samples,
            ),
        )
    )
if gate_command:
    gates.append(esa.RolloutGateArgs(name="command", command=esa.CommandGateArgs(run=gate_command)))

steps = sorted({p for p in (10, 50, production_percent) if p > 0})
production = esa.RoutineCodeDeployment(
    "production",
    name=routine,
    env=esa.RoutineEnvironment.PRODUCTION,
    code_versions=[
        esa.CodeVersionSplitArgs(code_version=previous, percentage=100 - production_percent),
        esa.CodeVersionSplitArgs(code_version=next_version, percentage=production_percent),
    ],
    rollout=esa.RolloutArgs(
        steps=[esa.RolloutStepArgs(percentage=p) for p in steps],
        bake_seconds=bake_seconds,
        mode=mode,
        gates=gates,
    ),
    opts=pulumi.ResourceOptions(depends_on=[staging]),
)

pulumi.export("staging", staging.code_versions)
pulumi.export("production", production.code_versions)
# Where the last rollout stands: in-progress (with its step), succeeded, failed, aborted or stopped.
pulumi.export(
    "rollout",
    production.rollout_state.apply(
        lambda state: f"{state.status} (step {state.step}/{state.steps})" if state else "none yet"
    ),
)
