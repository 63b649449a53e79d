import type { AddressInfo, Server } from "node:net";

/** Starts `server` on `host:port` (0: any free port) and resolves to the port it got. */
export function listen(server: Server, port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
            server.off("error", reject);
            resolve((server.address() as AddressInfo).port);
        });
    });
}
