/**
 * The command gate: a shell command whose exit code decides (0 passes), run with the
 * rollout's facts in `ESA_ROLLOUT_*` environment variables, killed with its whole process
 * group at the gate's timeout. Its output (the end of it) is shown when it fails.
 */
import { spawn } from "node:child_process";
import type { CommandGate } from "../types";
import { factsAsEnvironment, GateEnvironment, GateVerdict, RolloutFacts, scrub } from "./facts";

/** How much output is kept, and how much of its end a failure message shows. */
const MAX_OUTPUT_CHARS = 64 * 1024;
const SHOWN_OUTPUT_CHARS = 2_000;

export function runCommandGate(gate: CommandGate, timeoutMs: number, facts: RolloutFacts, env: GateEnvironment): Promise<GateVerdict> {
    return new Promise((settle) => {
        // The command line itself may carry a secret as well as its output.
        const resolve = (verdict: GateVerdict) => settle({ ...verdict, detail: scrub(verdict.detail, env.secrets) });
        let output = "";
        let timedOut = false;
        const child = spawn("/bin/sh", ["-c", gate.run], {
            cwd: gate.cwd ?? process.cwd(),
            env: { ...process.env, ...factsAsEnvironment(facts) },
            stdio: ["ignore", "pipe", "pipe"],
            // Its own process group, so the timeout stops whatever it started too.
            detached: true,
        });
        const collect = (chunk: Buffer) => {
            output += chunk.toString("utf8");
            if (output.length > MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS);
        };
        child.stdout.on("data", collect);
        child.stderr.on("data", collect);
        const timer = setTimeout(() => {
            timedOut = true;
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                child.kill("SIGKILL");
            }
        }, timeoutMs);
        const shown = () => {
            const text = scrub(output.trim(), env.secrets);
            if (text === "") return "no output";
            return `output: ${text.length > SHOWN_OUTPUT_CHARS ? `…${text.slice(-SHOWN_OUTPUT_CHARS)}` : text}`;
        };
        child.on("error", (error) => {
            clearTimeout(timer);
            resolve({ passed: false, detail: `\`${gate.run}\` could not start: ${error.message}` });
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (timedOut) {
                resolve({
                    passed: false,
                    detail: `\`${gate.run}\` did not finish within ${Math.round(timeoutMs / 1000)} s and was killed; ${shown()}`,
                });
            } else if (code === 0) {
                resolve({ passed: true, detail: `\`${gate.run}\` exited 0` });
            } else {
                resolve({ passed: false, detail: `\`${gate.run}\` ${signal ? `was killed by ${signal}` : `exited ${code}`}; ${shown()}` });
            }
        });
    });
}
