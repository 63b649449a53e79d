/**
 * The lifecycle of a `RoutineCodeVersion` against ESA (README: Releasing code from source).
 *
 * Create uploads the prepared source and waits until ESA reports the version available:
 * - `script` sources take the staging flow: GetRoutineStagingCodeUploadInfo → OSS form
 *   POST → CommitRoutineStagingCode (the commit's id is the version's id).
 * - `assets` sources take the assets flow: CreateRoutineWithAssetsCodeVersion (an
 *   `init` version) → OSS form POST of the zip → GetRoutineCodeVersionInfo until the
 *   build is `available`.
 *
 * Safety properties, and why:
 * - Uploads to one routine run one at a time within the provider process: the staging
 *   slot is one per routine, so two interleaved uploads could commit each other's code.
 * - A version whose commit (or creation) answer was lost is looked for, by its tagged
 *   description and creation time, before the request is sent again.
 * - A failed upload or build leaves no `init` version behind: it is deleted.
 * - Quota: when ESA has no room for another version, this resource's own leftovers
 *   (earlier versions it kept because they were serving, and that serve nothing now)
 *   are deleted first; other unused versions only with `pruneUnusedVersions`, oldest
 *   first, only as many as needed, never one that serves traffic. Otherwise the error
 *   lists the versions that serve nothing.
 * - Delete keeps a version that serves traffic (with a warning) and deletes this
 *   resource's earlier versions that serve nothing any more.
 */
import { CallFailed, Calls, CODE_ADVICE, isNotFound, isQuotaFull } from "../esa/call";
import type { ResourceContext } from "../esa/context";
import { wasRefused } from "../esa/errors";
import { pollUntil } from "../esa/poll";
import type { CodeVersionApi, CodeVersionInfo, UploadForm } from "./api";
import { readMarker, tagDescription } from "./marker";
import { loadSource } from "./source";
import { CodeVersionInputs, CodeVersionOutputs, parseResourceId, withoutSourceFile } from "./types";

/** A commit older than this (by ESA's clock vs ours) is not taken for ours when an answer was lost. */
const LANDED_WINDOW_MS = 60_000;
/** An upload carries the whole source: its one request may take this long. */
const MAX_UPLOAD_MS = 120_000;
/** An `init` version older than this is an interrupted upload, not one in progress. */
const STALE_INIT_MS = 10 * 60_000;
/** At most this many versions are deleted to make room for one release. */
const MAX_PRUNE_ROUNDS = 40;

/** Per routine, the tail of the queue of uploads (the staging slot is shared). */
const uploadQueues = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier upload to the same routine has finished. */
export function serializedPerRoutine<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = uploadQueues.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
        () => undefined,
        () => undefined,
    );
    uploadQueues.set(key, tail);
    void tail.then(() => {
        if (uploadQueues.get(key) === tail) uploadQueues.delete(key);
    });
    return result;
}

/** Where to upload, from GetRoutineStagingCodeUploadInfo. */
type StagingTicket = Awaited<ReturnType<CodeVersionApi["stagingUploadInfo"]>>;

/** A version with whether it serves traffic now. */
interface Inventoried extends CodeVersionInfo {
    serving: boolean;
}

export class CodeVersions {
    private readonly calls: Calls;

    constructor(private readonly ctx: ResourceContext<CodeVersionApi>) {
        this.calls = new Calls(ctx, CODE_ADVICE);
    }

    async create(inputs: CodeVersionInputs): Promise<CodeVersionOutputs> {
        const bytes = loadSource(inputs.sourceFile, inputs.sourceHash);
        const codeDescription = tagDescription(inputs.description, { owner: inputs.owner, hash: inputs.contentHash });
        const queue = [this.ctx.connection.endpoint?.host ?? "", this.ctx.connection.regionId, inputs.routine].join("|");
        return serializedPerRoutine(queue, async () => {
            this.calls.restartDeadline();
            try {
                const made =
                    inputs.sourceKind === "assets"
                        ? ((await this.earlierRelease(inputs.routine, codeDescription, inputs.owner)) ??
                          (await this.withRoomForOne(inputs, () =>
                              this.viaAssets(inputs.routine, bytes, codeDescription, inputs.deployEnv),
                          )))
                        : await this.releaseStaging(inputs, bytes, codeDescription);
                return { ...withoutSourceFile(inputs), codeVersion: made.codeVersion, status: made.status, createTime: made.createTime };
            } catch (error) {
                throw error instanceof CallFailed ? error.userError : error;
            }
        });
    }

    /** The live version, or undefined when it (or its routine) is gone. */
    async read(id: string, previous: Partial<CodeVersionOutputs>): Promise<CodeVersionOutputs | undefined> {
        const { routine, codeVersion } = parseResourceId(id);
        try {
            const info = await this.info(routine, codeVersion);
            return {
                ...(withoutSourceFile(previous) as CodeVersionOutputs),
                routine,
                codeVersion,
                status: info.status.toLowerCase(),
                createTime: info.createTime || previous.createTime || "",
            };
        } catch (error) {
            if (error instanceof CallFailed && (await this.isGone(routine, codeVersion, error))) return undefined;
            throw error instanceof CallFailed ? error.userError : error;
        }
    }

    async delete(id: string, props: Partial<CodeVersionOutputs>): Promise<void> {
        const { routine, codeVersion } = parseResourceId(id);
        let serving: Map<string, string[]>;
        try {
            serving = await this.servingVersions(routine);
        } catch (error) {
            if (error instanceof CallFailed && isNotFound(error.failure)) {
                this.ctx.log(
                    "info",
                    `RoutineCodeVersion ${codeVersion}: the routine "${routine}" no longer exists, so neither does the version.`,
                );
                return;
            }
            throw error instanceof CallFailed ? error.userError : error;
        }
        const envs = serving.get(codeVersion) ?? [];
        if (envs.length > 0) {
            this.keptWarning(routine, codeVersion, `it serves traffic in ${envs.join(" and ")}`);
        } else {
            try {
                await this.deleteVersion(routine, codeVersion);
            } catch (error) {
                if (!(error instanceof CallFailed)) throw error;
                if (error.failure.code === "DependedByOthers") {
                    this.keptWarning(
                        routine,
                        codeVersion,
                        "ESA answered that something depends on it (DependedByOthers), usually a deployment",
                    );
                } else {
                    throw error.userError;
                }
            }
        }
        if (props.owner) await this.sweepPredecessors(routine, props.owner, codeVersion, serving);
    }

    // --- the two upload flows -------------------------------------------------------

    /**
     * The staging flow, with the look for an earlier run's version made beside its first
     * call: asking where to upload makes no version, so the two need not wait for each
     * other, and the look costs no round trip of its own. (The assets flow's first call
     * makes a version: there the look comes first.) When the look finds this release
     * already made, the unused upload ticket is dropped.
     */
    private async releaseStaging(inputs: CodeVersionInputs, bytes: Uint8Array, codeDescription: string): Promise<CodeVersionInfo> {
        const { routine } = inputs;
        const ticket = this.stagingTicket(routine, codeDescription);
        // Settled before anything else is decided, so neither can fail unobserved.
        const [look, first] = await Promise.allSettled([this.versionsOf(routine, inputs.owner), ticket]);
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
        return this.withRoomForOne(inputs, () => {
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
        const lookForCommit = async () => this.findLanded(routine, codeDescription, since);
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
            const landed = await this.findLanded(routine, codeDescription, since);
            if (landed) await this.deleteVersion(routine, landed.codeVersion).catch(() => undefined);
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
            await this.deleteVersion(routine, created.codeVersion).catch(() => undefined);
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
                const info = await this.info(routine, codeVersion);
                last = info;
                const status = info.status.toLowerCase();
                if (status === "available") return { ...info, status: "available" };
                if (status !== "init" && status !== "") {
                    await this.deleteVersion(routine, codeVersion).catch(() => undefined);
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
        await this.deleteVersion(routine, codeVersion).catch(() => undefined);
        throw new Error(
            `RoutineCodeVersion: code version ${codeVersion} of routine "${routine}" was still "${last?.status || "init"}" when the operation's deadline passed; ` +
                `it was deleted. Raise timeoutSeconds (or esa:timeoutSeconds) and run \`pulumi up\` again.`,
        );
    }

    // --- quota ----------------------------------------------------------------------

    private async withRoomForOne(inputs: CodeVersionInputs, release: () => Promise<CodeVersionInfo>): Promise<CodeVersionInfo> {
        for (let round = 0; ; round++) {
            try {
                return await release();
            } catch (error) {
                if (!(error instanceof CallFailed && isQuotaFull(error.failure)) || round >= MAX_PRUNE_ROUNDS) throw error;
                const versions = await this.inventory(inputs.routine);
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

    // --- reads and deletes ---------------------------------------------------------

    private info(routine: string, codeVersion: string): Promise<CodeVersionInfo> {
        return this.calls.call({
            action: "GetRoutineCodeVersionInfo",
            routine,
            retryAmbiguous: true,
            run: (o) => this.ctx.api.codeVersionInfo(routine, codeVersion, o),
        });
    }

    /** Deletes one version; one that is already gone counts as deleted. */
    private async deleteVersion(routine: string, codeVersion: string): Promise<void> {
        try {
            await this.calls.call({
                action: "DeleteRoutineCodeVersion",
                routine,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.deleteCodeVersion(routine, codeVersion, o),
            });
        } catch (error) {
            if (error instanceof CallFailed && (await this.isGone(routine, codeVersion, error))) return;
            throw error;
        }
    }

    /**
     * Whether a failure about one version means it does not exist. ESA answers an unknown
     * version with a not-found code, or with a generic InvalidParameter: then the list of
     * the routine's versions decides.
     */
    private async isGone(routine: string, codeVersion: string, error: CallFailed): Promise<boolean> {
        if (isNotFound(error.failure)) return true;
        if (error.failure.code !== "InvalidParameter") return false;
        try {
            return !(await this.listAll(routine)).some((v) => v.codeVersion === codeVersion);
        } catch {
            return false;
        }
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
        return this.settleEarlierRelease(routine, await this.versionsOf(routine, owner), codeDescription);
    }

    /** This resource's versions (by their tag) among the routine's newest. */
    private async versionsOf(routine: string, owner: string): Promise<CodeVersionInfo[]> {
        const { versions } = await this.calls.call({
            action: "ListRoutineCodeVersions",
            routine,
            retryAmbiguous: true,
            run: (o) => this.ctx.api.listCodeVersions(routine, 1, o),
        });
        return versions.filter((v) => readMarker(v.description)?.owner === owner);
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
            await this.deleteVersion(routine, version.codeVersion);
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
            const info = await this.info(routine, codeVersion);
            if (info.status.toLowerCase() === "init") await this.deleteVersion(routine, codeVersion);
        } catch {
            // Not there (the usual case: only a commit makes a version), or unreachable.
        }
    }

    /** The version with this tagged description created since `since` (ours, whose answer was lost). */
    private async findLanded(routine: string, codeDescription: string, since: number): Promise<CodeVersionInfo | undefined> {
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
    private async servingVersions(routine: string): Promise<Map<string, string[]>> {
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
    private async inventory(routine: string, serving?: Map<string, string[]>): Promise<Inventoried[]> {
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

    /**
     * After this resource's version is deleted (or kept because it serves), its earlier
     * versions that were kept for serving and serve nothing now are deleted too, so that
     * repeated releases never fill the quota by themselves. Best effort: a failure here
     * is a warning, never a failed delete.
     */
    private async sweepPredecessors(routine: string, owner: string, codeVersion: string, serving: Map<string, string[]>): Promise<void> {
        try {
            const versions = await this.inventory(routine, serving);
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

    private keptWarning(routine: string, codeVersion: string, why: string): void {
        this.ctx.log(
            "warning",
            `RoutineCodeVersion ${codeVersion} of routine "${routine}" is removed from the stack but not deleted in ESA now: ${why}. ` +
                `It goes when the routine is deleted (a Routine resource this stack created is deleted by its destroy, with its versions), ` +
                `or the next release of this resource deletes it once it serves nothing (or delete it in the ESA console).`,
        );
    }

    private isStaleInit(version: CodeVersionInfo): boolean {
        return this.ctx.clock.now() - createdAt(version) > STALE_INIT_MS;
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

function describe(version: CodeVersionInfo): string {
    const description = version.description ? `"${version.description}"` : "no description";
    return `${description}, created ${version.createTime || "at an unknown time"}`;
}
