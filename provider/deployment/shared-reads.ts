/**
 * One GetRoutine answers for both environments of a routine, and the engine reads a
 * stack's resources in parallel. So within one provider (one provider process, one
 * `pulumi` run), reads of the same routine share: a read already in flight is joined,
 * and an answer a few seconds old is reused, by every read that does not need the very
 * latest state. A refresh of a routine's staging and production deployments then costs
 * one call instead of two.
 *
 * Reads that must see the latest state (the read-after-write guard, the look for a
 * deployment whose answer was lost) ask for `fresh`. A deployment to one environment of
 * a routine outdates what is remembered of that environment (from before the deployment
 * to its end) but not of the other: the staging deployment of an `up` does not cost the
 * production deployment's pre-read a second GetRoutine. A reader that does not say which
 * environment it needs gets no answer with an outdated environment.
 */
import type { CallOptions } from "../esa/sdk";
import type { DeploymentApi, DeploymentRequest, LiveEnvironment } from "./api";

/** How long an answer may be reused by reads that do not ask for a fresh one. */
export const SHARED_READ_TTL_MS = 5_000;

interface Entry {
    at: number;
    answer: Promise<LiveEnvironment[] | undefined>;
    /** Environments deployed to since the answer was asked for: it no longer tells their state. */
    outdated: Set<string>;
}

/** Wraps an `DeploymentApi` so that its routine reads are shared within `scope`. */
type ShareReads = (api: DeploymentApi, scope: string) => DeploymentApi;

/**
 * A store of shared reads. `scope` says who reads where (endpoint, region, caller
 * identity; never a secret): answers are shared only within one scope.
 */
export function sharedReads(now: () => number = Date.now): ShareReads {
    const entries = new Map<string, Entry>();
    return (api, scope) => {
        const key = (name: string) => `${scope}\u0000${name}`;
        const forget = (name: string) => entries.delete(key(name));
        const outdate = (name: string, env: string) => entries.get(key(name))?.outdated.add(env);
        const usable = (entry: Entry | undefined, options: CallOptions): entry is Entry =>
            !options.fresh &&
            entry !== undefined &&
            now() - entry.at < (options.maxAgeMs ?? SHARED_READ_TTL_MS) &&
            (entry.outdated.size === 0 || (options.env !== undefined && !entry.outdated.has(options.env)));
        return {
            getRoutineEnvironments(name: string, options: CallOptions) {
                const existing = entries.get(key(name));
                if (usable(existing, options)) return existing.answer;
                const answer = api.getRoutineEnvironments(name, options);
                const entry: Entry = { at: now(), answer, outdated: new Set() };
                entries.set(key(name), entry);
                // A failed read is no answer to share.
                answer.catch(() => entries.get(key(name)) === entry && forget(name));
                return answer;
            },
            ...(api.stagingAddresses ? { stagingAddresses: (options: CallOptions) => api.stagingAddresses!(options) } : {}),
            async createDeployment(request: DeploymentRequest, options: CallOptions) {
                // Before: a read in flight may answer after the change. After: one sent
                // while the deployment ran may or may not show it.
                outdate(request.name, request.env);
                try {
                    return await api.createDeployment(request, options);
                } finally {
                    outdate(request.name, request.env);
                }
            },
        };
    };
}
