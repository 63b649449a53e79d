/**
 * The canary story, in examples/canary: a 90 / 10 canary in production, stepped to
 * 50 / 50 with one config change (an in-place update), a change made in the console
 * behind Pulumi's back found by `preview --refresh` and put right by `up --refresh`,
 * and `destroy`, which forgets the deployment while production keeps serving it.
 */
import { Chapter } from "./chapter";
import { DemoProject } from "./terminal";

export const ROUTINE = "hello-edge";
export const STABLE = "1723599747213377175";
export const CANARY = "1723599747213377176";

/** The routine and versions these chapters need in the emulator. */
export const CANARY_ROUTINES: Record<string, string[]> = { [ROUTINE]: [STABLE, CANARY] };

/** The chapters, in order; they share the canary project the first one opens. */
export function canaryChapters(): Chapter[] {
    let project: DemoProject;
    return [
        {
            title: "1. A 90 / 10 canary in production",
            async run(terminal) {
                project = await terminal.openExample("canary");
                await project.configSet("canaryPercent", "10");
                await project.up();
                terminal.say(`production now serves: ${terminal.liveSplit(ROUTINE, "production")}`);
            },
        },
        {
            title: "2. Step the canary to 50 %",
            async run(terminal) {
                terminal.say("One config change; the preview shows an in-place update, old and new split side by side.");
                await project.configSet("canaryPercent", "50");
                await project.preview({ diff: true });
                await project.up();
                terminal.say(`production now serves: ${terminal.liveSplit(ROUTINE, "production")}`);
            },
        },
        {
            title: "3. A change made behind Pulumi's back",
            async run(terminal) {
                terminal.say("Someone rolls production back to the stable version in the ESA console (here: the emulator's admin path).");
                await terminal.consoleChange(ROUTINE, "production", [{ codeVersion: STABLE, percentage: 100 }]);
                terminal.say("The drift review: `--refresh` reads what ESA serves, the diff shows it against the program.");
                await project.preview({ refresh: true, diff: true });
                terminal.say("Deploy the declared split again:");
                await project.up({ refresh: true });
                terminal.say(`production now serves: ${terminal.liveSplit(ROUTINE, "production")}`);
            },
        },
        {
            title: "4. pulumi destroy",
            async run(terminal) {
                terminal.say("ESA has no call to withdraw a deployment: the stack forgets it, production keeps serving it.");
                await project.destroy();
                terminal.say(`production still serves: ${terminal.liveSplit(ROUTINE, "production")}`);
            },
        },
    ];
}
