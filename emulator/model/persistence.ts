/**
 * Reading and writing the emulator's state file. Writes go to a temporary file that is
 * then renamed over the target, so a crash mid-write never leaves a truncated file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { StoreData } from "./store";

export const STATE_FORMAT_VERSION = 1;

export function loadState(path: string): StoreData | undefined {
    if (!existsSync(path)) return undefined;
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<StoreData>;
    if (parsed.formatVersion !== STATE_FORMAT_VERSION || typeof parsed.routines !== "object") {
        throw new Error(`${path} is not an ESA emulator state file (expected formatVersion ${STATE_FORMAT_VERSION})`);
    }
    return parsed as StoreData;
}

export function saveState(path: string, data: StoreData): void {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data, null, 2) + "\n", "utf8");
    renameSync(tmp, path);
}
