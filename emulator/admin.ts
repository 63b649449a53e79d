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
 *   POST   /__emulator/settings              { envOrder?, deploymentIdAs?, readAfterWriteDelayMs? }
 *   POST   /__emulator/reset                 back to the state at start
 */
import type { EmulatorContext } from "./context";
import type { CodeVersionSplit, DeploymentIdMode, Env, FaultSpec } from "./types";

export const ADMIN_PREFIX = "/__emulator/";

export interface AdminAnswer {
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
        return { ...ctx.settings };
    },
    "POST reset": (ctx) => {
        ctx.reset();
        return { ok: true };
    },
};

export function handleAdmin(ctx: EmulatorContext, method: string, path: string, body: Buffer): AdminAnswer {
    const rest = path.slice(ADMIN_PREFIX.length);
    const slash = rest.indexOf("/");
    const resource = slash < 0 ? rest : rest.slice(0, slash);
    const arg = slash < 0 ? "" : safeDecode(rest.slice(slash + 1));
    const route = ROUTES[`${method.toUpperCase()} ${resource}`];
    // Only DELETE /routines/<name> takes a path argument.
    if (!route || (arg !== "") !== (resource === "routines" && method.toUpperCase() === "DELETE")) {
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
