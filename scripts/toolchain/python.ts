/**
 * A virtualenv for a Python Pulumi program, as a user of the generated SDK makes one:
 * `python3 -m venv <project>/venv`, then `pip install` of the `pulumi` package (pinned
 * below) and of `pulumi_esa` from sdk/python (a local, non-editable install).
 *
 * pip installs from a wheel cache of its own, once per machine: the first virtualenv has
 * pip download (and, for `pulumi_esa`, build) every wheel into it; the next ones install
 * offline from it (`--no-index --find-links`), in seconds. pip's HTTP cache alone is no
 * help: every install still asks the index, and where a proxy strips the caching headers
 * (as on the machines this was written on) it keeps nothing. What is missing (python3, its
 * venv module, pip's answer) is an error, never a skip.
 */
import { spawn } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "./cli";
import { cacheDir, pruneCache } from "./cache";

/**
 * The `pulumi` Python package the virtualenv gets: the newest on PyPI when chosen. The
 * program runs under the `pulumi-language-python` host v3.79.0 and its
 * `pulumi-language-python-exec` script (the newest host buildable here,
 * scripts/install-pulumi.sh), while the generated SDK wants `pulumi>=3.231.0,<4.0.0`.
 * The script calls only what every 3.x SDK still has (`runtime.Settings`, `configure`,
 * `run_in_stack`, `set_all_config`, `log.error`): 3.231.0, 3.257.0 and 3.272.0 all run
 * the program through it. Before 3.260.0, though, a typed object in a stack output keeps
 * its Python names (`live` is `[{code_version: …}]`); from 3.260.0 on it has the schema's
 * (`codeVersion`), as in every other language.
 */
export const PYTHON_PULUMI_VERSION = "3.272.0";

/** The oldest Python that this `pulumi` installs on (its Requires-Python). */
const MINIMUM_PYTHON: [number, number] = [3, 10];

/** Wheel sets kept per machine; older ones are removed. */
const KEPT_WHEELHOUSES = 3;

const SDK_DIR = path.join(repoRoot, "sdk", "python");

/** What pip writes into a project it builds, and Python's byte code: not part of the SDK. */
const BUILD_OUTPUT = /^(build|dist|__pycache__)$|\.egg-info$|\.pyc$/;

export interface PythonVirtualenvOptions {
    /** The Python that makes the virtualenv; default `python3` on PATH. */
    python?: string;
    /** Called with pip's output while it downloads and installs. */
    onOutput?: (chunk: string) => void;
}

export interface PythonVirtualenv {
    /** `<project>/venv`, the `virtualenv` of the project's runtime options. */
    dir: string;
    /** Its interpreter, `<project>/venv/bin/python`. */
    python: string;
    /** Whether pip downloaded the wheels this time (false: installed from the machine's wheel cache). */
    downloaded: boolean;
    /**
     * The variables under which a `pulumi` command runs the program with this virtualenv:
     * `PULUMI_PYTHON_CMD`, its interpreter. The CLI (v3.257) hands the runtime options,
     * `virtualenv` among them, to a language host in its RPC requests, while the v3.79
     * host reads `virtualenv` only from a `-virtualenv` flag the CLI no longer passes; it
     * then runs `PULUMI_PYTHON_CMD`, or else `python3` from PATH (the virtualenv's only
     * when it is activated).
     */
    env: Record<string, string>;
}

/**
 * Makes `<projectDir>/venv` with `pulumi==PYTHON_PULUMI_VERSION` and `pulumi_esa`
 * (sdk/python) installed. Safe to run again on the same directory.
 */
export async function createPythonVirtualenv(projectDir: string, options: PythonVirtualenvOptions = {}): Promise<PythonVirtualenv> {
    const python = options.python ?? "python3";
    const dir = path.join(projectDir, "venv");
    const venvPython = path.join(dir, "bin", "python");

    const probe = await run(python, [
        "-c",
        "import sys, sysconfig; print(sys.version_info[0], sys.version_info[1], sysconfig.get_platform())",
    ]).catch((error: Error) => {
        throw new Error(
            `\`${python}\` could not be run (${error.message}): a Python program needs Python ${MINIMUM_PYTHON.join(".")} ` +
                `or later on PATH (Debian: apt-get install python3 python3-venv).`,
        );
    });
    const [major, minor, platform] = probe.stdout.trim().split(" ");
    const version = [Number(major), Number(minor)];
    if (
        probe.exitCode !== 0 ||
        !(version[0] > MINIMUM_PYTHON[0] || (version[0] === MINIMUM_PYTHON[0] && version[1] >= MINIMUM_PYTHON[1]))
    ) {
        throw new Error(
            `\`${python}\` is not Python ${MINIMUM_PYTHON.join(".")} or later, which pulumi ${PYTHON_PULUMI_VERSION} needs (exit ${probe.exitCode}):\n${probe.output}`,
        );
    }
    const modules = await run(python, ["-c", "import venv, ensurepip"]);
    if (modules.exitCode !== 0) {
        throw new Error(
            `\`${python}\` lacks the venv module or its ensurepip (Debian: apt-get install python3-venv, ` +
                `or python${major}.${minor}-venv):\n${modules.output}`,
        );
    }

    const existed = fs.existsSync(venvPython);
    const venv = await run(python, ["-m", "venv", dir]);
    if (venv.exitCode !== 0 || !fs.existsSync(venvPython)) {
        throw new Error(`\`${python} -m venv ${dir}\` failed (exit ${venv.exitCode}):\n${venv.output}`);
    }

    const { wheels, downloaded } = await wheelhouse(venvPython, `${major}.${minor}-${platform}`, options.onOutput);
    // --no-compile: Python compiles what a program imports when it first imports it; pip
    // would compile everything (debugpy, the otel packages...) now, which doubles the time.
    const packages = [`pulumi==${PYTHON_PULUMI_VERSION}`, "pulumi_esa"];
    await pip(venvPython, ["install", "--no-index", "--find-links", wheels, "--no-compile", ...packages], options.onOutput);
    if (existed) {
        // pip keeps an installed pulumi_esa of the same version even when sdk/python changed since.
        const sdkWheel = fs.readdirSync(wheels).find((f) => /^pulumi_esa-.*\.whl$/.test(f))!;
        await pip(
            venvPython,
            ["install", "--no-index", "--no-deps", "--force-reinstall", "--no-compile", path.join(wheels, sdkWheel)],
            options.onOutput,
        );
    }
    return { dir, python: venvPython, downloaded, env: { PULUMI_PYTHON_CMD: venvPython } };
}

function cacheRoot(): string {
    return cacheDir("python-wheels");
}

/**
 * The directory of wheels for `pulumi==PYTHON_PULUMI_VERSION` and `pulumi_esa` as
 * sdk/python is now, with all their dependencies, for this Python version and platform:
 * `pip wheel` into a new directory, moved into the cache in one step, the first time.
 */
async function wheelhouse(
    python: string,
    target: string,
    onOutput?: (chunk: string) => void,
): Promise<{ wheels: string; downloaded: boolean }> {
    const hash = createHash("sha256").update(JSON.stringify([PYTHON_PULUMI_VERSION, target]));
    for (const file of sdkFiles(SDK_DIR)) hash.update(path.relative(SDK_DIR, file)).update("\0").update(fs.readFileSync(file));
    const entry = path.join(cacheRoot(), hash.digest("hex").slice(0, 16));
    let downloaded = false;
    if (!fs.existsSync(path.join(entry, ".complete"))) {
        fs.mkdirSync(cacheRoot(), { recursive: true });
        const work = path.join(cacheRoot(), `.wheels-${randomBytes(6).toString("hex")}`);
        // pip builds a local project in its own directory (build/, *.egg-info): build a copy.
        const sdk = fs.mkdtempSync(path.join(os.tmpdir(), "esa-sdk-python-"));
        try {
            fs.cpSync(SDK_DIR, sdk, { recursive: true, filter: (source) => !BUILD_OUTPUT.test(path.basename(source)) });
            await pip(python, ["wheel", "--wheel-dir", work, `pulumi==${PYTHON_PULUMI_VERSION}`, sdk], onOutput);
            fs.writeFileSync(path.join(work, ".complete"), new Date().toISOString() + "\n");
            try {
                fs.renameSync(work, entry);
            } catch (error) {
                // Another process made the same set meanwhile: use theirs.
                if (!fs.existsSync(path.join(entry, ".complete"))) throw error;
            }
            downloaded = true;
        } finally {
            fs.rmSync(sdk, { recursive: true, force: true });
            fs.rmSync(work, { recursive: true, force: true });
        }
    }
    const now = new Date();
    fs.utimesSync(entry, now, now);
    pruneCache(cacheRoot(), entry, KEPT_WHEELHOUSES, ".wheels-");
    return { wheels: entry, downloaded };
}

/** The files of the SDK's source, sorted, without build output. */
function sdkFiles(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => !BUILD_OUTPUT.test(e.name))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .flatMap((e) => (e.isDirectory() ? sdkFiles(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}

/** `python -m pip <args>`, quietly; its output is in the error when it fails. */
async function pip(python: string, args: string[], onOutput?: (chunk: string) => void): Promise<void> {
    const full = ["-m", "pip", ...args.slice(0, 1), "--quiet", "--disable-pip-version-check", "--no-input", ...args.slice(1)];
    const result = await run(python, full, onOutput);
    if (result.exitCode !== 0) throw new Error(`\`${python} ${full.join(" ")}\` failed (exit ${result.exitCode}):\n${result.output}`);
}

interface RunResult {
    exitCode: number;
    stdout: string;
    /** stdout and stderr interleaved. */
    output: string;
}

/** Runs `command args`, collecting what it prints; rejects only when it cannot start. */
function run(command: string, args: string[], onOutput?: (chunk: string) => void): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
        const stdout: string[] = [];
        const output: string[] = [];
        const collect = (into?: string[]) => (data: Buffer) => {
            const text = data.toString("utf8");
            into?.push(text);
            output.push(text);
            onOutput?.(text);
        };
        child.stdout.on("data", collect(stdout));
        child.stderr.on("data", collect());
        child.on("error", reject);
        child.on("close", (code, signal) =>
            resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: stdout.join(""), output: output.join("") }),
        );
    });
}
