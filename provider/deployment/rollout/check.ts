/**
 * Validation of the `rollout` input at preview time (`check`): every failure at once,
 * each with the property path a user finds in their program (`rollout.gates[0].http.url`).
 * Values unknown at preview time are let through.
 */
import { isUnknown } from "../../engine/unknowns";
import { Gate, HttpGate, ROLLOUT_MODES, RolloutConfig, RolloutStep } from "./types";
import { describeKind, describeValue, isRecord, quote } from "../../engine/input-values";
import { commandLineTexts, redact, urlTexts } from "../../engine/redact";

export type Fail = (property: string, reason: string) => void;

/** The hold of a step written as a bare percentage, when `rollout.bakeSeconds` is not given. */
const DEFAULT_BAKE_SECONDS = 60;
const DEFAULT_GATE_TIMEOUT_SECONDS = 30;
const DEFAULT_SAMPLES = 10;
const MAX_STEPS = 20;
const MAX_BAKE_SECONDS = 24 * 3600;
const MAX_GATE_TIMEOUT_SECONDS = 3600;
const MAX_SAMPLES = 1000;
/** A continuous walk runs inside one `pulumi up`: past this, the stepwise mode is the better fit. */
const MAX_CONTINUOUS_SECONDS = 6 * 3600;

/** The normalized rollout, or undefined when none is declared. */
export function checkRollout(value: unknown, fail: Fail): RolloutConfig | undefined {
    if (value === undefined || value === null) return undefined;
    if (isUnknown(value)) return value as any;
    if (!isRecord(value)) {
        fail("rollout", `rollout must be an object { steps, bakeSeconds?, mode?, gates?, retry? }, got ${describeValue(value)}.`);
        return undefined;
    }
    for (const key of Object.keys(value)) {
        if (!["steps", "bakeSeconds", "mode", "gates", "retry"].includes(key)) {
            fail(`rollout.${key}`, `rollout.${key} is not a rollout setting: use steps, bakeSeconds, mode, gates or retry.`);
        }
    }
    const bake = checkSeconds("rollout.bakeSeconds", value.bakeSeconds, DEFAULT_BAKE_SECONDS, MAX_BAKE_SECONDS, fail);
    const steps = checkSteps(value.steps, typeof bake === "number" ? bake : DEFAULT_BAKE_SECONDS, fail);
    const mode = checkMode(value.mode, fail);
    const gates = checkGates(value.gates, fail);
    const config: RolloutConfig = { steps, mode, gates } as RolloutConfig;
    if (value.retry !== undefined && value.retry !== null) {
        if (!isUnknown(value.retry) && typeof value.retry !== "string" && typeof value.retry !== "number") {
            fail(
                "rollout.retry",
                `rollout.retry must be a string (change it to start a failed or aborted rollout again), got ${describeValue(value.retry)}.`,
            );
        }
        config.retry = isUnknown(value.retry) ? (value.retry as string) : String(value.retry);
    }
    if (mode === "continuous" && Array.isArray(steps) && steps.every((s) => typeof s.bakeSeconds === "number")) {
        const total = steps.reduce((sum, s) => sum + s.bakeSeconds, 0);
        if (total > MAX_CONTINUOUS_SECONDS) {
            fail(
                "rollout.steps",
                `the steps hold ${total} s in all, more than one \`pulumi up\` should wait (${MAX_CONTINUOUS_SECONDS} s): use mode "stepwise", which moves one step per \`pulumi up\`.`,
            );
        }
    }
    return config;
}

function checkSteps(value: unknown, defaultBake: number, fail: Fail): RolloutStep[] {
    if (isUnknown(value)) return value as any;
    const example = `for example [10, 50, 100] or [{ percentage: 10, bakeSeconds: 300 }, { percentage: 50 }]`;
    if (value === undefined || value === null) {
        fail("rollout.steps", `rollout.steps is required: the candidate's percentages to walk through, ${example}.`);
        return [];
    }
    if (!Array.isArray(value)) {
        fail("rollout.steps", `rollout.steps must be a list of percentages or steps, got ${describeValue(value)}; ${example}.`);
        return [];
    }
    if (value.length === 0) {
        fail("rollout.steps", `rollout.steps is an empty list: give at least one step, ${example}.`);
        return [];
    }
    if (value.length > MAX_STEPS) fail("rollout.steps", `rollout.steps has ${value.length} steps; at most ${MAX_STEPS} are allowed.`);
    const steps: RolloutStep[] = [];
    let previous: number | undefined;
    value.forEach((item, index) => {
        const path = `rollout.steps[${index}]`;
        if (isUnknown(item)) return;
        let percentage: unknown = item;
        let bakeSeconds: unknown = defaultBake;
        if (isRecord(item)) {
            for (const key of Object.keys(item)) {
                if (key !== "percentage" && key !== "bakeSeconds")
                    fail(`${path}.${key}`, `${path}.${key} is not a step setting: use percentage and bakeSeconds.`);
            }
            percentage = item.percentage;
            bakeSeconds = checkSeconds(`${path}.bakeSeconds`, item.bakeSeconds, defaultBake, MAX_BAKE_SECONDS, fail);
        }
        const where = isRecord(item) ? `${path}.percentage` : path;
        if (isUnknown(percentage)) return;
        if (typeof percentage !== "number" || !Number.isInteger(percentage) || percentage < 1 || percentage > 100) {
            fail(
                where,
                `${where} must be the candidate's percentage at that step, an integer from 1 to 100, got ${describeValue(percentage)}; ${example}.`,
            );
            return;
        }
        if (previous !== undefined && percentage <= previous) {
            fail(
                where,
                `${where} is ${percentage}, but steps must grow: it follows ${previous}. List the percentages in increasing order, each once.`,
            );
        }
        previous = percentage;
        steps.push({ percentage, bakeSeconds: bakeSeconds as number });
    });
    return steps;
}

function checkMode(value: unknown, fail: Fail): any {
    if (value === undefined || value === null) return "continuous";
    if (isUnknown(value)) return value;
    if (!(ROLLOUT_MODES as readonly unknown[]).includes(value)) {
        fail(
            "rollout.mode",
            `rollout.mode ${describeValue(value)} is not a mode: "continuous" walks every step within one \`pulumi up\`, "stepwise" moves at most one step per \`pulumi up\`.`,
        );
    }
    return value;
}

function checkGates(value: unknown, fail: Fail): Gate[] {
    if (value === undefined || value === null) return [];
    if (isUnknown(value)) return value as any;
    if (!Array.isArray(value)) {
        fail(
            "rollout.gates",
            `rollout.gates must be a list of gates ({ http: {...} } or { command: "..." }), got ${describeValue(value)}.`,
        );
        return [];
    }
    const names = new Map<string, number>();
    return value.map((item, index) => {
        const path = `rollout.gates[${index}]`;
        if (isUnknown(item)) return item;
        if (!isRecord(item)) {
            fail(path, `${path} must be an object with either http or command, got ${describeValue(item)}.`);
            return item;
        }
        for (const key of Object.keys(item)) {
            if (!["name", "timeoutSeconds", "http", "command"].includes(key)) {
                fail(`${path}.${key}`, `${path}.${key} is not a gate setting: use name, timeoutSeconds, and one of http or command.`);
            }
        }
        const hasHttp = item.http !== undefined && item.http !== null;
        const hasCommand = item.command !== undefined && item.command !== null;
        if (hasHttp === hasCommand) {
            fail(
                path,
                `${path} needs exactly one of http (a probe) or command (a shell command whose exit code decides)${hasHttp ? ", not both" : ""}.`,
            );
        }
        const gate: Gate = {
            name:
                typeof item.name === "string" && item.name.trim() !== "" ? item.name : `gates[${index}] (${hasHttp ? "http" : "command"})`,
            timeoutSeconds: checkSeconds(
                `${path}.timeoutSeconds`,
                item.timeoutSeconds,
                DEFAULT_GATE_TIMEOUT_SECONDS,
                MAX_GATE_TIMEOUT_SECONDS,
                fail,
                1,
            ),
        };
        if (item.name !== undefined && !isUnknown(item.name) && (typeof item.name !== "string" || item.name.trim() === "")) {
            fail(`${path}.name`, `${path}.name must be a non-empty string, got ${describeValue(item.name)}.`);
        }
        const first = names.get(gate.name);
        if (first !== undefined)
            fail(
                `${path}.name`,
                `gate name "${gate.name}" is used twice (gates[${first}] and gates[${index}]): names tell gates apart in messages.`,
            );
        names.set(gate.name, index);
        if (hasHttp) gate.http = checkHttp(`${path}.http`, item.http, fail);
        if (hasCommand) gate.command = checkCommand(`${path}.command`, item.command, fail);
        return gate;
    });
}

function checkHttp(path: string, value: unknown, fail: Fail): HttpGate {
    if (isUnknown(value)) return value as any;
    if (!isRecord(value)) {
        fail(
            path,
            `${path} must be an object { url, headers?, expectStatus?, expectBody?, samples?, allowedFailures?, target? }, got ${describeValue(value)}.`,
        );
        return value as any;
    }
    for (const key of Object.keys(value)) {
        if (!["url", "headers", "expectStatus", "expectBody", "samples", "allowedFailures", "target"].includes(key)) {
            fail(
                `${path}.${key}`,
                `${path}.${key} is not a probe setting: use url, headers, expectStatus, expectBody, samples, allowedFailures or target.`,
            );
        }
    }
    const gate = { url: value.url, headers: {}, expectStatus: [], samples: DEFAULT_SAMPLES, allowedFailures: 0 } as unknown as HttpGate;
    if (!isUnknown(value.url)) {
        const wrong = urlProblem(value.url);
        if (wrong)
            fail(
                `${path}.url`,
                `${path}.url must be an http:// or https:// URL to probe, like "https://hello.example.com/health", got ${wrong}.`,
            );
    }
    if (value.headers !== undefined && value.headers !== null && !isUnknown(value.headers)) {
        if (!isRecord(value.headers)) {
            fail(
                `${path}.headers`,
                `${path}.headers must be an object of header names to string values, got ${describeValue(value.headers)}.`,
            );
        } else {
            for (const [name, header] of Object.entries(value.headers)) {
                if (isUnknown(header)) continue;
                if (typeof header !== "string")
                    fail(`${path}.headers.${name}`, `${path}.headers.${name} must be a string, got ${describeValue(header)}.`);
                else if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name))
                    fail(`${path}.headers.${name}`, `${quote(name)} is not a valid HTTP header name.`);
            }
            gate.headers = value.headers as Record<string, string>;
        }
    }
    if (value.expectStatus !== undefined && value.expectStatus !== null && !isUnknown(value.expectStatus)) {
        const statuses = Array.isArray(value.expectStatus) ? value.expectStatus : [value.expectStatus];
        if (statuses.some(isUnknown)) {
            // Known at `up`: checked then.
        } else if (statuses.length === 0 || statuses.some((s) => typeof s !== "number" || !Number.isInteger(s) || s < 100 || s > 599)) {
            fail(
                `${path}.expectStatus`,
                `${path}.expectStatus must be an HTTP status (100–599) or a list of them, got ${describeValue(value.expectStatus)}.`,
            );
        } else {
            gate.expectStatus = statuses as number[];
        }
    }
    if (value.expectBody !== undefined && value.expectBody !== null && !isUnknown(value.expectBody)) {
        if (typeof value.expectBody !== "string" || value.expectBody === "") {
            fail(
                `${path}.expectBody`,
                `${path}.expectBody must be a non-empty string the answer's body contains, got ${describeValue(value.expectBody)}.`,
            );
        } else gate.expectBody = value.expectBody;
    }
    const samples = value.samples;
    if (samples !== undefined && samples !== null && !isUnknown(samples)) {
        if (typeof samples !== "number" || !Number.isInteger(samples) || samples < 1 || samples > MAX_SAMPLES) {
            fail(
                `${path}.samples`,
                `${path}.samples must be an integer from 1 to ${MAX_SAMPLES} (requests per probe), got ${describeValue(samples)}.`,
            );
        } else gate.samples = samples;
    }
    const allowed = value.allowedFailures;
    if (allowed !== undefined && allowed !== null && !isUnknown(allowed)) {
        if (typeof allowed !== "number" || !Number.isInteger(allowed) || allowed < 0) {
            fail(`${path}.allowedFailures`, `${path}.allowedFailures must be an integer of 0 or more, got ${describeValue(allowed)}.`);
        } else if (allowed >= gate.samples) {
            fail(
                `${path}.allowedFailures`,
                `${path}.allowedFailures is ${allowed} with ${gate.samples} samples: the probe could never fail. Allow fewer failures than samples.`,
            );
        } else gate.allowedFailures = allowed;
    }
    if (value.target !== undefined && value.target !== null && !isUnknown(value.target)) {
        if (value.target === "staging") gate.target = "staging";
        else if (value.target !== "production") {
            fail(
                `${path}.target`,
                `${path}.target must be "staging" (probe the routine's staging address) or "production" (the URL as given), got ${describeValue(value.target)}.`,
            );
        }
    }
    return gate;
}

function checkCommand(path: string, value: unknown, fail: Fail): any {
    if (isUnknown(value)) return value;
    const run = isRecord(value) ? value.run : value;
    if (isRecord(value)) {
        for (const key of Object.keys(value)) {
            if (key !== "run" && key !== "cwd") fail(`${path}.${key}`, `${path}.${key} is not a command setting: use run and cwd.`);
        }
        if (value.cwd !== undefined && value.cwd !== null && !isUnknown(value.cwd) && (typeof value.cwd !== "string" || value.cwd === "")) {
            fail(`${path}.cwd`, `${path}.cwd must be a directory path, got ${describeValue(value.cwd)}.`);
        }
    }
    if (isUnknown(run)) return { run };
    if (typeof run !== "string" || run.trim() === "") {
        const where = isRecord(value) ? `${path}.run` : path;
        fail(where, `${where} must be a shell command line (run with /bin/sh -c; exit code 0 passes), got ${describeKind(run)}.`);
        return { run };
    }
    return isRecord(value) && typeof value.cwd === "string" ? { run, cwd: value.cwd } : { run };
}

/** What is wrong with a probe URL, in words that do not repeat it (it may carry a token), or undefined. */
function urlProblem(value: unknown): string | undefined {
    if (typeof value !== "string") return describeValue(value);
    let protocol: string;
    try {
        protocol = new URL(value).protocol;
    } catch {
        return `${describeKind(value)} that is not a URL`;
    }
    return ["http:", "https:"].includes(protocol) ? undefined : `a ${protocol.length <= 12 ? `"${protocol}"` : "non-HTTP"} URL`;
}

function checkSeconds(path: string, value: unknown, fallback: number, max: number, fail: Fail, min = 0): number {
    if (value === undefined || value === null) return fallback;
    if (isUnknown(value)) return value as any;
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
        fail(path, `${path} must be a number of seconds from ${min} to ${max}, got ${describeValue(value)}.`);
        return fallback;
    }
    return value;
}

/**
 * The free text of a deployment's inputs (or recorded outputs) that may be secret: each
 * gate's command line and directory, probe URL, header values and expected body, and the
 * endpoint's credentials. Whatever shape they came in: this runs before validation.
 */
export function deploymentFreeText(values: Record<string, unknown>): unknown[] {
    const texts: unknown[] = [];
    if (typeof values.endpoint === "string") {
        try {
            const url = new URL(/^[a-z]+:\/\//i.test(values.endpoint) ? values.endpoint : `https://${values.endpoint}`);
            texts.push(decodeURIComponent(url.username), decodeURIComponent(url.password), url.search.slice(1));
        } catch {
            // Not a URL: refused by check, and nothing in it to hide.
        }
    }
    const rollout = values.rollout;
    const gates = isRecord(rollout) && Array.isArray(rollout.gates) ? rollout.gates : [];
    for (const gate of gates) {
        if (!isRecord(gate)) continue;
        const command = gate.command;
        texts.push(...commandLineTexts(isRecord(command) ? command.run : command));
        if (isRecord(command)) texts.push(command.cwd);
        const probe = gate.http;
        if (!isRecord(probe)) continue;
        texts.push(...urlTexts(probe.url), probe.expectBody);
        if (isRecord(probe.headers)) texts.push(...Object.values(probe.headers));
    }
    // A free text equal to an identifier (a body that names the routine) is not hidden: the identifier is shown everywhere.
    const ids = new Set<unknown>([values.name, values.env, ...gates.map((g) => (isRecord(g) ? g.name : undefined))]);
    if (Array.isArray(values.codeVersions)) for (const e of values.codeVersions) if (isRecord(e)) ids.add(e.codeVersion);
    return texts.filter((text) => !ids.has(text));
}

/** The rollout's record says what gates saw and why it ended, in the provider's words: none of the inputs' free text. */
export function redactRolloutState(outputs: Record<string, unknown>): void {
    const state = outputs.rolloutState;
    if (!isRecord(state)) return;
    if (typeof state.message === "string") state.message = redact(state.message);
    if (!Array.isArray(state.gates)) return;
    for (const result of state.gates) if (isRecord(result) && typeof result.detail === "string") result.detail = redact(result.detail);
}
