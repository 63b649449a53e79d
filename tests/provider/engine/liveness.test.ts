/**
 * How the provider tells that the engine which started a run is gone (a CLI killed
 * alone leaves the dynamic-provider plugin running): its gRPC address refuses
 * connections, or the process was re-parented. Outside the plugin nothing is watched.
 */
import { strict as assert } from "assert";
import * as net from "net";
import { pluginEngineAddress, watchEngine } from "../../../provider/engine/liveness";

const PLUGIN = "/x/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js";

describe("engine liveness", () => {
    it("finds the engine address only in the dynamic-provider plugin's arguments", () => {
        assert.deepEqual(pluginEngineAddress(["node", PLUGIN, "127.0.0.1:40123"]), { host: "127.0.0.1", port: 40123 });
        assert.deepEqual(pluginEngineAddress(["node", PLUGIN, "[::1]:40123", "other"]), { host: "::1", port: 40123 });
        assert.equal(pluginEngineAddress(["node", "/x/mocha", "tests/**/*.ts"]), undefined);
        assert.equal(pluginEngineAddress(["node", PLUGIN]), undefined);
        // As Pulumi v3.257 starts it: `node -e "process.argv.splice(1, 0, \"pulumi-resource-pulumi-nodejs\"); …" -- <engine>`.
        assert.deepEqual(pluginEngineAddress(["/usr/bin/node", "pulumi-resource-pulumi-nodejs", "127.0.0.1:40123"]), {
            host: "127.0.0.1",
            port: 40123,
        });
    });

    it("an engine that accepts connections is there; once it refuses them, it is gone for good", async () => {
        const server = net.createServer((socket) => socket.destroy());
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as net.AddressInfo).port;
        const gone = watchEngine({ host: "127.0.0.1", port });
        assert.equal(await gone(), false);
        await new Promise<void>((resolve) => server.close(() => resolve()));
        // An answer is reused for a second: the next probe comes after it.
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        assert.equal(await gone(), true);
        assert.equal(await gone(), true);
    });

    it("a process whose parent changed has lost its engine; without an address nothing is watched", async () => {
        assert.equal(await watchEngine({ host: "127.0.0.1", port: 1 }, process.ppid + 1)(), true);
        assert.equal(await watchEngine(undefined)(), false);
    });
});
