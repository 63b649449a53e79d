/**
 * A Go Pulumi program's module made ready to run against this repository's Go SDK
 * (`sdk/go`, generated from provider/schema.json), as a Go user's project is after
 * `go get` and a first build:
 *
 * - go.mod (made with `go mod init` when missing, kept otherwise) requires the SDK's
 *   module at `v0.0.0` with a `replace` to the repository's `sdk/go` (an absolute path:
 *   the SDK is not published), and `github.com/pulumi/pulumi/sdk/v3` at the CLI's
 *   version (@pulumi/pulumi's in package-lock.json, as `scripts/install-pulumi.sh` takes it);
 * - `go mod tidy` writes go.sum, downloading what the module cache lacks from GOPROXY;
 * - `go build` compiles the program once, so the build cache holds every package and the
 *   first `pulumi` command only compiles what changed and links.
 *
 * The project stays `runtime: go`, as `pulumi new go` makes it: the Go language host runs
 * `go build` before each program run (preview, up, refresh, destroy), so an edited
 * main.go is always what runs. With `binary` a prebuilt executable is made as well, for a
 * Pulumi.yaml with `runtime.options.binary` (the host then builds nothing; rebuilding
 * after each edit is the user's job).
 *
 * Nothing is skipped: no `go`, a module proxy that fails, a program that does not compile
 * are errors saying so. Product code: it imports nothing from tests/.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "./cli";

/** The Go SDK's module path, as sdk/go/go.mod declares it. */
export const GO_SDK_MODULE = "github.com/esa-routine-deployment/esa-routine-deployment/sdk/go";
/** The directory of the Go SDK's module in this repository. */
export const GO_SDK_DIR = path.join(repoRoot, "sdk", "go");
/** Pulumi's Go SDK module. */
export const PULUMI_GO_SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3";

/** The version of Pulumi's Go SDK a program uses: the CLI's (`v3.257.0`). */
export function pulumiGoSdkVersion(): string {
    const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, "package-lock.json"), "utf8"));
    const version: string | undefined = lock.packages?.["node_modules/@pulumi/pulumi"]?.version;
    if (!version) throw new Error("package-lock.json names no version of @pulumi/pulumi (the CLI's version, and so the Go SDK's)");
    return `v${version}`;
}

export interface GoProgramOptions {
    /** The module path `go mod init` gives a directory without go.mod; default the directory's name. */
    module?: string;
    /** Also build the program into this executable (absolute, or relative to the program's directory). */
    binary?: string;
    /** Variables for the `go` commands (e.g. GOCACHE, GOMODCACHE, GOPROXY); they win over the process's. */
    env?: Record<string, string>;
    /** Called with each chunk `go` prints. */
    onOutput?: (chunk: string) => void;
}

export interface GoProgramReady {
    /** The go.mod written. */
    goMod: string;
    /** The executable built, when `binary` was given. */
    binary?: string;
    /** Milliseconds of `go mod tidy` (downloads included) and of the build. */
    timings: { tidy: number; build: number };
}

/**
 * Makes the Go module in `dir` (holding the program's .go files) ready: go.mod requiring
 * this repository's Go SDK and Pulumi's at the CLI's version, go.sum by `go mod tidy`,
 * and the program compiled once.
 */
export async function prepareGoProgram(dir: string, options: GoProgramOptions = {}): Promise<GoProgramReady> {
    if (!fs.existsSync(path.join(GO_SDK_DIR, "go.mod"))) {
        throw new Error(`${GO_SDK_DIR}/go.mod is missing: the Go SDK is generated into sdk/go by scripts/sdkgen`);
    }
    if (!fs.readdirSync(dir).some((f) => f.endsWith(".go"))) throw new Error(`${dir} holds no .go file: write the program first`);
    const go = (args: string[]) => runGo(args, dir, options);

    const goMod = path.join(dir, "go.mod");
    if (!fs.existsSync(goMod)) await go(["mod", "init", options.module ?? path.basename(dir)]);
    await go([
        "mod",
        "edit",
        `-require=${GO_SDK_MODULE}@v0.0.0`,
        `-replace=${GO_SDK_MODULE}=${GO_SDK_DIR}`,
        `-require=${PULUMI_GO_SDK_MODULE}@${pulumiGoSdkVersion()}`,
    ]);

    let start = Date.now();
    await go(["mod", "tidy"]);
    const tidy = Date.now() - start;

    start = Date.now();
    const binary = options.binary === undefined ? undefined : path.resolve(dir, options.binary);
    // Without a binary, `go build ./...` compiles and caches every package and discards the result.
    await go(binary ? ["build", "-o", binary, "."] : ["build", "./..."]);
    const build = Date.now() - start;
    return { goMod, binary, timings: { tidy, build } };
}

/** Runs `go <args>` in `dir`; fails with its output, and names GOPROXY when a download failed. */
function runGo(args: string[], dir: string, options: GoProgramOptions): Promise<void> {
    const env = { ...process.env, ...options.env };
    return new Promise((resolve, reject) => {
        const child = spawn("go", args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
        const output: string[] = [];
        const collect = (data: Buffer) => {
            const text = data.toString("utf8");
            output.push(text);
            options.onOutput?.(text);
        };
        child.stdout.on("data", collect);
        child.stderr.on("data", collect);
        child.on("error", (error: NodeJS.ErrnoException) => {
            reject(
                error.code === "ENOENT"
                    ? new Error(
                          "`go` is not on PATH: a Go program needs Go (https://go.dev/dl/) to build; Pulumi's Go SDK names the version it needs in its go.mod",
                      )
                    : error,
            );
        });
        child.on("close", (code) => {
            if (code === 0) return resolve();
            const text = output.join("");
            const download = /proxy|dial tcp|lookup |i\/o timeout|TLS|connection refused|403 Forbidden|404 Not Found|410 Gone/i.test(text);
            const proxy = env.GOPROXY ?? "as `go env GOPROXY` prints it";
            reject(
                new Error(
                    `\`go ${args.join(" ")}\` in ${dir} exited with ${code}` +
                        (download ? ` — a module download failed (GOPROXY: ${proxy})` : "") +
                        `:\n${text}`,
                ),
            );
        });
    });
}
