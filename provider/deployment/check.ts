/**
 * Input validation and normalization (README: Inputs and outputs), run by `check` at preview time.
 *
 * Every rule of the API reference is checked here, before anything is sent, and all
 * failures are reported at once, each with the property path a user can find in their
 * program (`codeVersions[1].percentage`). Values unknown at preview time are never an
 * error: what is known is validated and the rest is let through.
 */
import { canonicalOrder } from "./split";
import { CodeVersionSplit, DeploymentInputs, ENVIRONMENTS, STRATEGIES } from "./types";
import { isUnknown } from "../engine/unknowns";
import { checkRollout } from "./rollout/check";
import { timeoutProblem } from "../esa/config";
import { describeValue, isRecord, quote } from "../engine/input-values";

export interface CheckFailure {
    property: string;
    reason: string;
}

export interface CheckResult {
    inputs: DeploymentInputs;
    failures: CheckFailure[];
}

/** The API allows at most two versions in one deployment. */
const MAX_SERVING_VERSIONS = 2;

const ENV_ALIASES: Record<string, string> = {
    prod: "production",
    prd: "production",
    live: "production",
    stage: "staging",
    stg: "staging",
    test: "staging",
    testing: "staging",
    dev: "staging",
};

/**
 * Validates raw resource inputs and returns them normalized: strategy filled in,
 * zero-percent entries dropped, numeric version ids turned into strings, entries in
 * canonical order. Never throws, whatever the input.
 */
export function checkInputs(raw: unknown): CheckResult {
    const failures: CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const news: Record<string, unknown> = isRecord(raw) ? raw : {};

    const name = checkName(news.name, fail);
    const env = checkEnv(news.env, fail);
    const strategy = checkStrategy(news.strategy, fail);
    const codeVersions = checkCodeVersions(news.codeVersions, fail);

    const inputs: DeploymentInputs = { name, env, strategy, codeVersions } as DeploymentInputs;
    const region = checkOptionalText("region", news.region, fail);
    if (region !== undefined) inputs.region = region;
    const endpoint = checkEndpoint(news.endpoint, fail);
    if (endpoint !== undefined) inputs.endpoint = endpoint;
    const timeoutSeconds = checkTimeout(news.timeoutSeconds, fail);
    if (timeoutSeconds !== undefined) inputs.timeoutSeconds = timeoutSeconds;
    const rollout = checkRollout(news.rollout, fail);
    if (rollout !== undefined) inputs.rollout = rollout;
    return { inputs, failures };
}

type Fail = (property: string, reason: string) => void;

function checkName(value: unknown, fail: Fail): any {
    if (isUnknown(value)) return value;
    if (value === undefined || value === null || value === "") {
        fail("name", "name is required: the name of the ESA edge routine whose code is deployed.");
    } else if (typeof value !== "string") {
        fail("name", `name must be a string (the routine's name), got ${describeValue(value)}.`);
    } else if (value.trim() !== value) {
        fail("name", `name ${quote(value)} has leading or trailing whitespace; use ${quote(value.trim())}.`);
    } else if (value.length > MAX_ROUTINE_NAME) {
        fail("name", `name is ${value.length} characters long; an ESA routine name has at most ${MAX_ROUTINE_NAME}.`);
    }
    return value;
}

/** The longest routine name ESA takes (names become part of a host name: one DNS label). */
const MAX_ROUTINE_NAME = 64;

function checkEnv(value: unknown, fail: Fail): any {
    if (isUnknown(value)) return value;
    const allowed = ENVIRONMENTS.map((e) => `"${e}"`).join(" or ");
    if (value === undefined || value === null || value === "") {
        fail("env", `env is required: ${allowed}.`);
    } else if (typeof value !== "string") {
        fail("env", `env must be ${allowed}, got ${describeValue(value)}.`);
    } else if (!(ENVIRONMENTS as readonly string[]).includes(value)) {
        const suggestion = suggestEnv(value);
        const hint = suggestion ? ` Did you mean "${suggestion}"?` : "";
        fail("env", `env ${quote(value)} is not an ESA environment: use ${allowed} (exact, lowercase).${hint}`);
    }
    return value;
}

/** The environment a near miss (`Production`, `prod`, `stagign`) most likely meant. */
function suggestEnv(value: string): string | undefined {
    const lowered = value.trim().toLowerCase();
    if ((ENVIRONMENTS as readonly string[]).includes(lowered)) return lowered;
    if (ENV_ALIASES[lowered]) return ENV_ALIASES[lowered];
    let best: { env: string; distance: number } | undefined;
    for (const env of ENVIRONMENTS) {
        const distance = editDistance(lowered, env);
        if (!best || distance < best.distance) best = { env, distance };
    }
    if (best && best.distance <= 3) return best.env;
    return ENVIRONMENTS.find((env) => lowered.length >= 3 && env.startsWith(lowered));
}

function checkStrategy(value: unknown, fail: Fail): any {
    if (value === undefined || value === null) return STRATEGIES[0];
    if (isUnknown(value)) return value;
    if (!(STRATEGIES as readonly unknown[]).includes(value)) {
        fail(
            "strategy",
            `strategy ${describeValue(value)} is not supported: ESA only deploys with "percentage" (the default; the property can be left out).`,
        );
    }
    return value;
}

function checkCodeVersions(value: unknown, fail: Fail): any {
    if (isUnknown(value)) return value;
    if (value === undefined || value === null) {
        fail(
            "codeVersions",
            "codeVersions is required: a list of 1 or 2 { codeVersion, percentage } entries whose percentages add up to 100.",
        );
        return [];
    }
    if (!Array.isArray(value)) {
        fail("codeVersions", `codeVersions must be a list of { codeVersion, percentage } entries, got ${describeValue(value)}.`);
        return [];
    }

    const entries: CodeVersionSplit[] = [];
    const seen = new Map<string, number>();
    let allPercentagesKnown = true;
    let servingKnown = 0;
    let possiblyServing = 0;
    let sum = 0;

    value.forEach((item, index) => {
        const path = `codeVersions[${index}]`;
        if (isUnknown(item)) {
            allPercentagesKnown = false;
            possiblyServing++;
            entries.push(item);
            return;
        }
        if (!isRecord(item)) {
            fail(path, `${path} must be an object { codeVersion, percentage }, got ${describeValue(item)}.`);
            return;
        }
        const codeVersion = checkCodeVersion(`${path}.codeVersion`, item.codeVersion, fail);
        const percentage = checkPercentage(`${path}.percentage`, item.percentage, fail);

        if (typeof codeVersion === "string" && !isUnknown(codeVersion)) {
            const first = seen.get(codeVersion);
            if (first !== undefined) {
                fail(
                    `${path}.codeVersion`,
                    `code version ${codeVersion} is listed twice (codeVersions[${first}] and ${path}); list each version once.`,
                );
            } else {
                seen.set(codeVersion, index);
            }
        }

        if (isUnknown(percentage)) {
            allPercentagesKnown = false;
            possiblyServing++;
        } else if (typeof percentage === "number" && Number.isInteger(percentage) && percentage >= 0 && percentage <= 100) {
            sum += percentage;
            if (percentage > 0) {
                servingKnown++;
                possiblyServing++;
            }
        } else {
            allPercentagesKnown = false; // already reported as invalid
        }
        // "0 %" means "not serving": the entry stays in the program so a rollout can be
        // written without reshaping the list, but it is not part of the deployment.
        if (percentage !== 0) entries.push({ codeVersion, percentage } as CodeVersionSplit);
    });

    if (servingKnown > MAX_SERVING_VERSIONS) {
        fail(
            "codeVersions",
            `codeVersions has ${servingKnown} versions with a percentage above 0, but ESA serves at most ${MAX_SERVING_VERSIONS} at once; set the others to 0 or remove them.`,
        );
    }
    if (value.length > 0 && possiblyServing === 0 && allPercentagesKnown) {
        fail("codeVersions", "codeVersions has no version with a percentage above 0: at least one version must serve traffic.");
    }
    if (value.length === 0) {
        fail("codeVersions", "codeVersions is empty: give 1 or 2 { codeVersion, percentage } entries whose percentages add up to 100.");
    }
    if (allPercentagesKnown && value.length > 0 && servingKnown > 0 && sum !== 100) {
        fail("codeVersions", `the percentages of codeVersions add up to ${sum}, but must add up to exactly 100.`);
    }
    return canonicalOrder(entries);
}

function checkCodeVersion(path: string, value: unknown, fail: Fail): unknown {
    if (isUnknown(value)) return value;
    if (typeof value === "number") {
        if (!Number.isInteger(value) || value < 0) {
            fail(path, `${path} must be a code version id (a string of digits, like "1723599747213377175"), got ${describeValue(value)}.`);
            return value;
        }
        if (!Number.isSafeInteger(value)) {
            fail(
                path,
                `${path} is the number ${value}, which JavaScript cannot hold exactly: ESA code versions are 19-digit ids ` +
                    `(like "1723599747213377175") and a number that large is silently rounded, so it would deploy the wrong version. ` +
                    `Write the version id as a string, in quotes.`,
            );
            return value;
        }
        return String(value);
    }
    if (value === undefined || value === null || value === "") {
        fail(path, `${path} is required: the id of a committed code version of the routine, as a string.`);
    } else if (typeof value !== "string") {
        fail(path, `${path} must be a string (a code version id), got ${describeValue(value)}.`);
    } else if (value.trim() !== value || value.length === 0) {
        fail(path, `${path} ${quote(value)} has surrounding whitespace; use ${quote(value.trim())}.`);
    }
    return value;
}

function checkPercentage(path: string, value: unknown, fail: Fail): unknown {
    if (isUnknown(value)) return value;
    if (value === undefined || value === null) {
        fail(path, `${path} is required: an integer from 0 to 100 (0 means the version does not serve).`);
    } else if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 100) {
        fail(path, `${path} must be an integer from 0 to 100, got ${describeValue(value)}.`);
    }
    return value;
}

function checkOptionalText(property: string, value: unknown, fail: Fail): any {
    if (value === undefined || value === null || value === "") return undefined;
    if (isUnknown(value)) return value;
    if (typeof value !== "string") {
        fail(property, `${property} must be a string, got ${describeValue(value)}.`);
    } else if (value.trim() !== value) {
        fail(property, `${property} has leading or trailing whitespace; remove it.`);
    }
    return value;
}

function checkEndpoint(value: unknown, fail: Fail): any {
    const endpoint = checkOptionalText("endpoint", value, fail);
    if (typeof endpoint !== "string" || isUnknown(endpoint) || endpoint.trim() !== endpoint) return endpoint; // whitespace: already reported
    const url = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
    try {
        const parsed = new URL(url);
        if (!["http:", "https:"].includes(parsed.protocol) || (parsed.pathname !== "/" && parsed.pathname !== "")) throw new Error();
    } catch {
        fail(
            "endpoint",
            `endpoint ${quote(withoutCredentials(endpoint))} is not an API address: use a host ("esa.cn-hangzhou.aliyuncs.com") or a URL ("http://127.0.0.1:8787").`,
        );
    }
    return endpoint;
}

/** An address as a message may repeat it: without a user, password or query, which may carry a secret. */
function withoutCredentials(address: string): string {
    return address.replace(/\/\/[^/@?#]*@/, "//****@").replace(/\?.*$/s, "?****");
}

function checkTimeout(value: unknown, fail: Fail): any {
    if (value === undefined || value === null) return undefined;
    if (isUnknown(value)) return value;
    const problem = timeoutProblem(value, describeValue);
    if (problem) fail("timeoutSeconds", problem);
    return value;
}

/** Levenshtein distance, for "did you mean" hints on short words. */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}
