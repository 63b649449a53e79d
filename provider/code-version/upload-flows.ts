/**
 * The two ways a `RoutineCodeVersion`'s code reaches ESA (README: Releasing code from
 * source), each ending when ESA reports the version available:
 * - `script` sources take the staging flow: GetRoutineStagingCodeUploadInfo → OSS form
 *   POST → CommitRoutineStagingCode (the commit's id is the version's id).
 * - `assets` sources take the assets flow: CreateRoutineWithAssetsCodeVersion (an
 *   `init` version) → OSS form POST of the zip → GetRoutineCodeVersionInfo until the
 *   build is `available`.
 *
 * Safety properties, and why:
 * - A version whose commit (or creation) answer was lost is looked for, by its tagged
 *   description and creation time, before the request is sent again.
 * - A version an earlier run made of this very release is adopted, not made twice (the
 *   engine records nothing of a create that failed, so the next `up` creates again).
 * - A failed upload or build leaves no `init` version behind: it is deleted.
 */
import { CallFailed, Calls } from "../esa/call";
import type { ResourceContext } from "../esa/context";
import { wasRefused } from "../esa/errors";
import { pollUntil } from "../esa/poll";
import type { CodeVersionApi, CodeVersionInfo, UploadForm } from "./api";
import type { VersionInventory } from "./inventory";
import type { VersionQuota } from "./quota";
import type { CodeVersionInputs } from "./types";

/** An upload carries the whole source: its one request may take this long. */
const MAX_UPLOAD_MS = 120_000;

/** Where to upload, from GetRoutineStagingCodeUploadInfo. */
type StagingTicket = Awaited<ReturnType<CodeVersionApi["stagingUploadInfo"]>>;

/** The releases of one operation, made through its calls (and so within its deadline). */
export class UploadFlows {
    constructor(
        private readonly ctx: ResourceContext<CodeVersionApi>,
        private readonly calls: Calls,
        private readonly versions: VersionInventory,
        private readonly quota: VersionQuota,
    ) {}

    /**
     * The assets flow, after the look for an earlier run's release: its first call makes
     * a version, so the look must come first.
     */
    async releaseAssets(inputs: CodeVersionInputs, zip: Uint8Array, codeDescription: string): Promise<CodeVersionInfo> {
        return (
            (await this.earlierRelease(inputs.routine, codeDescription, inputs.owner)) ??
            (await this.quota.withRoomForOne(inputs, () => this.viaAssets(inputs.routine, zip, codeDescription, inputs.deployEnv)))
        );
    }

    /**
     * The staging flow, with the look for an earlier run's version made beside its first
     * call: asking where to upload makes no version, so the two need not wait for each
     * other, and the look costs no round trip of its own. (The assets flow's first call
     * makes a version: there the look comes first.) When the look finds this release
     * already made, the unused upload ticket is dropped.
     */
    async releaseStaging(inputs: CodeVersionInputs, bytes: Uint8Array, codeDescription: string): Promise<CodeVersionInfo> {
        const { routine } = inputs;
        const ticket = this.stagingTicket(routine, codeDescription);
        // Settled before anything else is decided, so neither can fail unobserved.
        const [look, first] = await Promise.allSettled([this.versions.versionsOf(routine, inputs.owner), ticket]);
        const ticketId = first.status === "fulfilled" ? first.value.codeVersion : undefined;
        let earlier: CodeVersionInfo | undefined;
        try {
            if (look.status === "rejected") throw look.reason;
            earlier = await this.settleEarlierRelease(routine, look.value, codeDescription, ticketId);
        } catch (error) {
            // The ticket will not be used: leave nothing of it behind.
            if (ticketId) await this.dropIfInit(routine, ticketId);
            throw error;
        }
        if (earlier) {
            if (ticketId) await this.dropIfInit(routine, ticketId);
            return earlier;
        }
        let prefetched: Promise<StagingTicket> | undefined = ticket;
        return this.quota.withRoomForOne(inputs, () => {
            // The first round uses the ticket asked for above; a round after making room asks again.
            const staged = prefetched ?? this.stagingTicket(routine, codeDescription);
            prefetched = undefined;
            return this.viaStaging(routine, staged, bytes, codeDescription, inputs.deployEnv);
        });
    }

    private stagingTicket(routine: string, codeDescription: string): Promise<StagingTicket> {
        return this.calls.call({
            action: "GetRoutineStagingCodeUploadInfo",
            routine,
            retryAmbiguous: true,
            run: (o) => this.ctx.api.stagingUploadInfo(routine, codeDescription, o),
        });
    }

    private async viaStaging(
        routine: string,
        ticket: Promise<StagingTicket>,
        bytes: Uint8Array,
        codeDescription: string,
        deployEnv?: string,
    ): Promise<CodeVersionInfo> {
        const since = this.ctx.clock.now();
        const staged = await ticket;
        try {
            // The staging slot is overwritten by each upload: sending it again is safe.
            await this.calls.call({
                action: "OSS PostObject (code upload)",
                routine,
                retryAmbiguous: true,
                maxRequestMs: MAX_UPLOAD_MS,
                run: (o) => this.ctx.api.upload(staged.form, bytes, "index.js", o),
            });
        } catch (error) {
            await this.dropIfInit(routine, staged.codeVersion);
            throw error;
        }
        const lookForCommit = async () => this.versions.findLanded(routine, codeDescription, since);
        let committed: { codeVersion: string };
        try {
            committed = await this.calls.call({
                action: "CommitRoutineStagingCode",
                routine,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.commitStagingCode({ name: routine, codeDescription, deployEnv }, o),
                beforeRetry: async (failure) => {
                    if (wasRefused(failure)) return undefined;
                    const landed = await lookForCommit();
                    return landed ? { settled: true, value: { codeVersion: landed.codeVersion } } : undefined;
                },
            });
        } catch (error) {
            const landed = error instanceof CallFailed && error.failureClass !== "fatal" ? await lookForCommit() : undefined;
            if (!landed) {
                await this.dropIfInit(routine, staged.codeVersion);
                throw error;
            }
            committed = { codeVersion: landed.codeVersion };
        }
        return this.waitAvailable(routine, committed.codeVersion);
    }

    private async viaAssets(
        routine: string,
        zip: Uint8Array,
        codeDescription: string,
        deployEnv: string | undefined,
    ): Promise<CodeVersionInfo> {
        const since = this.ctx.clock.now();
        // A version created without its answer has no upload form we know: delete it
        // before asking for another, so it leaves no `init` orphan.
        const dropLost = async () => {
            const landed = await this.versions.findLanded(routine, codeDescription, since);
            if (landed) await this.quota.deleteVersion(routine, landed.codeVersion).catch(() => undefined);
        };
        let created: { codeVersion: string; form: UploadForm };
        try {
            created = await this.calls.call({
                action: "CreateRoutineWithAssetsCodeVersion",
                routine,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.createAssetsVersion({ name: routine, codeDescription, deployEnv }, o),
                beforeRetry: async (failure) => {
                    if (!wasRefused(failure)) await dropLost();
                    return undefined;
                },
            });
        } catch (error) {
            if (error instanceof CallFailed && error.failureClass !== "fatal") await dropLost();
            throw error;
        }
        try {
            await this.calls.call({
                action: "OSS PostObject (assets upload)",
                routine,
                retryAmbiguous: true,
                maxRequestMs: MAX_UPLOAD_MS,
                run: (o) => this.ctx.api.upload(created.form, zip, "code.zip", o),
            });
        } catch (error) {
            await this.quota.deleteVersion(routine, created.codeVersion).catch(() => undefined);
            throw error;
        }
        return this.waitAvailable(routine, created.codeVersion);
    }

    /**
     * Polls until ESA reports the version available. A failed build, or one that is not
     * ready by the deadline, is deleted (no orphan) and fails the operation with its status.
     */
    private async waitAvailable(routine: string, codeVersion: string): Promise<CodeVersionInfo> {
        let last: CodeVersionInfo | undefined;
        const available = await pollUntil(
            async () => {
                const info = await this.versions.info(routine, codeVersion);
                last = info;
                const status = info.status.toLowerCase();
                if (status === "available") return { ...info, status: "available" };
                if (status !== "init" && status !== "") {
                    await this.quota.deleteVersion(routine, codeVersion).catch(() => undefined);
                    throw new Error(
                        `RoutineCodeVersion: ESA could not build code version ${codeVersion} of routine "${routine}": its status is "${info.status}". ` +
                            `The failed version was deleted. Check the code (it must be a valid edge routine module), then run \`pulumi up\` again.`,
                    );
                }
                return undefined;
            },
            { clock: this.ctx.clock, until: this.calls.deadline },
        );
        if (available) return available;
        await this.quota.deleteVersion(routine, codeVersion).catch(() => undefined);
        throw new Error(
            `RoutineCodeVersion: code version ${codeVersion} of routine "${routine}" was still "${last?.status || "init"}" when the operation's deadline passed; ` +
                `it was deleted. Raise timeoutSeconds (or esa:timeoutSeconds) and run \`pulumi up\` again.`,
        );
    }

    /**
     * What an earlier run of this release left, looked for before making a version (the
     * engine records nothing of a create that failed, so the next `up` creates again):
     * - a version with this release's exact tagged description that ESA made available
     *   (its commit landed after the client gave up, or the status poll failed after the
     *   build) is adopted: no second version, as a deployment adopts a live split;
     * - a version of this resource still `init` is an interrupted assets release (its
     *   upload never came: this resource's releases run one at a time, the stack being
     *   locked and uploads to a routine serialized), which would hold a quota slot for
     *   ever: it is deleted.
     */
    private async earlierRelease(routine: string, codeDescription: string, owner: string): Promise<CodeVersionInfo | undefined> {
        return this.settleEarlierRelease(routine, await this.versions.versionsOf(routine, owner), codeDescription);
    }

    /**
     * Acts on what the look found of this resource's versions (`ours`): deletes `init`
     * leftovers, adopts this release (`codeDescription`) if it was made. `current` is the
     * upload this run has under way (never a leftover).
     */
    private async settleEarlierRelease(
        routine: string,
        ours: CodeVersionInfo[],
        codeDescription: string,
        current?: string,
    ): Promise<CodeVersionInfo | undefined> {
        for (const version of ours.filter((v) => v.status.toLowerCase() === "init" && v.codeVersion !== current)) {
            await this.quota.deleteVersion(routine, version.codeVersion);
            this.ctx.log(
                "info",
                `Routine "${routine}": deleted version ${version.codeVersion}, left "init" by an interrupted release of this resource.`,
            );
        }
        const landed = ours.find((v) => v.description === codeDescription && v.status.toLowerCase() === "available");
        if (landed) {
            this.ctx.log(
                "info",
                `Routine "${routine}": version ${landed.codeVersion} of this code, made by an earlier run whose answer was lost, adopted: nothing uploaded.`,
            );
            return { ...landed, status: "available" };
        }
        return undefined;
    }

    /** Deletes the version the upload info named if ESA keeps it as `init` (a failed staging upload). */
    private async dropIfInit(routine: string, codeVersion: string): Promise<void> {
        if (!/^\d+$/.test(codeVersion)) return;
        try {
            const info = await this.versions.info(routine, codeVersion);
            if (info.status.toLowerCase() === "init") await this.quota.deleteVersion(routine, codeVersion);
        } catch {
            // Not there (the usual case: only a commit makes a version), or unreachable.
        }
    }
}
