/**
 * The admin path, /__emulator/…: the same controls as the programmatic `Emulator`
 * object, over HTTP with JSON bodies, for tests and demos running in another process
 * (e.g. a `pulumi up` against `npm run emulator`). No signature: real clients never call
 * these paths, and the emulator binds to loopback by default. Not recorded in the
 * request log.
 *
 *   GET    /__emulator/state                 JSON snapshot of routines and deployments
 *   GET    /__emulator/requests              { requests, countByAction }
 *   DELETE /__emulator/requests              clear the request log
 *   GET    /__emulator/faults                pending faults
 *   POST   /__emulator/faults                a fault or an array of faults (FaultSpec)
 *   DELETE /__emulator/faults                clear pending faults
 *   POST   /__emulator/rate-limit            { requestsPerSecond: number | null }
 *   POST   /__emulator/deployments           { name, env, codeVersions } (out-of-band change)
 *   POST   /__emulator/routines              { name, versions? }
 *   DELETE /__emulator/routines/<name>       delete a routine out of band
 *   POST   /__emulator/overdue               { overdue: boolean }
 *   POST   /__emulator/settings              { envOrder?, deploymentIdAs?, readAfterWriteDelayMs?, versionQuota?,
 *                                               buildDelayMs?, roundTripMs?, uploadPolicyTtlSeconds?, erServiceStatus? }
 *   POST   /__emulator/reset                 back to the state at start
 *   GET    /__emulator/endpoints             { endpoint, httpsEndpoint?, caFile?, uploadUrl, edgeUrl?, stagingEdgeUrl?, stagingIps }
 *
 * Code versions (out of band, as the console would; no quota check):
 *   POST   /__emulator/versions              { name, code?, description?, status?, codeVersion? } → { codeVersion }
 *   DELETE /__emulator/versions/<name>/<id>  delete a version
 *   POST   /__emulator/version-status        { name, codeVersion, status } (ends a build in progress)
 *   POST   /__emulator/fail-next-build       { name, status? } the routine's next assets build fails ("failed")
 *
 * The edge:
 *   GET    /__emulator/edge                  { counts, behaviours }
 *   POST   /__emulator/edge-behaviours       { name, codeVersion, behaviour: { errorRate?, status?, latencyMs?, body? } | null }
 *   DELETE /__emulator/edge-counts           clear the edge's request counts
 */
import type { EmulatorContext } from "../context";
import type { CodeVersionSplit, DeploymentIdMode, Env, ErServiceStatus, FaultSpec, VersionBehaviour, VersionInput } from "../types";

const ADMIN_PREFIX = "/__emulator/";

interface AdminAnswer {
    status: number;
    body: unknown;
}

export function isAdminPath(path: string): boolean {
    return path.startsWith(ADMIN_PREFIX);
}

type Route = (ctx: EmulatorContext, input: Record<string, unknown>, arg: string) => unknown;

const ROUTES: Record<string, Route> = {
    "GET state": (ctx) => ctx.state(),
    "GET requests": (ctx) => ({ requests: ctx.log.all(), countByAction: ctx.log.countByAction() }),
    "DELETE requests": (ctx) => {
        ctx.log.clear();
        return { ok: true };
    },
    "GET faults": (ctx) => ({ faults: ctx.faults.pending() }),
    "POST faults": (ctx, input) => {
        const specs = Array.isArray(input) ? input : [input];
        for (const spec of specs) ctx.faults.add(spec as FaultSpec);
        return { faults: ctx.faults.pending() };
    },
    "DELETE faults": (ctx) => {
        ctx.faults.clear();
        return { ok: true };
    },
    "POST rate-limit": (ctx, input) => {
        const rps = input.requestsPerSecond;
        if (rps !== null && rps !== undefined && typeof rps !== "number") {
            throw new Error("requestsPerSecond must be a number or null");
        }
        ctx.rateLimiter.set(rps ?? undefined);
        return { requestsPerSecond: ctx.rateLimiter.requestsPerSecond ?? null };
    },
    "POST deployments": (ctx, input) => {
        if (typeof input.name !== "string" || !Array.isArray(input.codeVersions)) {
            throw new Error("expected { name, env, codeVersions: [{ codeVersion, percentage }] }");
        }
        const deploymentId = ctx.setDeployment(input.name, input.env as Env, input.codeVersions as CodeVersionSplit[]);
        return { deploymentId };
    },
    "POST routines": (ctx, input) => {
        if (typeof input.name !== "string" || input.name === "") throw new Error("expected { name, versions? }");
        const versions = input.versions ?? [];
        if (!Array.isArray(versions) || versions.some((v) => typeof v !== "string")) {
            throw new Error("versions must be an array of 19-digit strings");
        }
        ctx.addRoutine(input.name, versions as string[]);
        return { ok: true };
    },
    "DELETE routines": (ctx, _input, name) => {
        ctx.deleteRoutine(name);
        return { ok: true };
    },
    "POST overdue": (ctx, input) => {
        if (typeof input.overdue !== "boolean") throw new Error("expected { overdue: boolean }");
        ctx.setOverdue(input.overdue);
        return { overdue: input.overdue };
    },
    "POST settings": (ctx, input) => {
        if (input.envOrder !== undefined) ctx.setEnvOrder(input.envOrder as Env[]);
        if (input.deploymentIdAs !== undefined) ctx.setDeploymentIdAs(input.deploymentIdAs as DeploymentIdMode);
        if (input.readAfterWriteDelayMs !== undefined) {
            ctx.setReadAfterWriteDelay(input.readAfterWriteDelayMs as number);
        }
        if (input.versionQuota !== undefined) ctx.setVersionQuota(input.versionQuota as number);
        if (input.buildDelayMs !== undefined) ctx.setBuildDelay(input.buildDelayMs as number);
        if (input.roundTripMs !== undefined) ctx.setRoundTrip(input.roundTripMs as number);
        if (input.uploadPolicyTtlSeconds !== undefined) ctx.setUploadPolicyTtl(input.uploadPolicyTtlSeconds as number);
        if (input.erServiceStatus !== undefined) ctx.setErServiceStatus(input.erServiceStatus as ErServiceStatus);
        return { ...ctx.settings };
    },
    "GET endpoints": (ctx) => ({ ...ctx.endpoints }),
    "POST versions": (ctx, input) => {
        if (typeof input.name !== "string" || input.name === "")
            throw new Error("expected { name, code?, description?, status?, codeVersion? }");
        for (const field of ["code", "description", "status", "codeVersion"]) {
            if (input[field] !== undefined && typeof input[field] !== "string") throw new Error(`${field} must be a string`);
        }
        return { codeVersion: ctx.createVersion(input.name, input as VersionInput) };
    },
    "DELETE versions": (ctx, _input, arg) => {
        const [name, codeVersion] = arg.split("/");
        if (!name || !codeVersion) throw new Error("expected DELETE /__emulator/versions/<name>/<codeVersion>");
        ctx.deleteVersion(name, codeVersion);
        return { ok: true };
    },
    "POST version-status": (ctx, input) => {
        if (typeof input.name !== "string" || typeof input.codeVersion !== "string" || typeof input.status !== "string") {
            throw new Error("expected { name, codeVersion, status }");
        }
        ctx.setVersionStatus(input.name, input.codeVersion, input.status);
        return { ok: true };
    },
    "POST fail-next-build": (ctx, input) => {
        if (typeof input.name !== "string" || input.name === "") throw new Error("expected { name, status? }");
        if (input.status !== undefined && typeof input.status !== "string") throw new Error("status must be a string");
        ctx.failNextBuild(input.name, input.status as string | undefined);
        return { ok: true };
    },
    "GET edge": (ctx) => ({ counts: ctx.edge.snapshotCounts(), behaviours: ctx.edge.allBehaviours() }),
    "POST edge-behaviours": (ctx, input) => {
        if (typeof input.name !== "string" || typeof input.codeVersion !== "string") {
            throw new Error("expected { name, codeVersion, behaviour: { errorRate?, status?, latencyMs?, body? } | null }");
        }
        ctx.edge.setBehaviour(input.name, input.codeVersion, (input.behaviour ?? undefined) as VersionBehaviour | undefined);
        return { behaviours: ctx.edge.allBehaviours() };
    },
    "DELETE edge-counts": (ctx) => {
        ctx.edge.clearCounts();
        return { ok: true };
    },
    "POST reset": (ctx) => {
        ctx.reset();
        return { ok: true };
    },
};

/** The routes that take what follows the resource in the path as their argument. */
const ROUTES_WITH_PATH_ARGUMENT = ["DELETE routines", "DELETE versions"];

export function handleAdmin(ctx: EmulatorContext, method: string, path: string, body: Buffer): AdminAnswer {
    const rest = path.slice(ADMIN_PREFIX.length);
    const slash = rest.indexOf("/");
    const resource = slash < 0 ? rest : rest.slice(0, slash);
    const arg =
        slash < 0
            ? ""
            : rest
                  .slice(slash + 1)
                  .split("/")
                  .map(safeDecode)
                  .join("/");
    const key = `${method.toUpperCase()} ${resource}`;
    const route = ROUTES[key];
    if (!route || (arg !== "") !== ROUTES_WITH_PATH_ARGUMENT.includes(key)) {
        return { status: 404, body: { error: `no admin route ${method} ${path}` } };
    }
    try {
        const input = body.length > 0 ? JSON.parse(body.toString("utf8")) : {};
        if (typeof input !== "object" || input === null) throw new Error("the body must be a JSON object");
        return { status: 200, body: route(ctx, input as Record<string, unknown>, arg) };
    } catch (error) {
        return { status: 400, body: { error: (error as Error).message } };
    }
}

function safeDecode(s: string): string {
    try {
        return decodeURIComponent(s);
    } catch {
        return s;
    }
}
