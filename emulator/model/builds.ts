/**
 * The assets flow's build: after the zip lands on the upload endpoint, a version goes
 * from `init` to `available` once the build delay has passed, or to a failure status
 * when the archive is unusable or a test ordered a failure (`failNextBuild`).
 *
 * The status change is computed when the version is read (`pendingAt`/`pendingStatus`
 * in the store), not by a timer, so it survives a restart with a state file and needs
 * no clean-up at close.
 */
import { unzipSync } from "fflate";
import { STATUS_AVAILABLE, STATUS_FAILED, type StoredVersion } from "./store";

export interface Archive {
    /** routine/index.js, when present. */
    code?: Buffer;
    /** Paths under assets/, without the prefix. */
    assets: string[];
}

/** Read a zip as ESA's CLI builds it: `routine/index.js` and/or `assets/<path>`. */
export function readArchive(bytes: Buffer): Archive | undefined {
    let files: Record<string, Uint8Array>;
    try {
        files = unzipSync(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch {
        return undefined;
    }
    const archive: Archive = { assets: [] };
    for (const [path, content] of Object.entries(files)) {
        const normalized = path.replace(/^\.?\//, "");
        if (normalized === "routine/index.js") archive.code = Buffer.from(content);
        else if (normalized.startsWith("assets/") && !normalized.endsWith("/")) archive.assets.push(normalized.slice("assets/".length));
    }
    archive.assets.sort();
    return archive;
}

/**
 * Why an archive cannot be built for a routine, or undefined when it can. Every routine
 * needs `routine/index.js`, except one created with HasAssets, which may serve static
 * files alone.
 */
export function archiveProblem(archive: Archive | undefined, routineHasAssets: boolean): string | undefined {
    if (!archive) return "the upload is not a zip archive";
    if (archive.code) return undefined;
    if (routineHasAssets && archive.assets.length > 0) return undefined;
    return "the archive has no routine/index.js";
}

/** The store fields that start a build: `init` now, `outcome` from `now + delayMs`. */
export function startBuild(archive: Archive | undefined, outcome: string, now: number, delayMs: number): Partial<StoredVersion> {
    return {
        status: "init",
        pendingStatus: outcome,
        pendingAt: now + delayMs,
        code: archive?.code?.toString("base64"),
        assets: archive && archive.assets.length > 0 ? archive.assets : undefined,
        hasAssets: archive ? archive.assets.length > 0 : undefined,
    };
}

export { STATUS_AVAILABLE, STATUS_FAILED };
