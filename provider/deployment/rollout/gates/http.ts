/**
 * The HTTP probe gate: `samples` requests to a URL, each judged by its status (and body
 * text); it passes when no more than `allowedFailures` of them fail, all within the
 * gate's timeout. What it saw is told per answering version (the edge names it in
 * `x-esa-code-version`), so a failure message says which version answered badly.
 *
 * With `target: "staging"` the requests go to the routine's staging address with the
 * URL's host name as Host, as ESA's staging environment is reached. node:http rather
 * than fetch, because fetch refuses to set Host.
 *
 * What it saw never repeats the URL, the headers or the body it expects: any of them may
 * carry a secret (a token in the query, an Authorization header), and the rollout's
 * record is an output the engine does not keep secret (README, "Security").
 */
import * as http from "node:http";
import * as https from "node:https";
import type { HttpGate } from "../types";
import type { GateEnvironment, GateVerdict } from "./facts";

/** The header the edge names the answering version in. */
export const VERSION_HEADER = "x-esa-code-version";
/** How much of a body is read to look for `expectBody`. */
const MAX_BODY_BYTES = 256 * 1024;

interface Sample {
    status?: number;
    version?: string;
    ok: boolean;
    why?: string;
}

export async function runHttpGate(gate: HttpGate, timeoutMs: number, env: GateEnvironment): Promise<GateVerdict> {
    const started = env.now();
    const deadline = started + timeoutMs;
    const url = new URL(gate.url);
    let address: string | undefined;
    if (gate.target === "staging") {
        address = await within(env.stagingAddress(timeoutMs), timeoutMs);
        if (address === undefined) {
            return {
                passed: false,
                detail: `GetRoutineStagingEnvIp gave no staging address within the gate's ${Math.round(timeoutMs / 1000)} s`,
            };
        }
    }
    const samples: Sample[] = [];
    let failures = 0;
    for (let i = 0; i < gate.samples; i++) {
        // Asked to stop: the verdict no longer counts (the walk records where it stands).
        if (env.signal?.aborted) return { passed: false, detail: `stopped with ${samples.length} of ${gate.samples} samples taken` };
        const left = deadline - env.now();
        if (left <= 0) {
            return {
                passed: false,
                detail: `HTTP probe timed out after ${Math.round(timeoutMs / 1000)} s with ${samples.length} of ${gate.samples} samples taken; ${summarize(samples)}`,
            };
        }
        const sample = await probe(url, gate, left, address);
        samples.push(sample);
        if (!sample.ok) failures++;
        // Once more than the allowed failures are seen, more samples cannot change the verdict.
        if (failures > gate.allowedFailures) break;
    }
    const where = address ? ` (staging address ${address})` : "";
    const passed = failures <= gate.allowedFailures;
    return {
        passed,
        detail: `HTTP probe${where}: ${failures} of ${samples.length} samples failed (${gate.allowedFailures} allowed; expected ${expectation(gate)}); ${summarize(samples)}`,
    };
}

function probe(url: URL, gate: HttpGate, timeoutMs: number, address: string | undefined): Promise<Sample> {
    const client = url.protocol === "https:" ? https : http;
    const headers: Record<string, string> = { ...gate.headers };
    const hasHost = Object.keys(headers).some((h) => h.toLowerCase() === "host");
    if (address && !hasHost) headers.Host = url.host;
    return new Promise((resolve) => {
        let settled = false;
        const done = (sample: Sample) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(sample);
        };
        const request = client.request(
            {
                protocol: url.protocol,
                hostname: address ?? url.hostname,
                port: url.port || undefined,
                path: `${url.pathname}${url.search}`,
                method: "GET",
                headers,
                agent: false,
                ...(address && url.protocol === "https:" ? { servername: url.hostname } : {}),
            },
            (response) => {
                const chunks: Buffer[] = [];
                let size = 0;
                response.on("data", (chunk: Buffer) => {
                    if (size < MAX_BODY_BYTES) chunks.push(chunk);
                    size += chunk.length;
                });
                response.on("end", () => {
                    const status = response.statusCode ?? 0;
                    const version = headerValue(response.headers[VERSION_HEADER]);
                    const body = Buffer.concat(chunks).toString("utf8");
                    const statusOk = gate.expectStatus.length > 0 ? gate.expectStatus.includes(status) : status >= 200 && status < 300;
                    if (!statusOk) return done({ status, version, ok: false, why: `status ${status}` });
                    if (gate.expectBody !== undefined && !body.includes(gate.expectBody)) {
                        return done({ status, version, ok: false, why: "body without the expected text" });
                    }
                    done({ status, version, ok: true });
                });
                response.on("error", (error: NodeJS.ErrnoException) => done({ ok: false, why: error.code ?? "answer cut off" }));
            },
        );
        const timer = setTimeout(() => {
            request.destroy();
            done({ ok: false, why: "no answer within the gate's timeout" });
        }, timeoutMs);
        request.on("error", (error: NodeJS.ErrnoException) => done({ ok: false, why: error.code ?? "request failed" }));
        request.end();
    });
}

/** The promise's value, or undefined once `ms` have passed (a late failure is then nobody's to hear). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
    promise.catch(() => undefined);
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function headerValue(value: string | string[] | undefined): string | undefined {
    return Array.isArray(value) ? value[0] : value;
}

function expectation(gate: HttpGate): string {
    const status = gate.expectStatus.length > 0 ? `status ${gate.expectStatus.join(" or ")}` : "a 2xx status";
    return gate.expectBody !== undefined ? `${status} and a body containing the expected text` : status;
}

/** "7 × 200 from version 176; 3 × status 503 from version 177". */
function summarize(samples: Sample[]): string {
    if (samples.length === 0) return "no answers";
    const groups = new Map<string, number>();
    for (const s of samples) {
        const what = s.ok ? `${s.status}` : (s.why ?? "failed");
        const key = `${what}${s.version ? ` from version ${s.version}` : ""}`;
        groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    return [...groups.entries()].map(([key, count]) => `${count} × ${key}`).join("; ");
}
