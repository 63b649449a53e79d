/**
 * The Pulumi CLI this repository runs: `pulumi` v<@pulumi/pulumi's version> with the
 * `pulumi-language-nodejs` host and our dynamic-provider launcher beside it, from
 * `scripts/install-pulumi.sh` (a full installation on PATH, the per-machine cache, or
 * built now), and the environment every command gets.
 */
import { execFileSync } from "child_process";
import * as path from "path";

/** The repository's root directory. */
export const repoRoot = path.resolve(__dirname, "../..");

let binDir: string | undefined;

/**
 * The directory holding `pulumi`, `pulumi-language-nodejs` and
 * `pulumi-resource-pulumi-nodejs`. The first call runs `scripts/install-pulumi.sh`,
 * which returns at once when they are cached and otherwise builds them (minutes, once
 * per machine), printing its progress to stderr.
 */
export function pulumiBinDir(): string {
    if (!binDir) {
        const output = execFileSync("bash", [path.join(repoRoot, "scripts/install-pulumi.sh")], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
        });
        binDir = output.trim().split("\n").at(-1)!;
    }
    return binDir;
}

/** The `pulumi` executable. */
export function pulumiExecutable(): string {
    return path.join(pulumiBinDir(), "pulumi");
}

export interface CliEnvironmentOptions {
    /** PULUMI_HOME: where the CLI keeps its login and plugins. */
    home: string;
    /** Encrypts the stack's secrets (passphrase secrets provider). */
    passphrase: string;
    /** More variables, e.g. credentials for the dynamic provider; they win over the rest. */
    env?: Record<string, string>;
}

/**
 * The environment of a `pulumi` command: the CLI directory first on PATH (the engine
 * launches the language host and the dynamic provider from there), its own PULUMI_HOME,
 * the stack passphrase, no update check, and no notice about the file backend's layout.
 */
export function cliEnvironment(options: CliEnvironmentOptions): Record<string, string> {
    return {
        PATH: `${pulumiBinDir()}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_HOME: options.home,
        PULUMI_CONFIG_PASSPHRASE: options.passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
        ...options.env,
    };
}
