/**
 * The rollout story, in examples/progressive-rollout against the emulator's edge: a
 * healthy candidate walked 10 → 50 → 100 % of production within one `pulumi up` (short
 * holds, an HTTP gate probing the edge after each), then a candidate whose every answer is
 * a 503 rolled back by the gate: the `up` fails naming the gate and the step, production
 * serves the stable version again, and the next `up` does not start that rollout again.
 */
import { Chapter } from "./chapter";
import { DemoProject, DemoTerminal } from "./terminal";

export const ROLLOUT_ROUTINE = "hello-rollout";
export const STABLE = "1723599747213377301";
/** The candidate that answers well. */
export const HEALTHY = "1723599747213377302";
/** The candidate whose every answer at the edge is a 503. */
export const FAULTY = "1723599747213377303";

/** The routine and versions these chapters need in the emulator. */
export const ROLLOUT_ROUTINES: Record<string, string[]> = { [ROLLOUT_ROUTINE]: [STABLE, HEALTHY, FAULTY] };

/** Seconds each step holds: short, for the demo. */
const BAKE_SECONDS = 2;
/** Requests the HTTP gate sends after each hold. */
const GATE_SAMPLES = 50;

/** The chapters, in order; they share the project the first one opens. */
export function rolloutChapters(): Chapter[] {
    let project: DemoProject;
    return [
        {
            title: "7. A progressive rollout: 10 → 50 → 100 % within one up",
            async run(terminal) {
                project = await terminal.openExample("progressive-rollout");
                const edge = terminal.emulator.edgeUrl;
                if (!edge) throw new Error("the demo's emulator runs no edge");
                terminal.say(
                    `The gate probes production at the emulator's edge (${edge}) with ${GATE_SAMPLES} requests after each ${BAKE_SECONDS} s hold.`,
                );
                await project.pulumi(
                    setAll({
                        routine: ROLLOUT_ROUTINE,
                        previousVersion: STABLE,
                        nextVersion: HEALTHY,
                        bakeSeconds: String(BAKE_SECONDS),
                        healthUrl: edge,
                        healthSamples: String(GATE_SAMPLES),
                        healthHost: `${ROLLOUT_ROUTINE}.example.test`,
                    }),
                );
                terminal.say(`First up: staging serves ${HEALTHY}, production ${STABLE}.`);
                await project.up();
                terminal.expectLive(ROLLOUT_ROUTINE, "staging", { [HEALTHY]: 100 });
                terminal.expectLive(ROLLOUT_ROUTINE, "production", { [STABLE]: 100 });
                terminal.say("Declare all of production for the candidate: the up walks there step by step, gating each step.");
                await project.configSet("productionPercent", "100");
                terminal.emulator.clearEdgeCounts();
                await project.up();
                terminal.expectLive(ROLLOUT_ROUTINE, "production", { [HEALTHY]: 100 });
                edgeServed(terminal);
                await expectRolloutOutput(project, "succeeded");
            },
        },
        {
            title: "8. A failing candidate rolled back automatically",
            async run(terminal) {
                terminal.say(`The next candidate, ${FAULTY}, answers 503 at the edge (the emulator's setVersionBehaviour):`);
                await terminal.edgeBehaviour(ROLLOUT_ROUTINE, FAULTY, { status: 503 });
                await project.pulumi(setAll({ previousVersion: HEALTHY, nextVersion: FAULTY }));
                terminal.emulator.clearEdgeCounts();
                const failed = await project.upFailing();
                if (!/health/.test(failed.output) || !/step/i.test(failed.output)) {
                    throw new Error("the failed up does not name the gate (health) and the step");
                }
                terminal.expectLive(ROLLOUT_ROUTINE, "production", { [HEALTHY]: 100 });
                edgeServed(terminal);
                terminal.say("The next up does not start the failed rollout again: it warns, and production stays as it is.");
                const next = await project.up();
                const deployed = terminal.emulator.countByAction().CreateRoutineCodeDeployment ?? 0;
                if (deployed) throw new Error(`the up after a failed rollout deployed ${deployed} time(s); it should deploy nothing`);
                if (!/not started again/.test(next.output))
                    throw new Error("the up after a failed rollout does not say it is not started again");
                terminal.expectLive(ROLLOUT_ROUTINE, "production", { [HEALTHY]: 100 });
                await expectRolloutOutput(project, "failed");
            },
        },
    ];
}

/** `pulumi config set-all --plaintext key=value …`: several settings in one command. */
function setAll(values: Record<string, string>): string[] {
    return ["config", "set-all", ...Object.entries(values).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`])];
}

/** What the production edge served per version since the counts were cleared: the gate's probes. */
function edgeServed(terminal: DemoTerminal): void {
    const counts = terminal.emulator.edgeCounts()[ROLLOUT_ROUTINE]?.production ?? {};
    const lines = Object.entries(counts).map(([version, c]) => `${version}: ${plural(c.requests, "request")}, ${c.errors} answered 5xx`);
    terminal.say(`The production edge served (the gate's probes):\n  ${lines.length ? lines.join("\n  ") : "nothing"}`);
}

/** `pulumi stack output rollout`, shown and run; fails the demo unless it starts with `status`. */
async function expectRolloutOutput(project: DemoProject, status: string): Promise<void> {
    const { stdout } = await project.pulumi(["stack", "output", "rollout"]);
    if (!stdout.trim().startsWith(status))
        throw new Error(`the stack output rollout is ${JSON.stringify(stdout.trim())}, expected ${status}`);
}

function plural(n: number, noun: string): string {
    return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
