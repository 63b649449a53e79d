/**
 * A routine's quota of code versions, and the collection of old ones (README: Releasing
 * code from source):
 * - When ESA has no room for another version, this resource's own leftovers (earlier
 *   versions it kept because they were serving, and that serve nothing now) are deleted
 *   first; other unused versions only with `pruneUnusedVersions`, oldest first, only as
 *   many as needed, never one that serves traffic. Otherwise the error lists the
 *   versions that serve nothing.
 * - A version that serves traffic is never deleted: it is kept with a warning, and the
 *   next release of the resource deletes it once it serves nothing (`sweepPredecessors`).
 */
import { CallFailed, Calls, isQuotaFull } from "../esa/call";
import type { ResourceContext } from "../esa/context";
import type { CodeVersionApi, CodeVersionInfo } from "./api";
import { compareIds, createdAt, Inventoried, VersionInventory } from "./inventory";
import { readMarker } from "./marker";
import type { CodeVersionInputs } from "./types";

/** An `init` version older than this is an interrupted upload, not one in progress. */
const STALE_INIT_MS = 10 * 60_000;
/** At most this many versions are deleted to make room for one release. */
const MAX_PRUNE_ROUNDS = 40;

/** Making room for a version, and deleting versions, within one operation's calls. */
export class VersionQuota {
    constructor(
        private readonly ctx: ResourceContext<CodeVersionApi>,
        private readonly calls: Calls,
        private readonly versions: VersionInventory,
    ) {}

    /** Runs `release`; while ESA answers that the quota is full, deletes one version that may go and runs it again. */
    async withRoomForOne(inputs: CodeVersionInputs, release: () => Promise<CodeVersionInfo>): Promise<CodeVersionInfo> {
        for (let round = 0; ; round++) {
            try {
                return await release();
            } catch (error) {
                if (!(error instanceof CallFailed && isQuotaFull(error.failure)) || round >= MAX_PRUNE_ROUNDS) throw error;
                const versions = await this.versions.inventory(inputs.routine);
                const unused = versions.filter((v) => !v.serving && (v.status.toLowerCase() !== "init" || this.isStaleInit(v))).reverse();
                const mine = versions.filter((v) => readMarker(v.description)?.owner === inputs.owner);
                // The newest of this resource's versions is the one its state holds now.
                const leftovers = unused.filter((v) => readMarker(v.description)?.owner === inputs.owner && v !== mine[0]);
                const victim = leftovers[0] ?? (inputs.pruneUnusedVersions ? unused[0] : undefined);
                if (!victim) throw this.quotaError(inputs.routine, error, unused, versions.length);
                await this.deleteVersion(inputs.routine, victim.codeVersion);
                this.ctx.log(
                    "info",
                    `Routine "${inputs.routine}" had no room for another code version: deleted version ${victim.codeVersion} ` +
                        `(${describe(victim)}), which serves nothing${leftovers[0] ? " and was an earlier release of this resource" : " (pruneUnusedVersions)"}.`,
                );
            }
        }
    }

    /** Deletes one version; one that is already gone counts as deleted. */
    async deleteVersion(routine: string, codeVersion: string): Promise<void> {
        try {
            await this.calls.call({
                action: "DeleteRoutineCodeVersion",
                routine,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.deleteCodeVersion(routine, codeVersion, o),
            });
        } catch (error) {
            if (error instanceof CallFailed && (await this.versions.isGone(routine, codeVersion, error))) return;
            throw error;
        }
    }

    /**
     * After this resource's version is deleted (or kept because it serves), its earlier
     * versions that were kept for serving and serve nothing now are deleted too, so that
     * repeated releases never fill the quota by themselves. Best effort: a failure here
     * is a warning, never a failed delete.
     */
    async sweepPredecessors(routine: string, owner: string, codeVersion: string, serving: Map<string, string[]>): Promise<void> {
        try {
            const versions = await this.versions.inventory(routine, serving);
            const stale = versions
                .filter((v) => readMarker(v.description)?.owner === owner && compareIds(v.codeVersion, codeVersion) < 0 && !v.serving)
                .reverse();
            for (const version of stale) await this.deleteVersion(routine, version.codeVersion);
            if (stale.length > 0) {
                this.ctx.log(
                    "info",
                    `Routine "${routine}": deleted ${stale.length} earlier version(s) of this resource that no longer serve traffic: ${stale.map((v) => v.codeVersion).join(", ")}.`,
                );
            }
        } catch (error) {
            const message = error instanceof CallFailed ? error.userError.message : String((error as Error)?.message ?? error);
            this.ctx.log("warning", `Routine "${routine}": could not clean up earlier versions of this resource: ${message}`);
        }
    }

    /** Says that a version leaves the stack but stays in ESA, why, and when it goes. */
    keptWarning(routine: string, codeVersion: string, why: string): void {
        this.ctx.log(
            "warning",
            `RoutineCodeVersion ${codeVersion} of routine "${routine}" is removed from the stack but not deleted in ESA now: ${why}. ` +
                `It goes when the routine is deleted (a Routine resource this stack created is deleted by its destroy, with its versions), ` +
                `or the next release of this resource deletes it once it serves nothing (or delete it in the ESA console).`,
        );
    }

    private quotaError(routine: string, error: CallFailed, unused: Inventoried[], total: number): Error {
        const listed = unused.map((v) => `  - ${v.codeVersion} (${describe(v)})`).join("\n");
        const what = unused.length
            ? `Versions that serve nothing, oldest first:\n${listed}\nDelete some of them (ESA console, or DeleteRoutineCodeVersion), or set pruneUnusedVersions: true on this RoutineCodeVersion to let it delete them, oldest first and only as many as needed (never one that serves traffic).`
            : `All ${total} versions serve traffic or are being built: deploy fewer versions, or wait for the builds to finish, then run again.`;
        const requestId = error.failure.requestId ? ` (RequestId: ${error.failure.requestId})` : "";
        return new Error(
            this.calls.redact(
                `RoutineCodeVersion: routine "${routine}" has no room for another code version: ${error.failure.message}${requestId}.\n${what}`,
            ),
        );
    }

    private isStaleInit(version: CodeVersionInfo): boolean {
        return this.ctx.clock.now() - createdAt(version) > STALE_INIT_MS;
    }
}

function describe(version: CodeVersionInfo): string {
    const description = version.description ? `"${version.description}"` : "no description";
    return `${description}, created ${version.createTime || "at an unknown time"}`;
}
