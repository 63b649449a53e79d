/**
 * The per-machine cache the setup and the tools share, outside the repository
 * (`$XDG_CACHE_HOME/esa-routine-deployment`, else `~/.cache/esa-routine-deployment`):
 * installed example projects, Python wheels, the SDK generator, Node.js lines. (The
 * Pulumi CLI's own place is chosen by `scripts/install-pulumi.sh`.)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The cache's folder for `name`. */
export function cacheDir(name: string): string {
    const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
    return path.join(base, "esa-routine-deployment", name);
}

/**
 * Keeps the `kept` most recently used entries of `root` (`keep` always among them) and
 * removes the rest, and the work folders (`<workPrefix>…`) an interrupted run left an hour
 * ago or more.
 */
export function pruneCache(root: string, keep: string, kept: number, workPrefix: string): void {
    const hourAgo = Date.now() - 3600_000;
    for (const e of fs.readdirSync(root, { withFileTypes: true })) {
        const dir = path.join(root, e.name);
        if (e.name.startsWith(workPrefix) && fs.statSync(dir).mtimeMs < hourAgo) fs.rmSync(dir, { recursive: true, force: true });
    }
    const entries = fs
        .readdirSync(root, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith("."))
        .map((e) => path.join(root, e.name))
        .filter((dir) => dir !== keep)
        .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    for (const old of entries.slice(kept - 1)) fs.rmSync(old, { recursive: true, force: true });
}
