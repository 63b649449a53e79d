/** The program of `./program` in YAML: no SDK, the plugin's schema is enough. */
import { B, Declared, LanguageProgram, ROUTINE, SECOND_KEY_ID } from "./program";

const TYPE = "esa:index:RoutineCodeDeployment";

export const yaml: LanguageProgram = {
    runtime: "yaml",
    async prepare() {},
    files({ canary, rollout }: Declared, pluginDir: string) {
        const split = canary.map(([v, p]) => `        - codeVersion: "${v}"\n          percentage: ${p}\n`).join("");
        const rolloutLines = rollout
            ? `      rollout:\n        steps:\n` +
              rollout.steps.map((s) => `          - percentage: ${s.percentage}\n            bakeSeconds: ${s.bakeSeconds}\n`).join("") +
              `        gates:\n` +
              rollout.gates
                  .map((g) => `          - name: ${g.name}\n            command:\n              run: ${JSON.stringify(g.command.run)}\n`)
                  .join("")
            : "";
        const text =
            `name: esa-native-yaml\nruntime: yaml\n` +
            `plugins:\n  providers:\n    - name: esa\n      path: ${pluginDir}\n` +
            `config:\n  otherEndpoint:\n    type: string\n  otherSecretKey:\n    type: string\n    secret: true\n` +
            `resources:\n` +
            `  other:\n    type: pulumi:providers:esa\n    properties:\n      endpoint: \${otherEndpoint}\n` +
            `      accessKey: ${SECOND_KEY_ID}\n      secretKey: \${otherSecretKey}\n` +
            `  version:\n    type: esa:index:RoutineCodeVersion\n    properties:\n      routine: ${ROUTINE}\n` +
            `      code:\n        fn::fileAsset: ./routine/index.js\n      deployEnv: staging\n` +
            `  staging:\n    type: ${TYPE}\n    properties:\n      name: ${ROUTINE}\n      env: staging\n` +
            `      codeVersions:\n        - codeVersion: \${version.codeVersion}\n          percentage: 100\n` +
            `  canary:\n    type: ${TYPE}\n    properties:\n      name: ${ROUTINE}\n      env: production\n` +
            `      codeVersions:\n${split}${rolloutLines}` +
            `  elsewhere:\n    type: ${TYPE}\n    properties:\n      name: ${ROUTINE}\n      env: production\n` +
            `      codeVersions:\n        - codeVersion: "${B}"\n          percentage: 100\n` +
            `    options:\n      provider: \${other}\n` +
            `outputs:\n  version: \${version.codeVersion}\n  live: \${canary.codeVersions}\n`;
        return { "Pulumi.yaml": text };
    },
};
