#!/usr/bin/env node
/**
 * `npx esa-routine-deployment rollout status|promote|abort|clear`: the emergency controls
 * of a rollout from a pipeline, without editing the program and without passing version
 * ids around. It reads where each rollout stands from the stack (`pulumi stack export`)
 * and sets the stack config the provider reads (`esa:rolloutAction`), bound to the
 * candidate found there; the next `pulumi up` carries it out.
 *
 * It runs the `pulumi` on PATH in the current directory (the Pulumi project), so it acts
 * on the stack and backend that `pulumi up` there would use.
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { ROLLOUT_CONTROL_KEY } from "../deployment/rollout/control";
import type { RolloutState } from "../deployment/rollout/types";
import { installPlugin } from "./plugin-install";

/** The deployment's type on the dynamic path and on the native one. */
const DEPLOYMENT_TYPES = ["pulumi-nodejs:dynamic/esa:RoutineCodeDeployment", "esa:index:RoutineCodeDeployment"];

const USAGE = `Usage: esa-routine-deployment rollout <command> [options]
       esa-routine-deployment plugin install

  plugin install   put the native provider plugin (pulumi-resource-esa) into Pulumi's plugin
                   cache, for Python, Go and YAML programs (and TypeScript on the native path)

Commands:
  status    where each RoutineCodeDeployment's rollout stands
  promote   finish the rollout now: the next \`pulumi up\` deploys the declared split, skipping remaining steps and gates
  abort     end the rollout: the next \`pulumi up\` restores the split live before it, recorded as the new truth
  clear     remove ${ROLLOUT_CONTROL_KEY}

Options:
  --stack <name>       the stack (default: the selected one)
  --resource <name>    the resource, by its Pulumi name or its id (<routine>:<env>), when several rollouts run
  --candidate <id>     the candidate version, when the stack does not record the rollout (a continuous
                       walk whose \`pulumi up\` was killed records nothing until the next one)
  --json               status as JSON
`;

interface Found {
    name: string;
    id: string;
    state: RolloutState;
}

export function main(argv: string[]): number {
    let args: ReturnType<typeof parseCommandLine>;
    try {
        args = parseCommandLine(argv);
    } catch (error) {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
        return 2;
    }
    if (args.positional[0] === "plugin" && args.positional[1] === "install" && args.positional.length === 2 && !args.flags.help) {
        try {
            installPlugin();
            return 0;
        } catch (error) {
            process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
            return 1;
        }
    }
    if (args.positional[0] !== "rollout" || args.positional.length !== 2 || args.flags.help) {
        process.stderr.write(USAGE);
        return args.flags.help ? 0 : 2;
    }
    const stack = typeof args.flags.stack === "string" ? ["--stack", args.flags.stack] : [];
    const command = args.positional[1];
    try {
        if (command === "clear") {
            pulumi(["config", "rm", ROLLOUT_CONTROL_KEY, ...stack]);
            process.stdout.write(`Removed ${ROLLOUT_CONTROL_KEY}.\n`);
            return 0;
        }
        const rollouts = readRollouts(stack);
        if (command === "status") {
            if (args.flags.json) process.stdout.write(`${JSON.stringify(rollouts, null, 2)}\n`);
            else if (rollouts.length === 0) process.stdout.write("No RoutineCodeDeployment of this stack has a rollout.\n");
            else for (const found of rollouts) process.stdout.write(describe(found));
            return 0;
        }
        if (command !== "promote" && command !== "abort") {
            process.stderr.write(`Unknown command "${command}".\n${USAGE}`);
            return 2;
        }
        if (typeof args.flags.candidate === "string" && args.flags.candidate !== "") {
            return setControl(`${command}:${args.flags.candidate}`, stack, `candidate ${args.flags.candidate}`);
        }
        const wanted = typeof args.flags.resource === "string" ? args.flags.resource : undefined;
        // Promote may also ship a candidate whose rollout failed or stopped ("the gate is wrong").
        const eligible = rollouts.filter(
            (r) =>
                (wanted === undefined || r.name === wanted || r.id === wanted) &&
                (r.state.status === "in-progress" ||
                    (command === "promote" && (r.state.status === "failed" || r.state.status === "stopped"))),
        );
        const candidates = [...new Set(eligible.map((r) => r.state.candidate))];
        if (candidates.length === 0) {
            process.stderr.write(`No rollout to ${command}${wanted ? ` for "${wanted}"` : ""}.\n${rollouts.map(describe).join("")}`);
            return 1;
        }
        if (candidates.length > 1) {
            process.stderr.write(
                `Rollouts of several candidates are running: name one with --resource.\n${eligible.map(describe).join("")}`,
            );
            return 1;
        }
        return setControl(`${command}:${candidates[0]}`, stack, eligible.map((r) => r.id).join(", "));
    } catch (error) {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
    }
}

function setControl(value: string, stack: string[], what: string): number {
    pulumi(["config", "set", ROLLOUT_CONTROL_KEY, value, ...stack]);
    const candidate = value.slice(value.indexOf(":") + 1);
    process.stdout.write(
        `Set ${ROLLOUT_CONTROL_KEY} to ${value} (${what}). Run \`pulumi up\` to carry it out; it applies to candidate ${candidate} only.\n`,
    );
    return 0;
}

function readRollouts(stack: string[]): Found[] {
    const exported = JSON.parse(pulumi(["stack", "export", ...stack]));
    const resources: any[] = exported?.deployment?.resources ?? [];
    return resources
        .filter((r) => DEPLOYMENT_TYPES.includes(r.type) && r.outputs?.rolloutState)
        .map((r) => ({ name: String(r.urn).split("::").pop()!, id: String(r.id), state: r.outputs.rolloutState as RolloutState }));
}

function describe({ name, id, state }: Found): string {
    const percent = state.split.find((e) => e.codeVersion === state.candidate)?.percentage ?? 0;
    const lines = [
        `${name} (${id}): ${state.status}, candidate ${state.candidate} at ${percent}%${state.stable ? `, stable ${state.stable}` : ""}`,
        `  step ${state.step}/${state.steps} since ${state.since} (${state.mode})${state.nextAt ? `; moves on from ${state.nextAt}` : ""}`,
        ...(state.gates ?? []).map((g) => `  gate ${g.gate} (step ${g.step}): ${g.passed ? "passed" : "FAILED"}: ${g.detail}`),
        ...(state.message ? [`  ${state.message}`] : []),
    ];
    return `${lines.join("\n")}\n`;
}

function pulumi(args: string[]): string {
    try {
        return execFileSync("pulumi", [...args, "--non-interactive"], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            maxBuffer: 64 * 1024 * 1024,
        });
    } catch (error: any) {
        if (error?.code === "ENOENT")
            throw new Error("pulumi is not on PATH: install the Pulumi CLI, or run this where `pulumi up` runs.", { cause: error });
        throw new Error(`pulumi ${args.join(" ")} failed: ${String(error?.stderr ?? error?.message ?? error).trim()}`, { cause: error });
    }
}

/** The command line, by Node's own parser: unknown options are refused with its message. */
function parseCommandLine(argv: string[]) {
    const { positionals, values } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            help: { type: "boolean", short: "h" },
            json: { type: "boolean" },
            stack: { type: "string" },
            resource: { type: "string" },
            candidate: { type: "string" },
        },
    });
    return { positional: positionals, flags: values };
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
