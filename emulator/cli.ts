/**
 * Command line: run the emulator in the foreground for demos and manual testing.
 *
 *   npm run emulator -- [--port 8787] [--host 127.0.0.1] [--state FILE] [--seed FILE]
 *
 * --seed FILE   JSON: { "routines": { "<name>": ["<19-digit version id>", ...] },
 *               optional "accessKeys", "stsCredentials", "envOrder", "deploymentIdAs",
 *               "readAfterWriteDelayMs" as in EmulatorOptions }.
 *               Without it, a demo routine `hello-edge` with two versions.
 * --state FILE  keep routines, versions and deployments in FILE across restarts; when
 *               FILE exists it wins over the seed.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET } from "./credentials";
import { startEmulator } from "./start";
import type { Emulator, EmulatorOptions } from "./types";

export const DEFAULT_CLI_PORT = 8787;

/** The demo account: one routine, two versions, nothing deployed yet. */
export const DEMO_ROUTINES: Record<string, string[]> = {
    "hello-edge": ["1723599747213377175", "1723599747213377176"],
};

const SEED_KEYS = ["routines", "accessKeys", "stsCredentials", "envOrder", "deploymentIdAs", "readAfterWriteDelayMs"] as const;

export interface CliConfig {
    options: EmulatorOptions;
    help: boolean;
}

export function parseCliArgs(argv: string[]): CliConfig {
    const { values } = parseArgs({
        args: argv,
        options: {
            port: { type: "string" },
            host: { type: "string" },
            state: { type: "string" },
            seed: { type: "string" },
            help: { type: "boolean", short: "h" },
        },
        strict: true,
    });
    const port = values.port === undefined ? DEFAULT_CLI_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`--port must be a port number, got "${values.port}"`);
    }
    const seed = values.seed ? loadSeed(values.seed) : { routines: DEMO_ROUTINES };
    return {
        help: values.help ?? false,
        options: { ...seed, port, host: values.host, statePath: values.state },
    };
}

export function loadSeed(path: string): EmulatorOptions {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new Error(`${path}: the seed must be a JSON object like { "routines": { "name": ["id"] } }`);
    }
    const unknown = Object.keys(parsed).filter((k) => !(SEED_KEYS as readonly string[]).includes(k));
    if (unknown.length > 0) {
        throw new Error(`${path}: unknown seed keys ${unknown.join(", ")} (allowed: ${SEED_KEYS.join(", ")})`);
    }
    return parsed as EmulatorOptions;
}

/** What to print at start. Secrets are shown only for the built-in test pair. */
export function startupBanner(emulator: Emulator, options: EmulatorOptions): string {
    const usesTestPair = options.accessKeys === undefined;
    const keyId = usesTestPair ? DEFAULT_ACCESS_KEY_ID : (Object.keys(options.accessKeys ?? {})[0] ?? "<none>");
    const secret = usesTestPair ? DEFAULT_ACCESS_KEY_SECRET : "<the secret configured in the seed file>";
    const routines = Object.entries(emulator.state().routines)
        .map(([name, r]) => `    ${name} (${r.versions.map((v) => v.codeVersion).join(", ") || "no versions"})`)
        .join("\n");
    return [
        `ESA emulator listening on ${emulator.endpoint}`,
        "",
        "AccessKey pair to use" + (usesTestPair ? " (a test pair, valid for this emulator only):" : ":"),
        `    id:     ${keyId}`,
        `    secret: ${secret}`,
        "",
        "Routines:",
        routines || "    (none)",
        "",
        "Point a stack at it:",
        `    pulumi config set esa:endpoint ${emulator.endpoint}`,
        `    export ALIBABA_CLOUD_ACCESS_KEY_ID=${keyId}`,
        `    export ALIBABA_CLOUD_ACCESS_KEY_SECRET=${secret}`,
        "",
        `Inspect and control: ${emulator.endpoint}/__emulator/state, /__emulator/requests (see emulator/admin.ts)`,
        options.statePath ? `State file: ${options.statePath}` : "State: in memory (use --state FILE to keep it)",
        "Ctrl-C to stop.",
    ].join("\n");
}

const USAGE = "Usage: npm run emulator -- [--port 8787] [--host 127.0.0.1] [--state FILE] [--seed FILE]";

export async function main(argv: string[]): Promise<void> {
    let config: CliConfig;
    try {
        config = parseCliArgs(argv);
    } catch (error) {
        process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
        process.exitCode = 2;
        return;
    }
    if (config.help) {
        process.stdout.write(`${USAGE}\n`);
        return;
    }
    if (config.options.statePath && existsSync(config.options.statePath)) {
        process.stdout.write(`Loading state from ${config.options.statePath} (the seed is not applied).\n`);
    }
    const emulator = await startEmulator(config.options);
    process.stdout.write(`${startupBanner(emulator, config.options)}\n`);

    stopOnSignals(emulator);
}

/** The parts of `process` that shutdown needs, so tests can pass a stand-in. */
export interface SignalTarget {
    once(event: "SIGINT" | "SIGTERM", listener: () => void): unknown;
    exit(code: number): void;
    stdout: { write(text: string): unknown };
}

/** Ctrl-C (SIGINT) and SIGTERM (CI, process managers) close the server, then exit 0. */
export function stopOnSignals(emulator: Emulator, target: SignalTarget = process): void {
    const stop = (signal: string) => {
        target.stdout.write(`\n${signal}: stopping the ESA emulator.\n`);
        emulator.close().then(
            () => target.exit(0),
            () => target.exit(1),
        );
    };
    target.once("SIGINT", () => stop("SIGINT"));
    target.once("SIGTERM", () => stop("SIGTERM"));
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error: unknown) => {
        process.stderr.write(`esa-emulator: ${(error as Error).message}\n`);
        process.exit(1);
    });
}
