// Progressive rollout: the next version serves all of staging first; production then
// walks to the declared share of the next version through steps (10 % -> 50 % -> the
// declared share), each held for `bakeSeconds` and then gated. A failed gate restores
// what served before and fails the `up`.
//
//	pulumi up                                            # staging: next 100 %; production: previous 100 %
//	pulumi config set productionPercent 100 && pulumi up # production walks 10 -> 50 -> 100 within this up
//
// With `rolloutMode: stepwise`, each bare `pulumi up` moves at most one step, once the
// step's hold has passed. In an emergency: `npx esa-routine-deployment rollout promote`
// (or `abort`), then `pulumi up`.
//
// Gates: `healthUrl` (and `healthHost`, sent as Host) is probed with `healthSamples`
// requests (default 50) after each hold; `gateCommand` runs with the rollout's facts in
// `ESA_ROLLOUT_*` variables. Production waits for staging (DependsOn), so a failed
// staging deployment stops the rollout before production changes.
package main

import (
	"fmt"
	"sort"

	"github.com/esa-routine-deployment/esa-routine-deployment/sdk/go/esa"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// getOr is the config value of key, or def when it is not set.
func getOr(cfg *config.Config, key, def string) string {
	if v := cfg.Get(key); v != "" {
		return v
	}
	return def
}

// intOr is the integer config value of key, or def when it is not set.
func intOr(cfg *config.Config, key string, def int) int {
	if v, err := cfg.TryInt(key); err == nil {
		return v
	}
	return def
}

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		routine := getOr(cfg, "routine", "hello-edge")
		previous := getOr(cfg, "previousVersion", "1723599747213377175")
		next := getOr(cfg, "nextVersion", "1723599747213377176")
		productionPercent := intOr(cfg, "productionPercent", 0)
		// Seconds each step holds: short for the local emulator; minutes for real traffic.
		bakeSeconds := intOr(cfg, "bakeSeconds", 5)
		mode := getOr(cfg, "rolloutMode", "continuous")
		healthURL := cfg.Get("healthUrl")
		healthHost := cfg.Get("healthHost")
		// At 10 %, one request in ten reaches the next version: 50 samples let a next version
		// that fails every request through step 1 in 0.5 % of rollouts (20 would in 12 %).
		healthSamples := intOr(cfg, "healthSamples", 50)
		gateCommand := cfg.Get("gateCommand")

		staging, err := esa.NewRoutineCodeDeployment(ctx, "staging", &esa.RoutineCodeDeploymentArgs{
			Name: pulumi.String(routine),
			Env:  esa.RoutineEnvironmentStaging,
			CodeVersions: esa.CodeVersionSplitArray{
				esa.CodeVersionSplitArgs{CodeVersion: pulumi.String(next), Percentage: pulumi.Int(100)},
			},
		})
		if err != nil {
			return err
		}

		gates := esa.RolloutGateArray{}
		if healthURL != "" {
			headers := pulumi.StringMap{}
			if healthHost != "" {
				headers["Host"] = pulumi.String(healthHost)
			}
			gates = append(gates, esa.RolloutGateArgs{
				Name: pulumi.String("health"),
				Http: &esa.HttpGateArgs{Url: pulumi.String(healthURL), Headers: headers, Samples: pulumi.Int(healthSamples)},
			})
		}
		if gateCommand != "" {
			gates = append(gates, esa.RolloutGateArgs{
				Name:    pulumi.String("command"),
				Command: &esa.CommandGateArgs{Run: pulumi.String(gateCommand)},
			})
		}

		// 10 %, 50 % and the declared share, each once, growing.
		percentages := []int{}
		for _, p := range []int{10, 50, productionPercent} {
			if p > 0 && !contains(percentages, p) {
				percentages = append(percentages, p)
			}
		}
		sort.Ints(percentages)
		steps := esa.RolloutStepArray{}
		for _, p := range percentages {
			steps = append(steps, esa.RolloutStepArgs{Percentage: pulumi.Int(p)})
		}

		production, err := esa.NewRoutineCodeDeployment(ctx, "production", &esa.RoutineCodeDeploymentArgs{
			Name: pulumi.String(routine),
			Env:  esa.RoutineEnvironmentProduction,
			CodeVersions: esa.CodeVersionSplitArray{
				esa.CodeVersionSplitArgs{CodeVersion: pulumi.String(previous), Percentage: pulumi.Int(100 - productionPercent)},
				esa.CodeVersionSplitArgs{CodeVersion: pulumi.String(next), Percentage: pulumi.Int(productionPercent)},
			},
			Rollout: &esa.RolloutArgs{
				Steps:       steps,
				BakeSeconds: pulumi.Int(bakeSeconds),
				Mode:        pulumi.String(mode),
				Gates:       gates,
			},
		}, pulumi.DependsOn([]pulumi.Resource{staging}))
		if err != nil {
			return err
		}

		ctx.Export("staging", staging.CodeVersions)
		ctx.Export("production", production.CodeVersions)
		// Where the last rollout stands: in-progress (with its step), succeeded, failed, aborted or stopped.
		ctx.Export("rollout", production.RolloutState.ApplyT(func(state *esa.RolloutState) string {
			if state == nil {
				return "none yet"
			}
			return fmt.Sprintf("%s (step %d/%d)", state.Status, state.Step, state.Steps)
		}).(pulumi.StringOutput))
		return nil
	})
}

func contains(values []int, v int) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}
