/**
 * A Pulumi.yaml project directory and the stack commands a user types in it, run by a
 * `PulumiSession`: `pulumi stack init`, `config set`, `up`, `preview`, `refresh`,
 * `destroy`, `stack export`.
 */
import * as fs from "fs";
import * as path from "path";
import { CommandOptions, CommandResult, PulumiSession } from "./session";

export interface StackCommandOptions extends Omit<CommandOptions, "cwd"> {
    /** `--refresh` (up and preview). */
    refresh?: boolean;
    /** `--diff`: the rich diff display. */
    diff?: boolean;
    /** More arguments, e.g. `["--parallel", "4"]` or `["--expect-no-changes"]`. */
    args?: string[];
    /**
     * Records the engine's events (`--event-log`) into the result's `events`: the steps
     * it planned or took and the diagnostics it showed, for assertions.
     */
    events?: boolean;
}

/** A command's result with, when asked for, the engine events it emitted. */
export interface StackRun extends CommandResult {
    events: any[];
}

export class Project {
    private eventLogs = 0;

    constructor(
        readonly session: PulumiSession,
        /** The directory holding Pulumi.yaml. */
        readonly dir: string,
    ) {}

    /** `pulumi <args>` in the project directory. */
    run(args: string[], options: Omit<CommandOptions, "cwd"> = {}): Promise<CommandResult> {
        return this.session.pulumi(args, { cwd: this.dir, ...options });
    }

    /** `pulumi stack init <name>` (the passphrase secrets provider; the session's backend). */
    stackInit(name: string, options: Omit<CommandOptions, "cwd"> = {}): Promise<CommandResult> {
        return this.run(["stack", "init", name, "--secrets-provider", "passphrase"], options);
    }

    /** `pulumi config set [--secret] [--path] [--type <type>] <key> <value>`. */
    setConfig(
        key: string,
        value: string,
        options: Omit<CommandOptions, "cwd"> & { secret?: boolean; path?: boolean; type?: "string" | "int" | "bool" | "float" } = {},
    ): Promise<CommandResult> {
        const flags = [
            ...(options.secret ? ["--secret"] : []),
            ...(options.path ? ["--path"] : []),
            ...(options.type ? ["--type", options.type] : []),
        ];
        return this.run(["config", "set", ...flags, key, value], options);
    }

    /** `pulumi up --yes`, with `--refresh`, `--diff` and more as asked. */
    up(options: StackCommandOptions = {}): Promise<StackRun> {
        return this.stackCommand(["up", "--yes"], options);
    }

    /** `pulumi preview`. */
    preview(options: StackCommandOptions = {}): Promise<StackRun> {
        return this.stackCommand(["preview"], options);
    }

    /** `pulumi refresh --yes`. */
    refresh(options: StackCommandOptions = {}): Promise<StackRun> {
        return this.stackCommand(["refresh", "--yes"], options);
    }

    /** `pulumi destroy --yes`. */
    destroy(options: StackCommandOptions = {}): Promise<StackRun> {
        return this.stackCommand(["destroy", "--yes"], options);
    }

    /** The stack's state as `pulumi stack export` prints it (secrets encrypted). */
    async exportState(): Promise<any> {
        const { stdout } = await this.run(["stack", "export"]);
        return JSON.parse(stdout).deployment;
    }

    /** The stack's outputs (`pulumi stack output --json`; secrets shown as "[secret]"). */
    async outputs(): Promise<Record<string, any>> {
        const { stdout } = await this.run(["stack", "output", "--json"]);
        return JSON.parse(stdout);
    }

    private async stackCommand(base: string[], options: StackCommandOptions): Promise<StackRun> {
        const args = [...base, ...(options.refresh ? ["--refresh"] : []), ...(options.diff ? ["--diff"] : []), ...(options.args ?? [])];
        let eventLog: string | undefined;
        if (options.events) {
            eventLog = path.join(this.session.dir, `events-${++this.eventLogs}.jsonl`);
            args.push("--event-log", eventLog);
        }
        // The CLI takes --event-log only with its debug commands enabled.
        const env = eventLog ? { PULUMI_DEBUG_COMMANDS: "true", ...options.env } : options.env;
        let result: CommandResult;
        try {
            result = await this.run(args, { ...options, env });
        } catch (error: any) {
            if (eventLog && error.result) error.events = readEvents(eventLog);
            throw error;
        }
        return { ...result, events: eventLog ? readEvents(eventLog) : [] };
    }
}

function readEvents(file: string): any[] {
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line));
}
