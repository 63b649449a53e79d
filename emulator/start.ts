/**
 * `startEmulator`: builds the shared context, starts the HTTP server (and, when asked,
 * the HTTPS server and by default the edge) and hands back the `Emulator` object
 * (addresses, request log and controls).
 */
import type { Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { EmulatorContext } from "./context";
import { startEdge, type RunningEdge } from "./gateway/edge";
import { apiRequestListener, configureKeepAlive, createApiServer } from "./gateway/server";
import { listen } from "./gateway/listen";
import { prepareTls } from "./gateway/tls";
import type { Emulator, EmulatorOptions } from "./types";
import { OSS_PATH } from "./model/upload-policy";

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
    const ctx = new EmulatorContext(options);
    const bindHost = options.host ?? "127.0.0.1";
    const closers: Array<() => Promise<void>> = [];
    const closeAll = () => Promise.all(closers.map((close) => close())).then(() => undefined);

    try {
        const server = createApiServer(ctx);
        const port = await listen(server, options.port ?? 0, bindHost);
        closers.push(() => closeServer(server));
        const host = hostPort(bindHost, port);
        ctx.endpoints.endpoint = `http://${host}`;
        ctx.endpoints.uploadUrl = `${ctx.endpoints.endpoint}${OSS_PATH}`;

        let https: { host: string; caFile: string } | undefined;
        if (options.https) {
            const httpsOptions = options.https === true ? {} : options.https;
            const tls = await prepareTls(httpsOptions.caDir);
            // Pushed before the server listens, so that a failed start removes the folder too.
            closers.push(async () => tls.discard());
            const secure = createHttpsServer({ key: tls.key, cert: tls.cert }, apiRequestListener(ctx));
            configureKeepAlive(secure);
            const securePort = await listen(secure, httpsOptions.port ?? 0, bindHost);
            closers.push(() => closeServer(secure));
            https = { host: hostPort(bindHost, securePort), caFile: tls.caFile };
            ctx.endpoints.httpsEndpoint = `https://${https.host}`;
            ctx.endpoints.caFile = tls.caFile;
        }

        let edge: RunningEdge | undefined;
        if (options.edge !== false) {
            const edgePort = typeof options.edge === "object" ? (options.edge.port ?? 0) : 0;
            edge = await startEdge({ store: ctx.store, state: ctx.edge, random: options.edgeRandom ?? Math.random }, edgePort);
            closers.push(edge.close);
            ctx.endpoints.stagingIps = [edge.stagingIp];
            ctx.endpoints.edgeUrl = edge.url;
            ctx.endpoints.stagingEdgeUrl = edge.stagingUrl;
        }

        let closed: Promise<void> | undefined;
        return {
            endpoint: ctx.endpoints.endpoint,
            host,
            port,
            httpsEndpoint: ctx.endpoints.httpsEndpoint,
            httpsHost: https?.host,
            caFile: https?.caFile,
            nodeExtraCaCerts: https ? `NODE_EXTRA_CA_CERTS=${https.caFile}` : undefined,
            edgeUrl: edge?.url,
            stagingEdgeUrl: edge?.stagingUrl,
            uploadUrl: ctx.endpoints.uploadUrl,
            close() {
                closed ??= closeAll();
                return closed;
            },
            requests: () => ctx.log.all(),
            countByAction: () => ctx.log.countByAction(),
            clearRequests: () => ctx.log.clear(),
            injectFault: (fault) => ctx.faults.add(fault),
            clearFaults: () => ctx.faults.clear(),
            setRateLimit: (rps) => ctx.rateLimiter.set(rps),
            setDeployment: (name, env, codeVersions) => ctx.setDeployment(name, env, codeVersions),
            deleteRoutine: (name) => ctx.deleteRoutine(name),
            addRoutine: (name, versions) => ctx.addRoutine(name, versions),
            setOverdue: (overdue) => ctx.setOverdue(overdue),
            setEnvOrder: (order) => ctx.setEnvOrder(order),
            setDeploymentIdAs: (mode) => ctx.setDeploymentIdAs(mode),
            setReadAfterWriteDelay: (ms) => ctx.setReadAfterWriteDelay(ms),
            setVersionQuota: (quota) => ctx.setVersionQuota(quota),
            setBuildDelay: (ms) => ctx.setBuildDelay(ms),
            setRoundTrip: (ms) => ctx.setRoundTrip(ms),
            setUploadPolicyTtl: (seconds) => ctx.setUploadPolicyTtl(seconds),
            setErServiceStatus: (status) => ctx.setErServiceStatus(status),
            failNextBuild: (routine, status) => ctx.failNextBuild(routine, status),
            createVersion: (routine, input) => ctx.createVersion(routine, input),
            deleteVersion: (routine, codeVersion) => ctx.deleteVersion(routine, codeVersion),
            setVersionStatus: (routine, codeVersion, status) => ctx.setVersionStatus(routine, codeVersion, status),
            setVersionBehaviour: (routine, codeVersion, behaviour) => ctx.edge.setBehaviour(routine, codeVersion, behaviour),
            edgeCounts: () => ctx.edge.snapshotCounts(),
            clearEdgeCounts: () => ctx.edge.clearCounts(),
            state: () => ctx.state(),
            reset: () => ctx.reset(),
        };
    } catch (error) {
        await closeAll();
        throw error;
    }
}

function hostPort(bindHost: string, port: number): string {
    // A wildcard bind is still reached through loopback by local clients.
    const reachable = bindHost === "0.0.0.0" || bindHost === "::" ? "127.0.0.1" : bindHost;
    return reachable.includes(":") ? `[${reachable}]:${port}` : `${reachable}:${port}`;
}

function closeServer(server: HttpServer | HttpsServer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections from SDK clients would otherwise hold close() open.
        server.closeAllConnections();
    });
}
