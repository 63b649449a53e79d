/**
 * Drives the real Pulumi CLI (engine, diff display, state backend, plugin launch of the
 * dynamic provider) against the local emulator, for the end-to-end tests and the
 * benchmarks.
 *
 * Programs run as Automation API *inline programs*, for callers that need control from
 * inside this process (a program swapped between runs, a run killed midway): the CLI
 * talks to a language runtime served from this test process instead of launching
 * `pulumi-language-nodejs`. (The examples run the users' way, as Pulumi.yaml projects
 * through `pulumi` subprocesses: tests/e2e/examples.test.ts.) All else
 * is the real path: the engine plans, stores state in a file backend, and starts the
 * dynamic provider (`pulumi-resource-pulumi-nodejs`) as its own process, which runs the
 * provider code stored in the state and from it loads the installed implementation.
 *
 * Every stack lives in a temporary directory (backend, PULUMI_HOME, project), never in
 * the user's own Pulumi home. The project's `node_modules` links to this repository's
 * dependencies and to a snapshot of the built package as `esa-routine-deployment`, so
 * the provider process resolves the package exactly as in a consumer's project.
 *
 * Besides running commands, an `InlineStack` reads what a test asserts on: the exported
 * state, the backend's files, the processes of a run in progress (to kill one), the
 * backend's locks; and it can install another release of the package into the project.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { LocalWorkspace, PulumiCommand, PulumiFn, Stack, UpdateSummary } from "@pulumi/pulumi/automation";
import { ROUTINE_CODE_DEPLOYMENT_TYPE } from "../../sdk";
import { cliEnvironment, pulumiBinDir, repoRoot } from "./cli";
import { PACKAGE_NAME } from "./install";

const execFileAsync = promisify(execFile);
/** Encrypts the secrets of every inline stack (each lives in its own temporary backend). */
export const INLINE_STACK_PASSPHRASE = "e2e-test-passphrase";

let snapshotDir: string | undefined;

/**
 * This package as the stacks install it: package.json and the compiled dist/, copied
 * once per test run (so a rebuild while the suite runs cannot swap the code under test
 * halfway), with a `node_modules` link to this repository's dependencies so that its
 * own `require`s resolve. Run `npm run build` before the suite: this is what it tests.
 */
export function packageSnapshot(): string {
    if (!snapshotDir) {
        if (!fs.existsSync(path.join(repoRoot, "dist", "provider", "index.js"))) {
            throw new Error(
                "dist/ is missing: run `npm run build` before the end-to-end tests (the provider process loads the compiled package).",
            );
        }
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "esa-e2e-package-"));
        const dir = path.join(root, PACKAGE_NAME);
        fs.mkdirSync(dir);
        fs.copyFileSync(path.join(repoRoot, "package.json"), path.join(dir, "package.json"));
        fs.cpSync(path.join(repoRoot, "dist"), path.join(dir, "dist"), { recursive: true });
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
        process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
        snapshotDir = dir;
    }
    return snapshotDir;
}

export interface StackOptions {
    /** Stack config, e.g. `{ "esa:endpoint": "http://…" }`; values are plain unless listed in `secretConfig`. */
    config?: Record<string, string>;
    secretConfig?: Record<string, string>;
    /** Environment of the CLI and so of the provider process (credentials, for instance). */
    env?: Record<string, string>;
    projectName?: string;
    stackName?: string;
    /** Provider plugins the engine takes from a directory (Pulumi.yaml `plugins: providers:`), e.g. the native `esa` plugin. */
    plugins?: { name: string; path: string }[];
}

/** The CLI's text output of one command, and the engine events it emitted. */
export interface Run {
    output: string;
    /** What the CLI wrote to stderr. */
    stderr: string;
    events: any[];
}

/** A process started for this stack: the CLI, or a plugin it launched. */
export interface StackProcess {
    pid: number;
    ppid: number;
    argv: string[];
}

export class InlineStack {
    readonly dir: string;
    private stack!: Stack;
    private cliEnv: Record<string, string> = {};
    /** Everything the CLI printed over the stack's life, for secret scans. */
    readonly transcript: string[] = [];

    private constructor(
        private program: PulumiFn,
        private readonly options: StackOptions,
    ) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-e2e-"));
    }

    /** Creates a stack in a fresh temporary backend. */
    static async create(program: PulumiFn, options: StackOptions = {}): Promise<InlineStack> {
        const stack = new InlineStack(program, options);
        await stack.init();
        return stack;
    }

    /**
     * The Automation API stack this wraps, for callers that need options the methods
     * here do not take (the benchmarks and the load test).
     */
    get automation(): Stack {
        return this.stack;
    }

    /** The Pulumi project directory: where the engine starts the dynamic provider. */
    get projectDir(): string {
        return path.join(this.dir, "project");
    }

    /** The stack's PULUMI_HOME. */
    get homeDir(): string {
        return path.join(this.dir, "home");
    }

    /** The file backend's root (`file://…`). */
    get backendDir(): string {
        return path.join(this.dir, "backend");
    }

    private async init(): Promise<void> {
        const binDir = pulumiBinDir();
        const backend = this.backendDir;
        const home = this.homeDir;
        const project = this.projectDir;
        for (const dir of [backend, home, project]) fs.mkdirSync(dir, { recursive: true });
        this.linkNodeModules(packageSnapshot());

        const projectName = this.options.projectName ?? "esa-e2e";
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(binDir) });
        this.cliEnv = cliEnvironment({
            home,
            passphrase: INLINE_STACK_PASSPHRASE,
            env: { PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true", ...this.options.env },
        });
        this.stack = await LocalWorkspace.createOrSelectStack(
            { stackName: this.options.stackName ?? "test", projectName, program: () => this.program() },
            {
                workDir: project,
                pulumiHome: home,
                pulumiCommand,
                secretsProvider: "passphrase",
                projectSettings: {
                    name: projectName,
                    runtime: "nodejs",
                    backend: { url: `file://${backend}` },
                    ...(this.options.plugins ? { plugins: { providers: this.options.plugins } } : {}),
                },
                envVars: this.cliEnv,
            },
        );
        const config: Record<string, { value: string; secret?: boolean }> = {};
        for (const [key, value] of Object.entries(this.options.config ?? {})) config[key] = { value };
        for (const [key, value] of Object.entries(this.options.secretConfig ?? {})) config[key] = { value, secret: true };
        if (Object.keys(config).length > 0) await this.stack.setAllConfig(config);
    }

    /** Swaps the program, as a user editing index.ts between two runs. */
    setProgram(program: PulumiFn): void {
        this.program = program;
    }

    async setConfig(key: string, value: string): Promise<void> {
        await this.stack.setConfig(key, { value });
    }

    /** `pulumi up --diff`; `refresh` is `--refresh`, `parallel` is `--parallel N`. */
    async up(
        options: { refresh?: boolean; parallel?: number } = {},
    ): Promise<Run & { outputs: Record<string, any>; summary: UpdateSummary }> {
        return this.capture(async (onOutput, onError, onEvent) => {
            const result = await this.stack.up({
                onOutput,
                onError,
                onEvent,
                color: "never",
                diff: true,
                refresh: options.refresh,
                parallel: options.parallel,
            });
            return { outputs: Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value])), summary: result.summary };
        });
    }

    async preview(options: { refresh?: boolean } = {}): Promise<Run & { changeSummary: Record<string, number> }> {
        return this.capture(async (onOutput, onError, onEvent) => {
            const result = await this.stack.preview({ onOutput, onError, onEvent, color: "never", diff: true, refresh: options.refresh });
            return { changeSummary: result.changeSummary as Record<string, number> };
        });
    }

    /** `pulumi refresh`; `clearPendingCreates` is `--clear-pending-creates` (drops operations an interrupted run left). */
    async refresh(options: { clearPendingCreates?: boolean } = {}): Promise<Run> {
        return this.capture(async (onOutput, onError, onEvent) => {
            await this.stack.refresh({ onOutput, onError, onEvent, color: "never", clearPendingCreates: options.clearPendingCreates });
            return {};
        });
    }

    async destroy(): Promise<Run> {
        return this.capture(async (onOutput, onError, onEvent) => {
            await this.stack.destroy({ onOutput, onError, onEvent, color: "never" });
            return {};
        });
    }

    /** `pulumi <args> --stack <this stack>` in the project directory (a command the methods here do not cover); its stdout. */
    async pulumi(args: string[]): Promise<string> {
        const { stdout } = await execFileAsync(path.join(pulumiBinDir(), "pulumi"), [...args, "--stack", this.stack.name], {
            cwd: this.projectDir,
            env: { ...process.env, ...this.cliEnv },
            maxBuffer: 64 * 1024 * 1024,
        });
        return stdout;
    }

    /** `pulumi cancel`: with a file backend, removes the lock a killed run left behind. */
    async cancel(): Promise<void> {
        await this.stack.cancel();
    }

    /**
     * The locks of the file backend: one per run in progress, or left by a killed run,
     * each naming the process that took it.
     */
    locks(): { file: string; pid: number }[] {
        const locks = path.join(this.backendDir, ".pulumi", "locks");
        const found: { file: string; pid: number }[] = [];
        const walk = (dir: string) => {
            if (!fs.existsSync(dir)) return;
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(full);
                // (`*.json.attrs` files beside them are the blob store's metadata.)
                else if (entry.name.endsWith(".json")) found.push({ file: full, pid: JSON.parse(fs.readFileSync(full, "utf8")).pid });
            }
        };
        walk(locks);
        return found;
    }

    /**
     * The processes running for this stack: the CLI and the plugins it started (the
     * dynamic provider), found by the PULUMI_HOME in their environment, which is this
     * stack's own temporary directory. Linux only (/proc).
     */
    processes(): StackProcess[] {
        const marker = `PULUMI_HOME=${this.homeDir}`;
        const found: StackProcess[] = [];
        for (const entry of fs.readdirSync("/proc")) {
            if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
            try {
                const environ = fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
                if (!environ.includes(marker)) continue;
                const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
                const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
                // "pid (comm) state ppid …": comm may contain spaces, so read after the last ")".
                const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
                found.push({ pid: Number(entry), ppid, argv });
            } catch {
                // Gone meanwhile, or not ours to read.
            }
        }
        return found;
    }

    /**
     * The project's `node_modules`, as `npm install esa-routine-deployment` leaves it in
     * a consumer's project: every dependency links to this repository's `node_modules`,
     * and `esa-routine-deployment` links to `packageDir`.
     */
    private linkNodeModules(packageDir: string): void {
        const modules = path.join(this.projectDir, "node_modules");
        fs.rmSync(modules, { recursive: true, force: true });
        fs.mkdirSync(modules);
        for (const entry of fs.readdirSync(path.join(repoRoot, "node_modules"))) {
            if (entry === PACKAGE_NAME) continue;
            fs.symlinkSync(path.join(repoRoot, "node_modules", entry), path.join(modules, entry), "dir");
        }
        fs.symlinkSync(packageDir, path.join(modules, PACKAGE_NAME), "dir");
    }

    /**
     * Installs another release of this package into the project, as an upgrade would:
     * `esa-routine-deployment` becomes a real copy of the package (package.json and
     * dist/) that `modify` may change; every other dependency still links to this
     * repository's `node_modules`. A copy rather than a link, so that the copy's own
     * `require`s resolve from the project, as in a consumer's installation.
     * Returns the copy's directory.
     */
    installPackageCopy(modify: (packageDir: string) => void = () => {}): string {
        const copy = path.join(this.dir, "release", PACKAGE_NAME);
        fs.rmSync(copy, { recursive: true, force: true });
        fs.mkdirSync(copy, { recursive: true });
        fs.copyFileSync(path.join(packageSnapshot(), "package.json"), path.join(copy, "package.json"));
        fs.cpSync(path.join(packageSnapshot(), "dist"), path.join(copy, "dist"), { recursive: true });
        modify(copy);
        const installed = path.join(this.projectDir, "node_modules", PACKAGE_NAME);
        fs.rmSync(installed, { recursive: true, force: true });
        fs.renameSync(copy, installed);
        return installed;
    }

    /** Loads `esa-routine-deployment` as the project's program would: from the project's node_modules. */
    requirePackage(): typeof import("../../index") {
        return require(require.resolve("esa-routine-deployment", { paths: [this.projectDir] }));
    }

    /** The stack's state as `pulumi stack export` shows it; `showSecrets` decrypts secret values. */
    async exportState(options: { showSecrets?: boolean } = {}): Promise<any> {
        // The Automation API's exportStack always decrypts (`--show-secrets`); a plain
        // `pulumi stack export`, what users and CI jobs keep, does not.
        if (options.showSecrets) return (await this.stack.exportStack()).deployment;
        const { stdout } = await execFileAsync(path.join(pulumiBinDir(), "pulumi"), ["stack", "export", "--stack", this.stack.name], {
            cwd: this.projectDir,
            env: { ...process.env, ...this.cliEnv, PULUMI_HOME: this.homeDir },
            maxBuffer: 64 * 1024 * 1024,
        });
        return JSON.parse(stdout).deployment;
    }

    /** The resources of our type in the state. */
    async deployments(): Promise<any[]> {
        const state = await this.exportState();
        return (state.resources ?? []).filter((r: any) => r.type === ROUTINE_CODE_DEPLOYMENT_TYPE);
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

    private async capture<T>(
        run: (onOutput: (s: string) => void, onError: (s: string) => void, onEvent: (e: any) => void) => Promise<T>,
    ): Promise<Run & T> {
        const chunks: string[] = [];
        const errors: string[] = [];
        const events: any[] = [];
        const onOutput = (s: string) => chunks.push(s);
        const onError = (s: string) => errors.push(s);
        try {
            const result = await run(onOutput, onError, (e) => events.push(e));
            return { ...result, output: chunks.join(""), stderr: errors.join(""), events };
        } catch (error: any) {
            // Automation API errors carry the CLI's stdout and stderr: keep both.
            const message = `${chunks.join("")}\n${error?.message ?? error}`;
            this.transcript.push(message);
            throw Object.assign(new Error(message), { output: chunks.join(""), stderr: errors.join(""), events });
        } finally {
            // Stdout, stderr and the engine events (which carry every diagnostic and the
            // resources' inputs and outputs): everything a CI log could keep.
            this.transcript.push(chunks.join(""), errors.join(""), JSON.stringify(events));
        }
    }
}
