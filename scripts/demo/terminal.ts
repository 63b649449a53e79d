/**
 * The demo's terminal: shows each command as a user would type it (`$ pulumi up --yes`),
 * runs it for real, streams its output, and after it the ESA calls it cost, counted by
 * the local emulator. Chapters get one `DemoTerminal`; it owns the emulator, the Pulumi
 * session (temporary backend and PULUMI_HOME) and the example projects they open.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Emulator } from "../../emulator";
import { CodeVersionSplit, Env, VersionBehaviour } from "../../emulator/types";
import {
    CommandResult,
    emulatorCredentials,
    installProject,
    packedPackage,
    Project,
    PulumiSession,
    pulumiBinDir,
    quoteForShell,
    repoRoot,
    SESSION_PASSPHRASE,
    StackCommandOptions,
} from "../toolchain";

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);

/** A path for display in a shell command: the home directory as `$HOME`. */
function shown(file: string): string {
    const home = os.homedir();
    return file.startsWith(home + path.sep) ? `$HOME${file.slice(home.length)}` : file;
}

/** An example's project as the demo opened it, with the commands a user types in it. */
export class DemoProject {
    constructor(
        private readonly terminal: DemoTerminal,
        readonly project: Project,
    ) {}

    get dir(): string {
        return this.project.dir;
    }

    /** `pulumi <args>`, shown and run; a non-zero exit throws unless `allowFailure`. */
    pulumi(args: string[], options: { allowFailure?: boolean } = {}): Promise<CommandResult> {
        return this.terminal.command(`pulumi ${args.map(quoteForShell).join(" ")}`, (onOutput) =>
            this.project.run(args, { onOutput, allowFailure: options.allowFailure }),
        );
    }

    configSet(key: string, value: string): Promise<CommandResult> {
        return this.pulumi(["config", "set", key, value]);
    }

    up(options: StackCommandOptions = {}): Promise<CommandResult> {
        return this.stackCommand(["up", "--yes"], options);
    }

    preview(options: StackCommandOptions = {}): Promise<CommandResult> {
        return this.stackCommand(["preview"], options);
    }

    destroy(): Promise<CommandResult> {
        return this.stackCommand(["destroy", "--yes"], {});
    }

    /**
     * `pulumi up --yes` that the story expects to fail (a gate stops a rollout): its exit
     * code is shown; an `up` that succeeds instead throws, so the demo fails as a smoke test.
     */
    async upFailing(options: StackCommandOptions = {}): Promise<CommandResult> {
        const result = await this.stackCommand(["up", "--yes"], { ...options, allowFailure: true });
        if (result.exitCode === 0) throw new Error(`\`${result.command}\` in ${this.dir} succeeded, but it should have failed`);
        this.terminal.say(`(exit code ${result.exitCode}, as expected)`);
        return result;
    }

    private stackCommand(base: string[], options: StackCommandOptions): Promise<CommandResult> {
        const args = [...base, ...(options.refresh ? ["--refresh"] : []), ...(options.diff ? ["--diff"] : []), ...(options.args ?? [])];
        return this.pulumi(args, { allowFailure: options.allowFailure });
    }
}

export class DemoTerminal {
    private readonly projects: DemoProject[] = [];
    private cwd: string | undefined;
    private loggedIn = false;

    constructor(
        readonly emulator: Emulator,
        readonly session: PulumiSession,
    ) {}

    /**
     * A terminal with its own temporary backend, talking to `emulator`. When the emulator
     * also serves HTTPS (code uploads need it), the CLI's processes trust its certificate
     * authority.
     */
    static create(emulator: Emulator): DemoTerminal {
        const env = { ...emulatorCredentials(), ...(emulator.caFile ? { NODE_EXTRA_CA_CERTS: emulator.caFile } : {}) };
        return new DemoTerminal(emulator, PulumiSession.create({ env, passphrase: SESSION_PASSPHRASE }));
    }

    /** A chapter's title. */
    heading(title: string): void {
        console.log(`\n${bold(`━━ ${title} ━━`)}`);
    }

    /** A line of explanation, shown as a shell comment. */
    say(text: string): void {
        for (const line of text.split("\n")) console.log(dim(`# ${line}`));
    }

    /** The environment a user would set up first: the CLI on PATH, the session's home, the emulator's AccessKey pair. */
    showEnvironment(): void {
        const env = this.session.env;
        this.show(`export PATH="${shown(pulumiBinDir())}:$PATH"`);
        this.show(`export PULUMI_HOME=${env.PULUMI_HOME} PULUMI_CONFIG_PASSPHRASE=${env.PULUMI_CONFIG_PASSPHRASE}`);
        this.show(
            `export ALIBABA_CLOUD_ACCESS_KEY_ID=${env.ALIBABA_CLOUD_ACCESS_KEY_ID} ALIBABA_CLOUD_ACCESS_KEY_SECRET=${env.ALIBABA_CLOUD_ACCESS_KEY_SECRET}`,
        );
        if (env.NODE_EXTRA_CA_CERTS) this.show(`export NODE_EXTRA_CA_CERTS=${env.NODE_EXTRA_CA_CERTS}   # trusts the emulator's HTTPS`);
    }

    /**
     * Opens `examples/<name>` as a user would: a copy of the example with its
     * package.json installed (this package from the packed tarball), `pulumi login` to
     * the session's backend (once), `pulumi stack init`, and the stack pointed at the
     * emulator (its HTTPS endpoint with `https`, for examples that upload code).
     */
    async openExample(name: string, options: { stack?: string; https?: boolean } = {}): Promise<DemoProject> {
        const stack = options.stack ?? "dev";
        const endpoint = options.https ? this.emulator.httpsEndpoint : this.emulator.endpoint;
        if (!endpoint) throw new Error("the demo's emulator serves no HTTPS: start it with `https: true`");
        const source = path.join(repoRoot, "examples", name);
        if (!fs.existsSync(path.join(source, "Pulumi.yaml"))) throw new Error(`examples/${name} has no Pulumi.yaml`);
        const dir = path.join(this.session.dir, name);
        this.say(`A copy of examples/${name}, with its dependencies installed from this package's tarball:`);
        this.show(`cp -r examples/${name} ${dir} && cd ${dir}`);
        this.cwd = dir;
        const tarball = `./${path.basename(packedPackage())}`;
        const installed = await this.command(`npm install ${tarball}`, async (onOutput) => {
            const result = await installProject(source, { into: dir, onOutput });
            if (!result.installed) onOutput("(the same dependencies were installed earlier on this machine: reused)\n");
            return result;
        });
        const project = new DemoProject(this, new Project(this.session, installed.dir));
        this.projects.push(project);
        if (!this.loggedIn) {
            await project.pulumi(["login", this.session.backendUrl]);
            this.loggedIn = true;
        }
        await project.pulumi(["stack", "init", stack]);
        await project.configSet("esa:endpoint", endpoint);
        return project;
    }

    /**
     * Someone changes what `env` of `routine` serves outside Pulumi (the ESA console):
     * the emulator's admin path, shown as the `curl` that does the same.
     */
    async consoleChange(routine: string, env: Env, codeVersions: CodeVersionSplit[]): Promise<void> {
        await this.admin("deployments", { name: routine, env, codeVersions });
    }

    /** A POST to the emulator's admin path `/__emulator/<route>`, shown as `curl`. */
    private async admin(route: string, payload: object): Promise<void> {
        const url = `${this.emulator.endpoint}/__emulator/${route}`;
        const body = JSON.stringify(payload);
        await this.command(`curl -s -X POST ${url} -H 'content-type: application/json' -d ${quoteForShell(body)}`, async (onOutput) => {
            const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
            const text = await response.text();
            if (!response.ok) throw new Error(`${url}: ${response.status} ${text}`);
            onOutput(text + "\n");
        });
    }

    /**
     * How the emulator's edge answers for one version of `routine` (a 5xx rate, latency, a
     * forced status; `undefined`: healthy again): its admin path, shown as the `curl` that does the same.
     */
    async edgeBehaviour(routine: string, codeVersion: string, behaviour: VersionBehaviour | undefined): Promise<void> {
        await this.admin("edge-behaviours", { name: routine, codeVersion, behaviour: behaviour ?? null });
    }

    /** What `env` of `routine` serves now, as the emulator sees it. */
    liveSplit(routine: string, env: Env): string {
        const split = this.emulator.state().routines[routine]?.deployments[env]?.codeVersions ?? [];
        return split.length ? split.map((v) => `${v.codeVersion} ${v.percentage} %`).join(", ") : "nothing deployed";
    }

    /**
     * Shows what `env` of `routine` serves now and fails the demo (a smoke test too)
     * unless it is `expected` (version → percentage).
     */
    expectLive(routine: string, env: Env, expected: Record<string, number>): void {
        const live = this.emulator.state().routines[routine]?.deployments[env]?.codeVersions ?? [];
        const got = Object.fromEntries(live.map((v) => [v.codeVersion, v.percentage]));
        this.say(`${env} now serves: ${this.liveSplit(routine, env)}`);
        const same = Object.keys(expected).length === live.length && Object.entries(expected).every(([v, p]) => got[v] === p);
        if (!same) throw new Error(`${env} of ${routine} serves ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
    }

    /** Shows `line` as typed, runs `run` with the output streamed, then the ESA calls it cost and its duration. */
    async command<T>(line: string, run: (onOutput: (chunk: string) => void) => Promise<T>): Promise<T> {
        this.show(line);
        this.emulator.clearRequests();
        const started = Date.now();
        const result = await run((chunk) => process.stdout.write(chunk));
        const counts = Object.entries(this.emulator.countByAction());
        const calls = counts.length ? counts.map(([action, n]) => `${action} × ${n}`).join(", ") : "none";
        console.log(dim(`  ↳ ${((Date.now() - started) / 1000).toFixed(1)} s; ESA calls: ${calls}`));
        return result;
    }

    private show(line: string): void {
        const where = this.cwd ? `${path.basename(this.cwd)} ` : "";
        console.log(`\n${dim(where)}${bold(`$ ${line}`)}`);
    }

    /** Removes the projects, the backend and PULUMI_HOME. */
    dispose(): void {
        this.session.dispose();
    }
}
