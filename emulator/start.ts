/**
 * `startEmulator`: builds the shared context, starts the HTTP server and hands back the
 * `Emulator` object (addresses, request log and controls).
 */
import type { AddressInfo } from "node:net";
import { EmulatorContext } from "./context";
import { createApiServer } from "./server";
import type { Emulator, EmulatorOptions } from "./types";

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
    const ctx = new EmulatorContext(options);
    const server = createApiServer(ctx);
    const bindHost = options.host ?? "127.0.0.1";

    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, bindHost, () => {
            server.off("error", reject);
            resolve();
        });
    });

    const port = (server.address() as AddressInfo).port;
    // A wildcard bind is still reached through loopback by local clients.
    const reachableHost = bindHost === "0.0.0.0" || bindHost === "::" ? "127.0.0.1" : bindHost;
    const host = reachableHost.includes(":") ? `[${reachableHost}]:${port}` : `${reachableHost}:${port}`;
    let closed: Promise<void> | undefined;

    return {
        endpoint: `http://${host}`,
        host,
        port,
        close() {
            closed ??= new Promise<void>((resolve, reject) => {
                server.close((error) => (error ? reject(error) : resolve()));
                // Keep-alive connections from SDK clients would otherwise hold close() open.
                server.closeAllConnections();
            });
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
        state: () => ctx.state(),
        reset: () => ctx.reset(),
    };
}
