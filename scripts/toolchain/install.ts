/**
 * This package as a user's project gets it: `npm pack` of the repository (the compiled
 * dist/ and the published files only), installed by npm into a copy of a project
 * directory together with the rest of the project's package.json — a real
 * installation, not a link into the repository.
 *
 * npm runs once per distinct (project dependencies, tarball) on a machine, offline from
 * npm's cache where it can: the result is kept under the per-machine cache and a
 * project's `node_modules` links to it, so a second test run, or a second example with
 * the same dependencies, installs nothing.
 */
import { execFileSync, spawn } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "./cli";
import { cacheDir, pruneCache } from "./cache";

const PACKAGE = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { name: string; version: string };

/** The package's name, `esa-routine-deployment`. */
export const PACKAGE_NAME = PACKAGE.name;

/** Installed dependency sets kept per machine; older ones are removed. */
const KEPT_INSTALLS = 4;

function cacheRoot(): string {
    return cacheDir("projects");
}

let tarball: string | undefined;

/**
 * The tarball of this package (`npm pack` of the repository, whose dist/ must be built
 * with `npm run build`), made once per process into a temporary directory.
 */
export function packedPackage(): string {
    if (!tarball) {
        if (!fs.existsSync(path.join(repoRoot, "dist", "provider", "index.js"))) {
            throw new Error("dist/ is missing: run `npm run build` first (the packed package ships the compiled dist/).");
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "esa-pack-"));
        process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
        // --ignore-scripts: dist/ is already built; `prepare` would build it again.
        const [packed] = JSON.parse(
            execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], {
                cwd: repoRoot,
                encoding: "utf8",
                stdio: ["ignore", "pipe", "ignore"],
            }),
        ) as { filename: string; files: { path: string }[] }[];
        const files = new Set(packed.files.map((f) => f.path));
        for (const needed of ["dist/index.js", "dist/provider/index.js", "dist/emulator/index.js"]) {
            if (!files.has(needed)) throw new Error(`the packed package lacks ${needed}: was dist/ being rebuilt meanwhile? Run again.`);
        }
        tarball = path.join(dir, packed.filename);
    }
    return tarball;
}

export interface InstallOptions {
    /** The directory to make the project in (created); default a new temporary directory. */
    into?: string;
    /** Called with npm's output while it installs. */
    onOutput?: (chunk: string) => void;
}

export interface InstalledProject {
    /** The project's directory: its files, package.json naming the tarball, `node_modules`. */
    dir: string;
    /** The tarball installed, as the project's package.json names it. */
    tarball: string;
    /** Whether npm ran for this project (false: an identical installation was reused). */
    installed: boolean;
}

/**
 * Copies the project in `sourceDir` (its files, without `node_modules`, lock file or
 * stack config files) and installs its package.json's dependencies with this package
 * from the packed tarball, as `npm install ./esa-routine-deployment-<version>.tgz`
 * would in the project.
 */
export async function installProject(sourceDir: string, options: InstallOptions = {}): Promise<InstalledProject> {
    const packed = packedPackage();
    const manifest = JSON.parse(fs.readFileSync(path.join(sourceDir, "package.json"), "utf8"));
    const tarballName = path.basename(packed);
    const key = createHash("sha256")
        .update(JSON.stringify([manifest.dependencies, manifest.devDependencies, fs.readFileSync(packed).toString("base64")]))
        .digest("hex")
        .slice(0, 16);
    const entry = path.join(cacheRoot(), key);
    let installed = false;
    if (!fs.existsSync(path.join(entry, ".complete"))) {
        await npmInstall(manifest, packed, entry, options.onOutput);
        installed = true;
    }
    const now = new Date();
    fs.utimesSync(entry, now, now);
    pruneCache(cacheRoot(), entry, KEPT_INSTALLS, ".install-");

    const dir = options.into ?? fs.mkdtempSync(path.join(os.tmpdir(), `esa-${path.basename(sourceDir)}-`));
    fs.mkdirSync(dir, { recursive: true });
    for (const file of fs.readdirSync(sourceDir)) {
        if (file === "node_modules" || file === "package-lock.json" || /^Pulumi\..+\.ya?ml$/.test(file)) continue;
        fs.cpSync(path.join(sourceDir, file), path.join(dir, file), { recursive: true });
    }
    for (const file of ["package.json", "package-lock.json", tarballName]) fs.copyFileSync(path.join(entry, file), path.join(dir, file));
    fs.symlinkSync(path.join(entry, "node_modules"), path.join(dir, "node_modules"), "dir");
    return { dir, tarball: path.join(dir, tarballName), installed };
}

/** `npm install ./<tarball>` in a new directory holding `manifest`, then moved to `entry` in one step. */
async function npmInstall(manifest: object, packed: string, entry: string, onOutput?: (chunk: string) => void): Promise<void> {
    fs.mkdirSync(cacheRoot(), { recursive: true });
    const work = path.join(cacheRoot(), `.install-${randomBytes(6).toString("hex")}`);
    fs.mkdirSync(work);
    try {
        fs.writeFileSync(path.join(work, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
        fs.copyFileSync(packed, path.join(work, path.basename(packed)));
        const args = ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", `./${path.basename(packed)}`];
        await new Promise<void>((resolve, reject) => {
            const child = spawn("npm", args, { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
            const output: string[] = [];
            const collect = (data: Buffer) => {
                output.push(data.toString("utf8"));
                onOutput?.(data.toString("utf8"));
            };
            child.stdout.on("data", collect);
            child.stderr.on("data", collect);
            child.on("error", reject);
            child.on("close", (code) =>
                code === 0 ? resolve() : reject(new Error(`npm ${args.join(" ")} failed (exit ${code}):\n${output.join("")}`)),
            );
        });
        fs.writeFileSync(path.join(work, ".complete"), new Date().toISOString() + "\n");
        try {
            fs.renameSync(work, entry);
        } catch (error) {
            // Another process installed the same set meanwhile: use theirs.
            if (!fs.existsSync(path.join(entry, ".complete"))) throw error;
        }
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}
