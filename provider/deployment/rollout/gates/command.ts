/**
 * The command gate: a shell command whose exit code decides (0 passes), run with the
 * rollout's facts in `ESA_ROLLOUT_*` environment variables, killed with its whole process
 * group at the gate's timeout. Its output (the end of it) is shown when it fails.
 *
 * What it saw names the exit and the end of the output, never the command line: the
 * line may carry a secret (a token passed as an argument), and the rollout's record is
 * an output the engine does not keep secret. The output is shown without the
 * credentials, the command line and its longer words (a token echoed back), and any
 * other free text of the inputs (README, "Security").
 */
import { spawn } from "node:child_process";
import type { CommandGate } from "../types";
import { commandLineTexts, redact } from "../../../engine/redact";
import { factsAsEnvironment, GateEnvironment, GateVerdict, RolloutFacts } from "./facts";

/** How much output is kept, and how much of its end a failure message shows. */
const MAX_OUTPUT_CHARS = 64 * 1024;
const SHOWN_OUTPUT_CHARS = 2_000;

export function runCommandGate(gate: CommandGate, timeoutMs: number, facts: RolloutFacts, env: GateEnvironment): Promise<GateVerdict> {
    const hidden = [...env.secrets, ...commandLineTexts(gate.run), gate.cwd ?? ""];
    return new Promise((resolve) => {
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
        const kill = () => {
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                child.kill("SIGKILL");
            }
        };
        const timer = setTimeout(() => {
            timedOut = true;
            kill();
        }, timeoutMs);
        // Asked to stop: the gate's verdict no longer counts (the walk records where it stands).
        env.signal?.addEventListener("abort", kill, { once: true });
        const shown = () => {
            const text = redact(output.trim(), hidden);
            if (text === "") return "no output";
            return `output: ${text.length > SHOWN_OUTPUT_CHARS ? `…${text.slice(-SHOWN_OUTPUT_CHARS)}` : text}`;
        };
        child.on("error", (error: NodeJS.ErrnoException) => {
            clearTimeout(timer);
            resolve({ passed: false, detail: `the command could not start (${error.code ?? "error"})` });
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            env.signal?.removeEventListener("abort", kill);
            if (timedOut) {
                resolve({
                    passed: false,
                    detail: `the command did not finish within ${Math.round(timeoutMs / 1000)} s and was killed; ${shown()}`,
                });
            } else if (code === 0) {
                resolve({ passed: true, detail: "the command exited 0" });
            } else {
                resolve({ passed: false, detail: `the command ${signal ? `was killed by ${signal}` : `exited ${code}`}; ${shown()}` });
            }
        });
    });
}
