/**
 * Runs a rollout's gates after a step's hold, in the order declared, and records what
 * each saw. Every gate runs even after one fails, so a failure message tells the whole
 * picture of the step.
 */
import { redact } from "../../../engine/redact";
import type { Gate, GateResult } from "../types";
import { runCommandGate } from "./command";
import { GateEnvironment, GateVerdict, RolloutFacts } from "./facts";
import { runHttpGate } from "./http";

export type { GateEnvironment, RolloutFacts } from "./facts";

export async function runGate(gate: Gate, facts: RolloutFacts, env: GateEnvironment): Promise<GateResult> {
    const started = env.now();
    const timeoutMs = gate.timeoutSeconds * 1000;
    let verdict: GateVerdict;
    try {
        if (gate.http) verdict = await runHttpGate(gate.http, timeoutMs, env);
        else if (gate.command) verdict = await runCommandGate(gate.command, timeoutMs, facts, env);
        else verdict = { passed: false, detail: "the gate has neither http nor command" };
    } catch (error) {
        // Without the inputs' free text: a URL Node.js refuses may be quoted in its error.
        const why = error instanceof Error ? error.message : String(error);
        verdict = { passed: false, detail: `the gate could not run: ${redact(why, [...env.secrets, ...gateTexts(gate)])}` };
    }
    return {
        gate: gate.name,
        step: facts.step,
        passed: verdict.passed,
        detail: verdict.detail,
        at: new Date(started).toISOString(),
        durationMs: env.now() - started,
    };
}

export type GateRunner = (gates: readonly Gate[], facts: RolloutFacts, env: GateEnvironment) => Promise<GateResult[]>;

export async function runGates(gates: readonly Gate[], facts: RolloutFacts, env: GateEnvironment): Promise<GateResult[]> {
    const results: GateResult[] = [];
    for (const gate of gates) results.push(await runGate(gate, facts, env));
    return results;
}

/** The gate's own free text, hidden from what it reports even before the provider has seen its inputs. */
function gateTexts(gate: Gate): string[] {
    const texts = [gate.command?.run, gate.command?.cwd, gate.http?.url, gate.http?.expectBody, ...Object.values(gate.http?.headers ?? {})];
    return texts.filter((t): t is string => typeof t === "string");
}
