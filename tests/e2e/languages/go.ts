/**
 * The program of `./program` in Go, with the Go SDK generated from the schema (`sdk/go`,
 * package `esa`): `runtime: go`, so the Go language host builds main.go before each
 * program run. go.mod and go.sum are made once by `prepare` (`prepareGoProgram`: the SDK
 * replaced by the repository's sdk/go, `go mod tidy`, a first build); `files` writes
 * Pulumi.yaml and main.go only, so a rewrite keeps them (the host compiles the new
 * main.go on the next `pulumi` command: seconds, the packages being in the build cache).
 */
import { prepareGoProgram } from "../../../scripts/toolchain";
import { B, Declared, LanguageProgram, ROUTINE, SECOND_KEY_ID } from "./program";

/** A Go string literal (JSON's escapes are Go's for these texts). */
const str = (text: string) => JSON.stringify(text);

export const go: LanguageProgram = {
    runtime: "go",
    async prepare(projectDir: string) {
        await prepareGoProgram(projectDir, { module: "esa-native-go" });
    },
    files({ canary, rollout }: Declared, pluginDir: string) {
        const split = canary
            .map(([v, p]) => `\t\t\t\tesa.CodeVersionSplitArgs{CodeVersion: pulumi.String(${str(v)}), Percentage: pulumi.Int(${p})},\n`)
            .join("");
        const rolloutArg = rollout
            ? `\t\t\tRollout: &esa.RolloutArgs{\n` +
              `\t\t\t\tSteps: esa.RolloutStepArray{\n` +
              rollout.steps
                  .map(
                      (s) =>
                          `\t\t\t\t\tesa.RolloutStepArgs{Percentage: pulumi.Int(${s.percentage}), BakeSeconds: pulumi.Int(${s.bakeSeconds})},\n`,
                  )
                  .join("") +
              `\t\t\t\t},\n` +
              `\t\t\t\tGates: esa.RolloutGateArray{\n` +
              rollout.gates
                  .map(
                      (g) =>
                          `\t\t\t\t\tesa.RolloutGateArgs{\n` +
                          `\t\t\t\t\t\tName:    pulumi.String(${str(g.name)}),\n` +
                          `\t\t\t\t\t\tCommand: &esa.CommandGateArgs{Run: pulumi.String(${str(g.command.run)})},\n` +
                          `\t\t\t\t\t},\n`,
                  )
                  .join("") +
              `\t\t\t\t},\n` +
              `\t\t\t},\n`
            : "";
        const pulumiYaml =
            `name: esa-native-go\nruntime: go\n` +
            `plugins:\n  providers:\n    - name: esa\n      path: ${pluginDir}\n` +
            `config:\n  otherEndpoint:\n    type: string\n  otherSecretKey:\n    type: string\n    secret: true\n`;
        const mainGo = `package main

import (
	"github.com/esa-routine-deployment/esa-routine-deployment/sdk/go/esa"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		other, err := esa.NewProvider(ctx, "other", &esa.ProviderArgs{
			Endpoint:  pulumi.String(cfg.Require("otherEndpoint")),
			AccessKey: pulumi.String(${str(SECOND_KEY_ID)}),
			SecretKey: cfg.RequireSecret("otherSecretKey"),
		})
		if err != nil {
			return err
		}
		version, err := esa.NewRoutineCodeVersion(ctx, "version", &esa.RoutineCodeVersionArgs{
			Routine:   pulumi.String(${str(ROUTINE)}),
			Code:      pulumi.NewFileAsset("./routine/index.js"),
			DeployEnv: esa.RoutineEnvironmentStaging,
		})
		if err != nil {
			return err
		}
		_, err = esa.NewRoutineCodeDeployment(ctx, "staging", &esa.RoutineCodeDeploymentArgs{
			Name: pulumi.String(${str(ROUTINE)}),
			Env:  esa.RoutineEnvironmentStaging,
			CodeVersions: esa.CodeVersionSplitArray{
				esa.CodeVersionSplitArgs{CodeVersion: version.CodeVersion, Percentage: pulumi.Int(100)},
			},
		})
		if err != nil {
			return err
		}
		canary, err := esa.NewRoutineCodeDeployment(ctx, "canary", &esa.RoutineCodeDeploymentArgs{
			Name: pulumi.String(${str(ROUTINE)}),
			Env:  esa.RoutineEnvironmentProduction,
			CodeVersions: esa.CodeVersionSplitArray{
${split}			},
${rolloutArg}		})
		if err != nil {
			return err
		}
		_, err = esa.NewRoutineCodeDeployment(ctx, "elsewhere", &esa.RoutineCodeDeploymentArgs{
			Name: pulumi.String(${str(ROUTINE)}),
			Env:  esa.RoutineEnvironmentProduction,
			CodeVersions: esa.CodeVersionSplitArray{
				esa.CodeVersionSplitArgs{CodeVersion: pulumi.String(${str(B)}), Percentage: pulumi.Int(100)},
			},
		}, pulumi.Provider(other))
		if err != nil {
			return err
		}
		ctx.Export("version", version.CodeVersion)
		ctx.Export("live", canary.CodeVersions)
		return nil
	})
}
`;
        return { "Pulumi.yaml": pulumiYaml, "main.go": mainGo };
    },
};
