/**
 * Runs a rollout's gates after a step's hold, in the order declared, and records what
 * each saw. Every gate runs even after one fails, so a failure message tells the whole
 * picture of the step.
 */
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
        verdict = { passed: false, detail: `the gate could not run: ${error instanceof Error ? error.message : String(error)}` };
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
