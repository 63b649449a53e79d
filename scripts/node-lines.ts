/**
 * `npm run test:node-lines`: the package proven on the Node.js lines its users run,
 * besides the machine's own (which `npm test` uses). For each line of `NODE_LINES`
 * (binaries from the npm registry, cached per machine): the unit suite, and programs
 * through the real CLI on both paths, whose language host and plugins run on that line. Then the consumer test with the newest `@pulumi/pulumi` the
 * registry serves, on the oldest of those lines (its own floor). Prints a time per step.
 */
import { spawnSync, execFileSync } from "child_process";
import * as path from "path";
import { repoRoot } from "./toolchain/cli";
import { NODE_LINES, nodeLineBinDir } from "./toolchain/node-lines";

const mocha = path.join(repoRoot, "node_modules", ".bin", "mocha");

function step(what: string, bin: string, args: string[], env: Record<string, string> = {}): boolean {
    const started = Date.now();
    const result = spawnSync(mocha, args, {
        cwd: repoRoot,
        stdio: "inherit",
        // `mocha`, the CLI's language host and both plugins start `node` from PATH.
        env: { ...process.env, ...env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    const ok = result.status === 0;
    console.log(`node-lines: ${what}: ${ok ? "passed" : "FAILED"} in ${seconds} s`);
    return ok;
}

const unit = [
    "--parallel",
    "--jobs",
    "4",
    "tests/provider/**/*.test.ts",
    "tests/reliability/**/*.test.ts",
    "tests/emulator/**/*.test.ts",
    "tests/architecture/**/*.test.ts",
];
/**
 * Programs through the CLI on both paths: the native canary, and a dynamic stack (whose
 * dynamic-provider plugin runs on the line too) moved to the native path.
 */
const programs = ["tests/e2e/native-typescript.test.ts", "--grep", "deploys a canary|moves a dynamic stack"];

let failed = 0;
for (const major of NODE_LINES) {
    const bin = nodeLineBinDir(major);
    const version = execFileSync(path.join(bin, "node"), ["--version"], { encoding: "utf8" }).trim();
    if (!step(`Node.js ${version}: unit suite`, bin, unit)) failed++;
    if (!step(`Node.js ${version}: programs through the CLI, dynamic and native paths`, bin, programs)) failed++;
}
const newest = execFileSync("npm", ["view", "@pulumi/pulumi", "version"], { encoding: "utf8" }).trim();
const floor = nodeLineBinDir(NODE_LINES[0]);
if (
    !step(`consumer test with @pulumi/pulumi ${newest} on Node.js ${NODE_LINES[0]}`, floor, ["tests/consumer/consumer.test.ts"], {
        CONSUMER_PULUMI_VERSION: newest,
    })
)
    failed++;
process.exit(failed === 0 ? 0 : 1);
