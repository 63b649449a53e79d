/**
 * The Python and Go SDKs (`sdk/python`, `sdk/go`) from the package schema
 * (`provider/schema.json`), by `scripts/sdkgen`: a Go program on Pulumi's own code
 * generators, pinned to the CLI's version. It is built once per machine (and again when
 * its source or pins change) into the same cache as the CLI, and runs in a second.
 */
import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "./cli";
import { cacheDir } from "./cache";

const SOURCE_DIR = path.join(repoRoot, "scripts", "sdkgen");

function cacheRoot(): string {
    return cacheDir("sdkgen");
}

/** The generator's executable, built now if this version of its source has not been. */
export function sdkgenExecutable(): string {
    const digest = createHash("sha256");
    for (const file of ["go.mod", "go.sum", "main.go"]) digest.update(fs.readFileSync(path.join(SOURCE_DIR, file)));
    const binary = path.join(cacheRoot(), digest.digest("hex").slice(0, 16), "sdkgen");
    if (!fs.existsSync(binary)) {
        process.stderr.write(`sdkgen: building the SDK generator once on this machine (about 1-4 minutes), into ${path.dirname(binary)}\n`);
        fs.mkdirSync(path.dirname(binary), { recursive: true });
        const partial = `${binary}.${process.pid}.partial`;
        execFileSync("go", ["build", "-trimpath", "-o", partial, "."], {
            cwd: SOURCE_DIR,
            stdio: ["ignore", "inherit", "inherit"],
            env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
        });
        fs.renameSync(partial, binary);
    }
    return binary;
}

/** Writes `<outDir>/python` and `<outDir>/go` from `schema` (default: the committed schema). */
export function generateSdks(outDir: string, schema = path.join(repoRoot, "provider", "schema.json")): void {
    execFileSync(sdkgenExecutable(), [schema, outDir], { stdio: ["ignore", "inherit", "inherit"] });
}

/** Every file under `dir`, by its path relative to `dir`, with its bytes. */
export function filesUnder(dir: string): Map<string, Buffer> {
    const found = new Map<string, Buffer>();
    const walk = (current: string) => {
        for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
            const full = path.join(current, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.isFile()) found.set(path.relative(dir, full), fs.readFileSync(full));
        }
    };
    if (fs.existsSync(dir)) walk(dir);
    return found;
}
