// Release from source: the routine's code in routine/index.js becomes a code version,
// staging serves it at once, and production runs it as a canary, all in one `pulumi up`.
//
//	pulumi up                                   # routine, version, staging 100 %, production 100 %
//	pulumi config set stableVersion <id>        # the version production keeps serving
//	pulumi config set canaryPercent 10          # the new code's share of production
//	(edit routine/index.js) && pulumi up        # one new version, both deployments updated
//
// The version id is unknown until the version exists, so the preview of a code edit
// shows the new version and both deployment updates together.
package main

import (
	"github.com/esa-routine-deployment/esa-routine-deployment/sdk/go/esa"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		name := cfg.Get("routine")
		if name == "" {
			name = "hello-release"
		}
		routine, err := esa.NewRoutine(ctx, "routine", &esa.RoutineArgs{
			Name:        pulumi.String(name),
			Description: pulumi.String("Released from source"),
		})
		if err != nil {
			return err
		}

		version, err := esa.NewRoutineCodeVersion(ctx, "code", &esa.RoutineCodeVersionArgs{
			Routine:     routine.Name,
			Code:        pulumi.NewFileAsset("routine/index.js"),
			Description: pulumi.String("routine/index.js"),
			DeployEnv:   esa.RoutineEnvironmentProduction,
		})
		if err != nil {
			return err
		}

		staging, err := esa.NewRoutineCodeDeployment(ctx, "staging", &esa.RoutineCodeDeploymentArgs{
			Name: routine.Name,
			Env:  esa.RoutineEnvironmentStaging,
			CodeVersions: esa.CodeVersionSplitArray{
				esa.CodeVersionSplitArgs{CodeVersion: version.CodeVersion, Percentage: pulumi.Int(100)},
			},
		})
		if err != nil {
			return err
		}

		// Without a stable version, the new code takes all of production.
		stableVersion := cfg.Get("stableVersion")
		canaryPercent := 100
		if stableVersion != "" {
			canaryPercent = 10
			if v, err := cfg.TryInt("canaryPercent"); err == nil {
				canaryPercent = v
			}
		}
		split := esa.CodeVersionSplitArray{
			esa.CodeVersionSplitArgs{CodeVersion: version.CodeVersion, Percentage: pulumi.Int(canaryPercent)},
		}
		if stableVersion != "" {
			split = append(split, esa.CodeVersionSplitArgs{CodeVersion: pulumi.String(stableVersion), Percentage: pulumi.Int(100 - canaryPercent)})
		}
		production, err := esa.NewRoutineCodeDeployment(ctx, "production", &esa.RoutineCodeDeploymentArgs{
			Name:         routine.Name,
			Env:          esa.RoutineEnvironmentProduction,
			CodeVersions: split,
		}, pulumi.DependsOn([]pulumi.Resource{staging}))
		if err != nil {
			return err
		}

		ctx.Export("codeVersion", version.CodeVersion)
		ctx.Export("contentHash", version.ContentHash)
		ctx.Export("production", production.CodeVersions)
		return nil
	})
}
