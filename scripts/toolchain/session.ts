/**
 * A Pulumi session as a user has one in a terminal, but self-contained: a temporary
 * directory holding a file backend (`pulumi login file://…`) and PULUMI_HOME, never the
 * user's own, and `pulumi` commands run as subprocesses in a project directory.
 *
 * Commands run asynchronously, so that a local emulator serving the dynamic provider
 * from this same process keeps answering while the CLI runs.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cliEnvironment, pulumiExecutable } from "./cli";

/** The passphrase of the stacks a session creates (their secrets provider). */
export const SESSION_PASSPHRASE = "local-session-passphrase";

export interface SessionOptions {
    /** Variables for every command and so for the dynamic provider (credentials, for instance). */
    env?: Record<string, string>;
    passphrase?: string;
}

export interface CommandOptions {
    /** The project directory (holding Pulumi.yaml). */
    cwd: string;
    /** Called with each chunk the command prints (stdout and stderr), as it prints it. */
    onOutput?: (chunk: string) => void;
    /** A non-zero exit is an error unless this is set. */
    allowFailure?: boolean;
    /** Variables for this command only. */
    env?: Record<string, string>;
}

export interface CommandResult {
    /** `pulumi up --yes`, as typed. */
    command: string;
    exitCode: number;
    stdout: string;
    stderr: string;
    /** stdout and stderr interleaved as a terminal shows them. */
    output: string;
}

/** Variables of the caller's shell that would point a command at another backend, account or credentials. */
const INHERITED_EXCLUDED = /^(PULUMI_|ALIBABA_CLOUD_|ALICLOUD_)/;

export class PulumiSession {
    /** The session's temporary directory, removed by `dispose`. */
    readonly dir: string;
    readonly env: Record<string, string>;

    private constructor(options: SessionOptions) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-pulumi-"));
        fs.mkdirSync(this.backendDir);
        fs.mkdirSync(this.homeDir);
        this.env = cliEnvironment({ home: this.homeDir, passphrase: options.passphrase ?? SESSION_PASSPHRASE, env: options.env });
    }

    /** A session with a fresh backend and PULUMI_HOME; run `login` before stack commands. */
    static create(options: SessionOptions = {}): PulumiSession {
        return new PulumiSession(options);
    }

    /** The file backend's root. */
    get backendDir(): string {
        return path.join(this.dir, "backend");
    }

    get backendUrl(): string {
        return `file://${this.backendDir}`;
    }

    /** The session's PULUMI_HOME. */
    get homeDir(): string {
        return path.join(this.dir, "home");
    }

    /** `pulumi login file://…` to the session's backend. */
    login(options: Omit<CommandOptions, "cwd"> & { cwd?: string } = {}): Promise<CommandResult> {
        return this.pulumi(["login", this.backendUrl], { cwd: this.dir, ...options });
    }

    /** Runs `pulumi <args>` in `options.cwd` with the session's environment. */
    pulumi(args: string[], options: CommandOptions): Promise<CommandResult> {
        const command = ["pulumi", ...args].map(quoteForShell).join(" ");
        const env: Record<string, string> = {};
        for (const [key, value] of Object.entries(process.env)) {
            if (value !== undefined && !INHERITED_EXCLUDED.test(key)) env[key] = value;
        }
        Object.assign(env, this.env, options.env);
        return new Promise((resolve, reject) => {
            const child = spawn(pulumiExecutable(), args, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
            const stdout: string[] = [];
            const stderr: string[] = [];
            const output: string[] = [];
            const collect = (into: string[]) => (data: Buffer) => {
                const text = data.toString("utf8");
                into.push(text);
                output.push(text);
                options.onOutput?.(text);
            };
            child.stdout.on("data", collect(stdout));
            child.stderr.on("data", collect(stderr));
            child.on("error", reject);
            child.on("close", (code, signal) => {
                const result: CommandResult = {
                    command,
                    exitCode: code ?? (signal ? 128 : 1),
                    stdout: stdout.join(""),
                    stderr: stderr.join(""),
                    output: output.join(""),
                };
                if (result.exitCode !== 0 && !options.allowFailure) {
                    reject(
                        Object.assign(new Error(`\`${command}\` in ${options.cwd} exited with ${result.exitCode}:\n${result.output}`), {
                            result,
                        }),
                    );
                } else resolve(result);
            });
        });
    }

    /** Removes the backend and PULUMI_HOME. */
    dispose(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** A word as a POSIX shell would need it quoted, for showing commands. */
export function quoteForShell(word: string): string {
    return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
