/**
 * The program side of `RoutineCodeVersion`: the code (a string or an asset) and the
 * static assets (an archive) turned into the bytes uploaded, stored under their hash
 * (`./source`). Runs in the Pulumi program, never in the provider.
 */
import * as fs from "fs";
import * as path from "path";
import { containsUnknown, UNKNOWN } from "../engine/unknowns";
import { assetsZip, PreparedSource, readDirectory, readZip, scriptBytes, sha256, storeSource } from "./source";

/** What is wrong with `code` or `assets`, for the provider's check to report with the property named. */
export interface SourceProblem {
    property: "code" | "assets";
    reason: string;
}

/**
 * Turns the code (and assets) into the bytes uploaded, stored on this machine under their
 * hash; or says what is wrong with them. A problem is returned rather than thrown: thrown
 * here, in the program, it would end the whole program with a stack trace before any
 * resource's check could name the property.
 */
export async function prepareSource(code: unknown, assets: unknown): Promise<PreparedSource | { problem: SourceProblem }> {
    const script = await attempt("code", () => codeText(code));
    if (typeof script !== "string") return script;
    if (assets === undefined || assets === null) return storeSource("script", scriptBytes(script));
    const files = await attempt("assets", () => archiveFiles(assets));
    if (!(files instanceof Map)) return files;
    return storeSource("assets", assetsZip(script, files));
}

async function attempt<T>(property: SourceProblem["property"], work: () => Promise<T>): Promise<T | { problem: SourceProblem }> {
    try {
        return await work();
    } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).replace(/^RoutineCodeVersion: /, "");
        return { problem: { property, reason } };
    }
}

async function codeText(code: unknown): Promise<string> {
    if (typeof code === "string") return code;
    if (code && typeof code === "object") {
        const asset = code as { text?: unknown; path?: unknown; uri?: unknown };
        const text = await asset.text;
        if (typeof text === "string") return text;
        const file = await asset.path;
        if (typeof file === "string") {
            if (fs.statSync(path.resolve(file), { throwIfNoEntry: false })?.isDirectory()) {
                throw new Error(`code: ${file} is a directory; code is one JavaScript file (a file asset), and static files go in assets.`);
            }
            return fs.readFileSync(path.resolve(file), "utf8");
        }
        if (asset.uri !== undefined)
            throw new Error("RoutineCodeVersion: code: a RemoteAsset is not supported; use a string, a FileAsset or a StringAsset.");
    }
    throw new Error(
        `RoutineCodeVersion: code must be a string, a pulumi.asset.FileAsset or a pulumi.asset.StringAsset, got ${code === undefined ? "nothing" : typeof code}.`,
    );
}

async function archiveFiles(assets: unknown): Promise<Map<string, Uint8Array>> {
    const file = await (assets as { path?: unknown })?.path;
    if (typeof file !== "string") {
        throw new Error("RoutineCodeVersion: assets must be a pulumi.asset.FileArchive of a directory or a .zip file.");
    }
    const resolved = path.resolve(file);
    const stat = fs.statSync(resolved);
    if (stat.isDirectory()) return readDirectory(resolved);
    if (/\.zip$/i.test(resolved)) return readZip(resolved);
    throw new Error(`RoutineCodeVersion: assets: ${file} is neither a directory nor a .zip file.`);
}

/** Identifies a `RoutineCodeVersion` across releases (project, stack and resource name), without naming them. */
export function ownerOf(project: string, stack: string, name: string): string {
    return sha256(`${project}/${stack}/${name}`).slice(0, 8);
}

/**
 * The native plugin's preparation, in its check: the program's `code` and `assets` (as
 * the engine sent them) become what the TypeScript class prepares in the program: the
 * source kind, its hash and the file holding its bytes on this machine, or the problem
 * with them. The source itself is left out, since the engine records what check
 * returns as the resource's inputs.
 */
export async function prepareInputs(news: Record<string, unknown>, owner: string): Promise<Record<string, unknown>> {
    const { code, assets, ...rest } = news;
    if (containsUnknown(code) || containsUnknown(assets)) {
        return { ...rest, sourceKind: UNKNOWN, sourceHash: UNKNOWN, sourceFile: UNKNOWN, owner };
    }
    const source = await prepareSource(code, assets);
    if ("problem" in source) return { ...rest, sourceProblem: source.problem, owner };
    return { ...rest, sourceKind: source.kind, sourceHash: source.hash, sourceFile: source.file, owner };
}
