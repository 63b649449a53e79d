/**
 * What a routine holds of code versions, as ESA lists them: one version's info, every
 * version (newest first) with whether it serves traffic, this resource's versions by
 * their tag (`./marker`), and a version of ours whose answer was lost. Reads only: what
 * is deleted, and why, is decided by the callers (`./quota`, `./upload-flows`).
 */
import { CallFailed, Calls, isNotFound } from "../esa/call";
import type { ResourceContext } from "../esa/context";
import type { CodeVersionApi, CodeVersionInfo } from "./api";
import { readMarker } from "./marker";

/** A commit older than this (by ESA's clock vs ours) is not taken for ours when an answer was lost. */
const LANDED_WINDOW_MS = 60_000;

/** A version with whether it serves traffic now. */
export interface Inventoried extends CodeVersionInfo {
    serving: boolean;
}

/** The version reads of one operation, made through its calls (and so within its deadline). */
export class VersionInventory {
    constructor(
        private readonly ctx: ResourceContext<CodeVersionApi>,
        private readonly calls: Calls,
    ) {}

    info(routine: string, codeVersion: string): Promise<CodeVersionInfo> {
        return this.calls.call({
            action: "GetRoutineCodeVersionInfo",
            routine,
            retryAmbiguous: true,
            run: (o) => this.ctx.api.codeVersionInfo(routine, codeVersion, o),
        });
    }

    /**
     * Whether a failure about one version means it does not exist. ESA answers an unknown
     * version with a not-found code, or with a generic InvalidParameter: then the list of
     * the routine's versions decides.
     */
    async isGone(routine: string, codeVersion: string, error: CallFailed): Promise<boolean> {
        if (isNotFound(error.failure)) return true;
        if (error.failure.code !== "InvalidParameter") return false;
        try {
            return !(await this.listAll(routine)).some((v) => v.codeVersion === codeVersion);
        } catch {
            return false;
        }
    }

    /** This resource's versions (by their tag) among the routine's newest. */
    async versionsOf(routine: string, owner: string): Promise<CodeVersionInfo[]> {
        const { versions } = await this.calls.call({
            action: "ListRoutineCodeVersions",
            routine,
            retryAmbiguous: true,
            run: (o) => this.ctx.api.listCodeVersions(routine, 1, o),
        });
        return versions.filter((v) => readMarker(v.description)?.owner === owner);
    }

    /** The version with this tagged description created since `since` (ours, whose answer was lost). */
    async findLanded(routine: string, codeDescription: string, since: number): Promise<CodeVersionInfo | undefined> {
        try {
            const { versions } = await this.calls.call({
                action: "ListRoutineCodeVersions",
                routine,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.listCodeVersions(routine, 1, o),
            });
            return versions.find((v) => v.description === codeDescription && createdAt(v) >= since - LANDED_WINDOW_MS);
        } catch {
            return undefined;
        }
    }

    /** Environment → versions, turned around: version → environments that serve it. */
    async servingVersions(routine: string): Promise<Map<string, string[]>> {
        const info = await this.calls.call({
            action: "GetRoutine",
            routine,
            retryAmbiguous: true,
            run: (o) => this.ctx.api.getRoutine(routine, o),
        });
        const serving = new Map<string, string[]>();
        for (const [env, versions] of Object.entries(info.serving)) {
            for (const version of versions) serving.set(version, [...(serving.get(version) ?? []), env]);
        }
        return serving;
    }

    /** Every version of the routine (at most the 40 newest ESA lists), newest first, with whether it serves. */
    async inventory(routine: string, serving?: Map<string, string[]>): Promise<Inventoried[]> {
        const live = serving ?? (await this.servingVersions(routine));
        return (await this.listAll(routine)).map((v) => ({ ...v, serving: (live.get(v.codeVersion) ?? []).length > 0 }));
    }

    /** The routine's versions (the 40 newest at most, all ESA lists), newest first. */
    private async listAll(routine: string): Promise<CodeVersionInfo[]> {
        const versions: CodeVersionInfo[] = [];
        for (let page = 1; page <= 2; page++) {
            const answer = await this.calls.call({
                action: "ListRoutineCodeVersions",
                routine,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.listCodeVersions(routine, page, o),
            });
            versions.push(...answer.versions);
            if (answer.versions.length < 20 || versions.length >= answer.totalCount) break;
        }
        const unique = new Map(versions.map((v) => [v.codeVersion, v]));
        return [...unique.values()].sort((a, b) => compareIds(b.codeVersion, a.codeVersion));
    }
}

/** When a version was created, in epoch ms: from CreateTime, else from its id (ns since the epoch). */
export function createdAt(version: CodeVersionInfo): number {
    const parsed = Date.parse(version.createTime);
    if (Number.isFinite(parsed)) return parsed;
    return /^\d{16,}$/.test(version.codeVersion) ? Number(BigInt(version.codeVersion) / 1_000_000n) : 0;
}

/** Orders 19-digit ids without a JavaScript number (which cannot hold them). */
export function compareIds(a: string, b: string): number {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
}
