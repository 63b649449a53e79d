/**
 * Drives the real Pulumi CLI (engine, diff display, state backend, plugin launch of the
 * dynamic provider) against the local emulator.
 *
 * Programs run as Automation API *inline programs*: the CLI talks to a language runtime
 * served from this test process instead of launching `pulumi-language-nodejs`. All else
 * is the real path: the engine plans, stores state in a file backend, and starts the
 * dynamic provider (`pulumi-resource-pulumi-nodejs`) as its own process, which loads the
 * serialized shim and from it the installed implementation.
 *
 * Every stack lives in a temporary directory (backend, PULUMI_HOME, project), never in
 * the user's own Pulumi home. The directory's `node_modules` links to this repository's,
 * so the provider process resolves `esa-routine-deployment` exactly as in a consumer's
 * project.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET } from "../../emulator";

export const repoRoot = path.resolve(__dirname, "../..");
export const PASSPHRASE = "e2e-test-passphrase";

let cliBinDir: string | undefined;

/**
 * The Pulumi CLI, from `scripts/install-pulumi.sh`: already on PATH at our version,
 * cached from an earlier build, or built now (minutes, once per machine). Never skipped:
 * without the CLI these tests fail.
 */
export function pulumiBinDir(): string {
    if (!cliBinDir) {
        const output = execFileSync("bash", [path.join(repoRoot, "scripts/install-pulumi.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        cliBinDir = output.trim().split("\n").at(-1)!;
    }
    return cliBinDir;
}

export interface StackOptions {
    /** Stack config, e.g. `{ "esa:endpoint": "http://…" }`; values are plain unless listed in `secretConfig`. */
    config?: Record<string, string>;
    secretConfig?: Record<string, string>;
    /** Environment of the CLI and so of the provider process (credentials, for instance). */
    env?: Record<string, string>;
    projectName?: string;
    stackName?: string;
}

/** The CLI's text output of one command, and the engine events it emitted. */
export interface Run {
    output: string;
    events: any[];
}

export class TestStack {
    readonly dir: string;
    private stack!: Stack;
    /** Everything the CLI printed over the stack's life, for secret scans. */
    readonly transcript: string[] = [];

    private constructor(private program: PulumiFn, private readonly options: StackOptions) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-e2e-"));
    }

    /** Creates a stack in a fresh temporary backend. */
    static async create(program: PulumiFn, options: StackOptions = {}): Promise<TestStack> {
        const stack = new TestStack(program, options);
        await stack.init();
        return stack;
    }

    private async init(): Promise<void> {
        const binDir = pulumiBinDir();
        const backend = path.join(this.dir, "backend");
        const home = path.join(this.dir, "home");
        const project = path.join(this.dir, "project");
        for (const dir of [backend, home, project]) fs.mkdirSync(dir, { recursive: true });
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(project, "node_modules"), "dir");

        const projectName = this.options.projectName ?? "esa-e2e";
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(binDir) });
        this.stack = await LocalWorkspace.createOrSelectStack(
            { stackName: this.options.stackName ?? "test", projectName, program: () => this.program() },
            {
                workDir: project,
                pulumiHome: home,
                pulumiCommand,
                secretsProvider: "passphrase",
                projectSettings: { name: projectName, runtime: "nodejs", backend: { url: `file://${backend}` } },
                envVars: {
                    PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
                    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
                    PULUMI_SKIP_UPDATE_CHECK: "true",
                    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
                    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
                    ...this.options.env,
                },
            },
        );
        for (const [key, value] of Object.entries(this.options.config ?? {})) await this.stack.setConfig(key, { value });
        for (const [key, value] of Object.entries(this.options.secretConfig ?? {})) await this.stack.setConfig(key, { value, secret: true });
    }

    /** Swaps the program, as a user editing index.ts between two runs. */
    setProgram(program: PulumiFn): void {
        this.program = program;
    }

    async setConfig(key: string, value: string): Promise<void> {
        await this.stack.setConfig(key, { value });
    }

    async up(): Promise<Run & { outputs: Record<string, any> }> {
        return this.capture(async (onOutput, onEvent) => {
            const result = await this.stack.up({ onOutput, onEvent, color: "never", diff: true });
            return { outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value])) };
        });
    }

    async preview(options: { refresh?: boolean } = {}): Promise<Run & { changeSummary: Record<string, number> }> {
        return this.capture(async (onOutput, onEvent) => {
            const result = await this.stack.preview({ onOutput, onEvent, color: "never", diff: true, refresh: options.refresh });
            return { changeSummary: result.changeSummary as Record<string, number> };
        });
    }

    async refresh(): Promise<Run> {
        return this.capture(async (onOutput, onEvent) => {
            await this.stack.refresh({ onOutput, onEvent, color: "never" });
            return {};
        });
    }

    async destroy(): Promise<Run> {
        return this.capture(async (onOutput, onEvent) => {
            await this.stack.destroy({ onOutput, onEvent, color: "never" });
            return {};
        });
    }

    /** The stack's state as `pulumi stack export` shows it. */
    async exportState(): Promise<any> {
        return (await this.stack.exportStack()).deployment;
    }

    /** The resources of our type in the state. */
    async deployments(): Promise<any[]> {
        const state = await this.exportState();
        return (state.resources ?? []).filter((r: any) => r.type === "pulumi-nodejs:dynamic/esa:RoutineCodeDeployment");
    }

    /** Every file of the backend and the project, as text, for secret scans. */
    stateFiles(): string {
        const texts: string[] = [];
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, entry.name);
                if (entry.name === "node_modules" || entry.name === "plugins") continue;
                if (entry.isDirectory()) walk(full);
                else if (entry.isFile()) texts.push(fs.readFileSync(full, "utf8"));
            }
        };
        walk(this.dir);
        return texts.join("\n");
    }

    async dispose(): Promise<void> {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    private async capture<T>(run: (onOutput: (s: string) => void, onEvent: (e: any) => void) => Promise<T>): Promise<Run & T> {
        const chunks: string[] = [];
        const events: any[] = [];
        const onOutput = (s: string) => chunks.push(s);
        try {
            const result = await run(onOutput, (e) => events.push(e));
            return { ...result, output: chunks.join(""), events };
        } catch (error: any) {
            // Automation API errors carry the CLI's stdout and stderr: keep both.
            const message = `${chunks.join("")}\n${error?.message ?? error}`;
            this.transcript.push(message);
            throw Object.assign(new Error(message), { output: chunks.join(""), events });
        } finally {
            this.transcript.push(chunks.join(""));
        }
    }
}

/** Environment variables that give the provider process the emulator's test AccessKey pair. */
export function emulatorCredentials(): Record<string, string> {
    return { ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_ACCESS_KEY_SECRET };
}
