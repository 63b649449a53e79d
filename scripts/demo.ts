/**
 * `npm run demo`: what a user types, run for real against the local ESA emulator.
 *
 * Each command of the story is shown as in a terminal session, then run as a subprocess
 * (`pulumi login`, `stack init`, `config set`, `up`, `preview`, `destroy` in a copy of an
 * example with its dependencies installed from this package's tarball), with its output
 * and the ESA calls it cost. The Pulumi state lives in a temporary directory, removed at
 * the end. The TypeScript examples run on the dynamic provider, and the last chapter runs
 * the canary from a YAML program on the native plugin. The story is a list of chapters; a
 * new one is a function added to `CHAPTERS`.
 *
 *   npm run demo                 the whole story
 *   npm run demo -- --list       its chapters
 */
import { startEmulator } from "../emulator";
import { CANARY_ROUTINES, canaryChapters } from "./demo/canary";
import { Chapter } from "./demo/chapter";
import { releaseChapters } from "./demo/release";
import { ROLLOUT_ROUTINES, rolloutChapters } from "./demo/rollout";
import { DemoTerminal } from "./demo/terminal";
import { yamlChapters } from "./demo/yaml";
import { pulumiBinDir } from "./toolchain";

/** The story's chapters, in order. */
const CHAPTERS: Chapter[] = [...canaryChapters(), ...releaseChapters(), ...rolloutChapters(), ...yamlChapters()];

/** Every routine (and its versions) the chapters use, seeded into the emulator at start. */
const ROUTINES: Record<string, string[]> = { ...CANARY_ROUTINES, ...ROLLOUT_ROUTINES };

async function main(argv: string[]): Promise<void> {
    if (argv.includes("--list")) {
        for (const chapter of CHAPTERS) console.log(chapter.title);
        return;
    }

    pulumiBinDir(); // before any output: builds the CLI on a machine that has none yet
    // HTTPS besides HTTP: a chapter that uploads code (a release from source) needs it.
    const emulator = await startEmulator({ routines: ROUTINES, https: true });
    const terminal = DemoTerminal.create(emulator);
    const started = Date.now();
    try {
        terminal.say(`A local ESA emulator is listening at ${emulator.endpoint}; the Pulumi state goes to ${terminal.session.dir}.`);
        terminal.say("To follow along in your own shell, set up the same environment:");
        terminal.showEnvironment();
        for (const chapter of CHAPTERS) {
            terminal.heading(chapter.title);
            await chapter.run(terminal);
        }
        console.log();
        terminal.say(`Done in ${Math.round((Date.now() - started) / 1000)} s.`);
    } finally {
        terminal.dispose();
        await emulator.close();
    }
}

main(process.argv.slice(2)).catch((error) => {
    console.error(error?.message ?? error);
    process.exit(1);
});
