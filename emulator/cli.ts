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
 * --https       also serve HTTPS (port --https-port, default 8788, or any with --port 0) with a generated
 *               certificate; its CA goes to --ca-dir DIR (reused when already there) or
 *               to a new temporary directory (removed when the emulator stops); prints the
 *               NODE_EXTRA_CA_CERTS= line.
 * --edge-port N the edge's port (default 8789, or any with --port 0; 127.0.0.1 production, 127.0.0.2 staging);
 *               --no-edge to go without it.
 * --version-quota N, --build-delay-ms N, --round-trip-ms N   as the EmulatorOptions of the same names.
 *
 *   npm run emulator -- behaviour [--admin URL] --routine NAME --version ID
 *                       [--error-rate 0.3] [--status 503] [--latency-ms 200] [--body TEXT] [--clear]
 *
 * sets how the edge of a running emulator answers for one version (admin path
 * /__emulator/edge-behaviours; --admin defaults to http://127.0.0.1:8787).
 */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET } from "./gateway/credentials";
import { checkBehaviour } from "./gateway/edge";
import { startEmulator } from "./start";
import type { Emulator, EmulatorOptions, VersionBehaviour } from "./types";

export const DEFAULT_CLI_PORT = 8787;
const DEFAULT_CLI_HTTPS_PORT = 8788;
const DEFAULT_CLI_EDGE_PORT = 8789;

/** The demo account: one routine, two versions, nothing deployed yet. */
export const DEMO_ROUTINES: Record<string, string[]> = {
    "hello-edge": ["1723599747213377175", "1723599747213377176"],
};

const SEED_KEYS = [
    "routines",
    "accessKeys",
    "stsCredentials",
    "envOrder",
    "deploymentIdAs",
    "readAfterWriteDelayMs",
    "versionQuota",
    "buildDelayMs",
    "roundTripMs",
    "uploadPolicyTtlSeconds",
    "erServiceStatus",
] as const;

interface CliConfig {
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
            https: { type: "boolean" },
            "https-port": { type: "string" },
            "ca-dir": { type: "string" },
            "edge-port": { type: "string" },
            "no-edge": { type: "boolean" },
            "version-quota": { type: "string" },
            "build-delay-ms": { type: "string" },
            "round-trip-ms": { type: "string" },
            help: { type: "boolean", short: "h" },
        },
        strict: true,
    });
    const port = portNumber("--port", values.port, DEFAULT_CLI_PORT);
    // With --port 0 (any free port, as tests run it), the other servers pick free ports too.
    const otherPort = (fixed: number) => (port === 0 ? 0 : fixed);
    const seed = values.seed ? loadSeed(values.seed) : { routines: DEMO_ROUTINES };
    const options: EmulatorOptions = { ...seed, port, host: values.host, statePath: values.state };
    if (values.https || values["ca-dir"] !== undefined || values["https-port"] !== undefined) {
        options.https = {
            port: portNumber("--https-port", values["https-port"], otherPort(DEFAULT_CLI_HTTPS_PORT)),
            caDir: values["ca-dir"],
        };
    }
    options.edge = values["no-edge"] ? false : { port: portNumber("--edge-port", values["edge-port"], otherPort(DEFAULT_CLI_EDGE_PORT)) };
    if (values["version-quota"] !== undefined) options.versionQuota = wholeNumber("--version-quota", values["version-quota"]);
    if (values["build-delay-ms"] !== undefined) options.buildDelayMs = wholeNumber("--build-delay-ms", values["build-delay-ms"]);
    if (values["round-trip-ms"] !== undefined) options.roundTripMs = wholeNumber("--round-trip-ms", values["round-trip-ms"]);
    return { help: values.help ?? false, options };
}

function portNumber(flag: string, raw: string | undefined, fallback: number): number {
    const port = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`${flag} must be a port number, got "${raw}"`);
    }
    return port;
}

function wholeNumber(flag: string, raw: string): number {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new Error(`${flag} must be a whole number, got "${raw}"`);
    return n;
}

interface BehaviourCommand {
    admin: string;
    routine: string;
    codeVersion: string;
    behaviour: VersionBehaviour | null;
}

/** `behaviour …`: what to send to a running emulator's /__emulator/edge-behaviours. */
export function parseBehaviourArgs(argv: string[]): BehaviourCommand {
    const { values } = parseArgs({
        args: argv,
        options: {
            admin: { type: "string" },
            routine: { type: "string" },
            version: { type: "string" },
            "error-rate": { type: "string" },
            status: { type: "string" },
            "latency-ms": { type: "string" },
            body: { type: "string" },
            clear: { type: "boolean" },
        },
        strict: true,
    });
    if (!values.routine || !values.version) throw new Error("behaviour needs --routine NAME and --version ID");
    const behaviour: VersionBehaviour = {};
    if (values["error-rate"] !== undefined) behaviour.errorRate = Number(values["error-rate"]);
    if (values.status !== undefined) behaviour.status = Number(values.status);
    if (values["latency-ms"] !== undefined) behaviour.latencyMs = Number(values["latency-ms"]);
    if (values.body !== undefined) behaviour.body = values.body;
    return {
        admin: (values.admin ?? `http://127.0.0.1:${DEFAULT_CLI_PORT}`).replace(/\/+$/, ""),
        routine: values.routine,
        codeVersion: values.version,
        behaviour: values.clear ? null : checkBehaviour(behaviour),
    };
}

async function runBehaviourCommand(argv: string[]): Promise<void> {
    const command = parseBehaviourArgs(argv);
    const res = await fetch(`${command.admin}/__emulator/edge-behaviours`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: command.routine, codeVersion: command.codeVersion, behaviour: command.behaviour }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`the emulator at ${command.admin} refused: ${text}`);
    process.stdout.write(
        command.behaviour
            ? `Edge behaviour of ${command.routine} ${command.codeVersion}: ${JSON.stringify(command.behaviour)}\n`
            : `Edge behaviour of ${command.routine} ${command.codeVersion} back to the default.\n`,
    );
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
        ...(emulator.httpsEndpoint
            ? [
                  `HTTPS: ${emulator.httpsEndpoint} (same API and state). Trust its CA in the processes that call it:`,
                  `    export ${emulator.nodeExtraCaCerts}`,
                  `    pulumi config set esa:endpoint ${emulator.httpsEndpoint}`,
                  "",
              ]
            : []),
        `Code uploads: ${emulator.uploadUrl} (the OssPostConfig.Url of the upload actions)`,
        ...(emulator.edgeUrl
            ? [`Edge: production ${emulator.edgeUrl}, staging ${emulator.stagingEdgeUrl} (Host: <routine>.example.test)`]
            : []),
        `Inspect and control: ${emulator.endpoint}/__emulator/state, /__emulator/requests (see emulator/gateway/admin.ts)`,
        options.statePath ? `State file: ${options.statePath}` : "State: in memory (use --state FILE to keep it)",
        "Ctrl-C to stop.",
    ].join("\n");
}

const USAGE = [
    "Usage: npm run emulator -- [--port 8787] [--host 127.0.0.1] [--state FILE] [--seed FILE]",
    "                           [--https] [--https-port 8788] [--ca-dir DIR] [--edge-port 8789 | --no-edge]",
    "                           [--version-quota 10] [--build-delay-ms 200] [--round-trip-ms 0]",
    "       npm run emulator -- behaviour [--admin http://127.0.0.1:8787] --routine NAME --version ID",
    "                           [--error-rate 0.3] [--status 503] [--latency-ms 200] [--body TEXT] [--clear]",
].join("\n");

export async function main(argv: string[]): Promise<void> {
    if (argv[0] === "behaviour") {
        try {
            await runBehaviourCommand(argv.slice(1));
        } catch (error) {
            process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
            process.exitCode = 2;
        }
        return;
    }
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
interface SignalTarget {
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
