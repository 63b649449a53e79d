/**
 * The program of `./program` in Python: the generated SDK `pulumi_esa` (sdk/python) and
 * its typed classes, in a virtualenv made once by `prepare`.
 */
import { createPythonVirtualenv } from "../../../scripts/toolchain";
import { B, Declared, LanguageProgram, ROUTINE, SECOND_KEY_ID } from "./program";

/** A Python string literal (JSON's escapes are valid Python for these texts). */
const str = (text: string) => JSON.stringify(text);

export const python: LanguageProgram = {
    runtime: "python",
    async prepare(projectDir: string) {
        // Launched by this CLI, the v3.79 host is not given `virtualenv`: the `pulumi`
        // commands name the virtualenv's python (PULUMI_PYTHON_CMD) instead.
        return (await createPythonVirtualenv(projectDir)).env;
    },
    files({ canary, rollout }: Declared, pluginDir: string) {
        const split = canary.map(([v, p]) => `        esa.CodeVersionSplitArgs(code_version=${str(v)}, percentage=${p}),\n`).join("");
        const rolloutArg = rollout
            ? `    rollout=esa.RolloutArgs(\n` +
              `        steps=[\n` +
              rollout.steps
                  .map((s) => `            esa.RolloutStepArgs(percentage=${s.percentage}, bake_seconds=${s.bakeSeconds}),\n`)
                  .join("") +
              `        ],\n` +
              `        gates=[\n` +
              rollout.gates
                  .map(
                      (g) =>
                          `            esa.RolloutGateArgs(name=${str(g.name)}, command=esa.CommandGateArgs(run=${str(g.command.run)})),\n`,
                  )
                  .join("") +
              `        ],\n` +
              `    ),\n`
            : "";
        const project =
            `name: esa-native-python\n` +
            `runtime:\n  name: python\n  options:\n    virtualenv: venv\n` +
            `plugins:\n  providers:\n    - name: esa\n      path: ${pluginDir}\n` +
            `config:\n  otherEndpoint:\n    type: string\n  otherSecretKey:\n    type: string\n    secret: true\n`;
        const main =
            `import pulumi\n` +
            `import pulumi_esa as esa\n` +
            `\n` +
            `config = pulumi.Config()\n` +
            `\n` +
            `other = esa.Provider(\n` +
            `    "other",\n` +
            `    endpoint=config.require("otherEndpoint"),\n` +
            `    access_key=${str(SECOND_KEY_ID)},\n` +
            `    secret_key=config.require_secret("otherSecretKey"),\n` +
            `)\n` +
            `\n` +
            `version = esa.RoutineCodeVersion(\n` +
            `    "version",\n` +
            `    routine=${str(ROUTINE)},\n` +
            `    code=pulumi.FileAsset("./routine/index.js"),\n` +
            `    deploy_env=esa.RoutineEnvironment.STAGING,\n` +
            `)\n` +
            `\n` +
            `staging = esa.RoutineCodeDeployment(\n` +
            `    "staging",\n` +
            `    name=${str(ROUTINE)},\n` +
            `    env=esa.RoutineEnvironment.STAGING,\n` +
            `    code_versions=[esa.CodeVersionSplitArgs(code_version=version.code_version, percentage=100)],\n` +
            `)\n` +
            `\n` +
            `canary = esa.RoutineCodeDeployment(\n` +
            `    "canary",\n` +
            `    name=${str(ROUTINE)},\n` +
            `    env=esa.RoutineEnvironment.PRODUCTION,\n` +
            `    code_versions=[\n${split}    ],\n` +
            rolloutArg +
            `)\n` +
            `\n` +
            `elsewhere = esa.RoutineCodeDeployment(\n` +
            `    "elsewhere",\n` +
            `    name=${str(ROUTINE)},\n` +
            `    env=esa.RoutineEnvironment.PRODUCTION,\n` +
            `    code_versions=[esa.CodeVersionSplitArgs(code_version=${str(B)}, percentage=100)],\n` +
            `    opts=pulumi.ResourceOptions(provider=other),\n` +
            `)\n` +
            `\n` +
            `pulumi.export("version", version.code_version)\n` +
            `pulumi.export("live", canary.code_versions)\n`;
        return { "Pulumi.yaml": project, "__main__.py": main };
    },
};
