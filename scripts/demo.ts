/**
 * `npm run demo`: the main job, end to end, with nothing but this repository.
 *
 * Starts the local ESA emulator, then drives the real Pulumi CLI (engine, plan display,
 * file backend in a temporary directory) through the canary example:
 *   1. `up`: production serves 90 / 10;
 *   2. step the canary to 50 %: the preview shows an in-place update, old and new split;
 *   3. someone changes the split in the console: `preview --refresh` shows the drift,
 *      `up` restores the declared split;
 *   4. `destroy`: the stack forgets the deployment, production keeps serving it.
 * Prints what each step did, including the ESA calls it cost, and cleans up.
 */
import * as path from "path";
import { startEmulator } from "../emulator";
// The stack runner of the end-to-end tests: the demo takes exactly the path they prove.
import { emulatorCredentials, TestStack } from "../tests/e2e/harness";

const ROUTINE = "hello-edge";
const STABLE = "1723599747213377175";
const CANARY = "1723599747213377176";

async function main() {
    const emulator = await startEmulator({ routines: { [ROUTINE]: [STABLE, CANARY] } });
    const program = require(path.join(__dirname, "../examples/canary/index.ts"));
    const stack = await TestStack.create(program, {
        projectName: "esa-canary-demo",
        config: { "esa:endpoint": emulator.endpoint, routine: ROUTINE, stableVersion: STABLE, canaryVersion: CANARY, canaryPercent: "10" },
        env: emulatorCredentials(),
    });
    const calls = () => {
        const counts = emulator.countByAction();
        emulator.clearRequests();
        return Object.keys(counts).length
            ? Object.entries(counts)
                  .map(([a, n]) => `${a} × ${n}`)
                  .join(", ")
            : "none";
    };
    const live = () => JSON.stringify(emulator.state().routines[ROUTINE].deployments.production?.codeVersions ?? []);
    const step = (title: string, output: string) => {
        console.log(`\n━━ ${title} ━━\n${output.trim()}\n→ ESA calls: ${calls()}\n→ live production split: ${live()}`);
    };

    try {
        console.log(`Local ESA emulator at ${emulator.endpoint}; Pulumi state in ${stack.dir}`);
        step("1. pulumi up: a 90 / 10 canary", (await stack.up()).output);

        await stack.setConfig("canaryPercent", "50");
        step("2a. pulumi preview: step the canary to 50 %", (await stack.preview()).output);
        step("2b. pulumi up", (await stack.up()).output);

        emulator.setDeployment(ROUTINE, "production", [{ codeVersion: STABLE, percentage: 100 }]);
        calls();
        step(
            "3a. someone rolled production back in the console; pulumi preview --refresh",
            (await stack.preview({ refresh: true })).output,
        );
        step("3b. pulumi up --refresh restores the declared split", (await stack.up({ refresh: true })).output);

        step("4. pulumi destroy: the stack forgets the deployment, production keeps serving", (await stack.destroy()).output);
    } finally {
        await stack.dispose();
        await emulator.close();
    }
}

main().catch((error) => {
    console.error(error?.message ?? error);
    process.exit(1);
});
