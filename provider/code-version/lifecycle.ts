/**
 * The lifecycle of a `RoutineCodeVersion` against ESA (README: Releasing code from
 * source): create uploads the prepared source (`./upload-flows`), read follows the
 * version, delete removes it unless it serves (`./quota`). The modules of one operation
 * share its calls, and so its deadline.
 *
 * Safety properties, and why:
 * - Uploads to one routine run one at a time within the provider process: the staging
 *   slot is one per routine, so two interleaved uploads could commit each other's code.
 * - Delete keeps a version that serves traffic (with a warning) and deletes this
 *   resource's earlier versions that serve nothing any more.
 */
import { CallFailed, Calls, CODE_ADVICE, isNotFound } from "../esa/call";
import type { ResourceContext } from "../esa/context";
import type { CodeVersionApi } from "./api";
import { VersionInventory } from "./inventory";
import { tagDescription } from "./marker";
import { VersionQuota } from "./quota";
import { loadSource } from "./source";
import { CodeVersionInputs, CodeVersionOutputs, parseResourceId, withoutSourceFile } from "./types";
import { UploadFlows } from "./upload-flows";

/** Per routine, the tail of the queue of uploads (the staging slot is shared). */
const uploadQueues = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier upload to the same routine has finished. */
function serializedPerRoutine<T>(key: string, work: () => Promise<T>): Promise<T> {
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

export class CodeVersions {
    private readonly calls: Calls;
    private readonly versions: VersionInventory;
    private readonly quota: VersionQuota;
    private readonly uploads: UploadFlows;

    constructor(private readonly ctx: ResourceContext<CodeVersionApi>) {
        // One operation, one deadline: every module below makes its calls through these.
        this.calls = new Calls(ctx, CODE_ADVICE);
        this.versions = new VersionInventory(ctx, this.calls);
        this.quota = new VersionQuota(ctx, this.calls, this.versions);
        this.uploads = new UploadFlows(ctx, this.calls, this.versions, this.quota);
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
                        ? await this.uploads.releaseAssets(inputs, bytes, codeDescription)
                        : await this.uploads.releaseStaging(inputs, bytes, codeDescription);
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
            const info = await this.versions.info(routine, codeVersion);
            return {
                ...(withoutSourceFile(previous) as CodeVersionOutputs),
                routine,
                codeVersion,
                status: info.status.toLowerCase(),
                createTime: info.createTime || previous.createTime || "",
            };
        } catch (error) {
            if (error instanceof CallFailed && (await this.versions.isGone(routine, codeVersion, error))) return undefined;
            throw error instanceof CallFailed ? error.userError : error;
        }
    }

    async delete(id: string, props: Partial<CodeVersionOutputs>): Promise<void> {
        const { routine, codeVersion } = parseResourceId(id);
        let serving: Map<string, string[]>;
        try {
            serving = await this.versions.servingVersions(routine);
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
            this.quota.keptWarning(routine, codeVersion, `it serves traffic in ${envs.join(" and ")}`);
        } else {
            try {
                await this.quota.deleteVersion(routine, codeVersion);
            } catch (error) {
                if (!(error instanceof CallFailed)) throw error;
                if (error.failure.code === "DependedByOthers") {
                    this.quota.keptWarning(
                        routine,
                        codeVersion,
                        "ESA answered that something depends on it (DependedByOthers), usually a deployment",
                    );
                } else {
                    throw error.userError;
                }
            }
        }
        if (props.owner) await this.quota.sweepPredecessors(routine, props.owner, codeVersion, serving);
    }
}
