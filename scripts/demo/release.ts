/**
 * The release story, in examples/release-from-source over HTTPS: one `pulumi up` takes
 * the routine's source from nothing to a routine, a committed code version, staging and
 * production; then, with that version kept as production's stable one, an edit of the
 * source shows one preview with the new version and both deployment updates, and one
 * `up` makes it a 10 % canary.
 */
import * as fs from "fs";
import * as path from "path";
import { Chapter } from "./chapter";
import { DemoProject, DemoTerminal } from "./terminal";

/** The routine the example creates (not seeded: the program makes it). */
export const RELEASE_ROUTINE = "hello-release";

/** The source file in the demo's copy of the example (never the repository's). */
const SOURCE = "routine/index.js";
const GREETING = "Hello from the edge";
const NEW_GREETING = "Hello again from the edge";

/** The chapters, in order; they share the project the first one opens. */
export function releaseChapters(): Chapter[] {
    let project: DemoProject;
    let first: string;
    return [
        {
            title: "5. Release from source: nothing to production in one up",
            async run(terminal) {
                project = await terminal.openExample("release-from-source", { https: true });
                await project.configSet("routine", RELEASE_ROUTINE);
                terminal.say(`One up: the routine, a version of ${SOURCE} (uploaded, committed, built), staging and production.`);
                await project.up();
                first = await codeVersionOutput(project);
                terminal.expectLive(RELEASE_ROUTINE, "staging", { [first]: 100 });
                terminal.expectLive(RELEASE_ROUTINE, "production", { [first]: 100 });
                terminal.say(
                    `${RELEASE_ROUTINE} has ${versionCount(terminal)} code version(s); the state holds the code's sha256, not the code.`,
                );
            },
        },
        {
            title: "6. A code edit: one new version, a 10 % canary",
            async run(terminal) {
                terminal.say(`Keep ${first} as production's stable version; the next release gets 10 %.`);
                await project.configSet("stableVersion", first);
                await project.configSet("canaryPercent", "10");
                await editSource(terminal, project);
                terminal.say("One preview: the version is replaced (its new id is known after apply), and both deployments move to it.");
                const preview = await project.preview({ diff: true });
                const replaced = preview.output.match(/RoutineCodeVersion: \(replace\)/g)?.length ?? 0;
                const updated = preview.output.match(/RoutineCodeDeployment: \(update\)/g)?.length ?? 0;
                if (replaced !== 1 || updated !== 2) {
                    throw new Error(
                        `the preview of a code edit shows ${replaced} version replacement(s) and ${updated} deployment update(s), expected 1 and 2`,
                    );
                }
                await project.up();
                const next = await codeVersionOutput(project);
                if (next === first) throw new Error(`the code edit made no new version (still ${first})`);
                terminal.expectLive(RELEASE_ROUTINE, "staging", { [next]: 100 });
                terminal.expectLive(RELEASE_ROUTINE, "production", { [next]: 10, [first]: 90 });
                const count = versionCount(terminal);
                if (count !== 2) throw new Error(`${RELEASE_ROUTINE} has ${count} code versions after the edit, expected 2`);
                terminal.say(`${RELEASE_ROUTINE} has ${count} code versions: ${first} is kept because production still serves it.`);
            },
        },
    ];
}

/** Edits the demo copy's source, shown as the `sed` a user would type. */
async function editSource(terminal: DemoTerminal, project: DemoProject): Promise<void> {
    const file = path.join(project.dir, SOURCE);
    await terminal.command(`sed -i 's/${GREETING}/${NEW_GREETING}/' ${SOURCE}`, async () => {
        const code = fs.readFileSync(file, "utf8");
        if (!code.includes(GREETING)) throw new Error(`examples/release-from-source/${SOURCE} no longer says "${GREETING}"`);
        fs.writeFileSync(file, code.replace(GREETING, NEW_GREETING));
    });
}

/** `pulumi stack output codeVersion`, shown and run. */
async function codeVersionOutput(project: DemoProject): Promise<string> {
    const { stdout } = await project.pulumi(["stack", "output", "codeVersion"]);
    const version = stdout.trim();
    if (!/^\d+$/.test(version)) throw new Error(`the stack output codeVersion is ${JSON.stringify(version)}, not a version id`);
    return version;
}

function versionCount(terminal: DemoTerminal): number {
    return terminal.emulator.state().routines[RELEASE_ROUTINE]?.versions.length ?? 0;
}
