/**
 * The canary again, from a YAML program (examples/yaml-canary): no SDK, the resources
 * served by the native plugin that Pulumi.yaml names in the installed package. The same
 * routine and versions as the TypeScript canary, a new stack: 90 / 10, then 50 / 50. YAML
 * has no arithmetic, so both shares are config; changing only one is refused at preview,
 * before any ESA call. `destroy` forgets the deployment, as on the dynamic path.
 */
import * as fs from "fs";
import * as path from "path";
import { CANARY, ROUTINE, STABLE } from "./canary";
import { Chapter } from "./chapter";

const EXAMPLE = "yaml-canary";
const NATIVE_DEPLOYMENT = "esa:index:RoutineCodeDeployment";

export function yamlChapters(): Chapter[] {
    return [
        {
            title: "9. The same canary from a YAML program (the native plugin)",
            async run(terminal) {
                const project = await terminal.openExample(EXAMPLE);
                terminal.say("The whole program is Pulumi.yaml; `plugins:` names the native plugin in the installed package's bin/.");
                await terminal.command("cat Pulumi.yaml", async (onOutput) => {
                    const program = fs.readFileSync(path.join(project.dir, "Pulumi.yaml"), "utf8");
                    if (!/^runtime: yaml$/m.test(program)) throw new Error(`examples/${EXAMPLE}/Pulumi.yaml is not a YAML program`);
                    onOutput(program);
                });
                terminal.say("production serves what the TypeScript stack left there; this new stack deploys its own split.");
                await project.configSet("stablePercent", "90");
                await project.configSet("canaryPercent", "10");
                await project.up();
                terminal.expectLive(ROUTINE, "production", { [STABLE]: 90, [CANARY]: 10 });

                terminal.say("Step the canary to 50 %. Without arithmetic in YAML, one share alone makes a split of 140 %:");
                await project.configSet("canaryPercent", "50");
                const refused = await project.preview({ diff: true, allowFailure: true });
                if (refused.exitCode === 0 || !/add up to 140, but must add up to exactly 100/.test(refused.output)) {
                    throw new Error(`a 90 / 50 split was not refused at preview:\n${refused.output}`);
                }
                const calls = terminal.emulator.countByAction();
                if (Object.keys(calls).length) throw new Error(`the refused preview called ESA: ${JSON.stringify(calls)}`);
                terminal.say(`(exit code ${refused.exitCode}, as expected: refused at preview, with no ESA call)`);
                await project.configSet("stablePercent", "50");
                const preview = await project.preview({ diff: true });
                const updated = preview.output.match(new RegExp(`${NATIVE_DEPLOYMENT}: \\(update\\)`, "g"))?.length ?? 0;
                if (updated !== 1 || !/percentage\s*:\s*90 => 50/.test(preview.output)) {
                    throw new Error(`the preview does not show one in-place update from 90 to 50:\n${preview.output}`);
                }
                await project.up();
                terminal.expectLive(ROUTINE, "production", { [STABLE]: 50, [CANARY]: 50 });

                terminal.say("As on the dynamic path, destroy forgets the deployment, and production keeps serving it.");
                await project.destroy();
                terminal.expectLive(ROUTINE, "production", { [STABLE]: 50, [CANARY]: 50 });
            },
        },
    ];
}
