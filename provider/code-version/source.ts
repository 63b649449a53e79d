/**
 * The source of a code version, kept out of the stack state (README: Releasing code from source).
 *
 * Pulumi stores a resource's inputs in the state, so the source itself is never an
 * input. The program side (`sdk/routine-code-version.ts`) turns the code (and static
 * assets) into the exact bytes ESA receives, writes them to a content-addressed file
 * in the machine's temporary directory, and passes only the file's path and sha256 to
 * the provider. The provider, started by the same `pulumi` command on the same
 * machine, reads the file when it creates the version and checks the hash again, so
 * what is uploaded is exactly what was planned.
 *
 * Both kinds are byte-for-byte reproducible, so the hash only changes when the content
 * does: a script is its UTF-8 text; an assets archive is a zip with sorted entries and a
 * fixed timestamp (`routine/index.js`, `assets/<path>`, the layout ESA's assets flow takes).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** `script`: the staging flow, one JS file. `assets`: the assets flow, a zip of code and static files. */
export type SourceKind = "script" | "assets";

export interface PreparedSource {
    kind: SourceKind;
    /** sha256 of the bytes uploaded, hex. */
    hash: string;
    /** Absolute path of the content-addressed file holding those bytes. */
    file: string;
    /** Size in bytes. */
    size: number;
}

/** Where prepared sources are kept; one file per content hash. */
function sourceCacheDir(): string {
    return path.join(os.tmpdir(), "esa-routine-deployment", "sources");
}

export function sha256(data: Uint8Array | string): string {
    return createHash("sha256").update(data).digest("hex");
}

/** The bytes of a script release. */
export function scriptBytes(code: string): Uint8Array {
    return Buffer.from(code, "utf8");
}

/** A fixed timestamp, so the same files always make the same zip (and hash). */
const ZIP_TIME = new Date(Date.UTC(1980, 0, 1));

/** The bytes of an assets release: `routine/index.js` and `assets/<path>` for every static file. */
export function assetsZip(code: string, assets: Map<string, Uint8Array>): Uint8Array {
    const { zipSync } = require("fflate") as typeof import("fflate");
    const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
    entries["routine/index.js"] = [scriptBytes(code), { mtime: ZIP_TIME }];
    for (const name of [...assets.keys()].sort()) {
        const clean = name.split(path.sep).join("/").replace(/^\/+/, "");
        entries[`assets/${clean}`] = [assets.get(name)!, { mtime: ZIP_TIME }];
    }
    return zipSync(entries, { level: 6, mtime: ZIP_TIME });
}

/** Every file under `dir`, keyed by its path relative to `dir` with `/` separators. */
export function readDirectory(dir: string): Map<string, Uint8Array> {
    const files = new Map<string, Uint8Array>();
    const walk = (current: string) => {
        for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = path.join(current, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (entry.isFile()) files.set(path.relative(dir, full).split(path.sep).join("/"), fs.readFileSync(full));
        }
    };
    walk(dir);
    return files;
}

/** The files of a `.zip` archive (directories skipped). */
export function readZip(file: string): Map<string, Uint8Array> {
    const { unzipSync } = require("fflate") as typeof import("fflate");
    const files = new Map<string, Uint8Array>();
    for (const [name, data] of Object.entries(unzipSync(fs.readFileSync(file)))) {
        if (!name.endsWith("/")) files.set(name, data);
    }
    return files;
}

/** Writes `bytes` to the cache under their hash (once; atomically) and describes them. */
export function storeSource(kind: SourceKind, bytes: Uint8Array, dir = sourceCacheDir()): PreparedSource {
    const hash = sha256(bytes);
    const file = path.join(dir, `${hash}.${kind === "assets" ? "zip" : "js"}`);
    if (!fs.existsSync(file)) {
        // Only the user who runs the program reads the source.
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const partial = `${file}.${process.pid}.${Date.now()}.tmp`;
        fs.writeFileSync(partial, bytes, { mode: 0o600 });
        fs.renameSync(partial, file);
        forgetOldSources(dir);
    } else {
        // In use again: not old, whatever its age.
        const now = new Date();
        fs.utimesSync(file, now, now);
    }
    return { kind, hash, file, size: bytes.length };
}

/** Prepared sources are needed only by the run that prepared them: those a week old go. */
const SOURCE_MAX_AGE_MS = 7 * 24 * 3600_000;

function forgetOldSources(dir: string): void {
    try {
        const cutoff = Date.now() - SOURCE_MAX_AGE_MS;
        for (const name of fs.readdirSync(dir)) {
            const file = path.join(dir, name);
            if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
        }
    } catch {
        // Best effort: a leftover file costs disk space, nothing else.
    }
}

/**
 * The provider's side: the bytes planned for this version, after checking that the file
 * still holds them. Errors say what to do: the file is made when the program runs.
 */
export function loadSource(file: string, hash: string): Uint8Array {
    let bytes: Uint8Array;
    try {
        bytes = fs.readFileSync(file);
    } catch (error: any) {
        throw new Error(
            `RoutineCodeVersion: the prepared source ${file} cannot be read (${error?.code ?? error?.message}). ` +
                `It is written when the Pulumi program runs, on the machine that runs it: run \`pulumi up\` (not a saved plan from another machine), ` +
                `and keep the temporary directory (${os.tmpdir()}) writable.`,
            { cause: error },
        );
    }
    const actual = sha256(bytes);
    if (actual !== hash) {
        throw new Error(
            `RoutineCodeVersion: the prepared source ${file} changed since the program ran (sha256 ${actual.slice(0, 12)}…, expected ${hash.slice(0, 12)}…). ` +
                `Run \`pulumi up\` again.`,
        );
    }
    return bytes;
}

/**
 * The hash of everything that makes a version: the uploaded bytes, the description and
 * the environment whose variables are bundled. A change of any of them is a new version.
 */
export function contentHashOf(parts: { kind: string; sourceHash: string; description?: string; deployEnv?: string }): string {
    return sha256(
        JSON.stringify(["esa-routine-code-version/1", parts.kind, parts.sourceHash, parts.description ?? "", parts.deployEnv ?? ""]),
    );
}
