/**
 * Preloaded (`NODE_OPTIONS=--require bench/preload.js`) into dynamic-provider processes
 * the benchmark starts, directly or through the Pulumi engine. Plain JavaScript, so that
 * it costs the process nothing but itself. Writes to `$BENCH_PRELOAD_OUT/<pid>.jsonl`:
 *
 * - on SIGUSR2: `{ kind: "modules", files }`, every module file loaded so far (the
 *   start-up benchmark asks after the Check answer, then after a Diff);
 * - with `BENCH_PRELOAD_RPC=1`: per gRPC call the provider served, `{ kind: "rpc",
 *   method, start, end, loaded }` (milliseconds since the process started, and the
 *   module files first loaded while the call ran), so that calls through the real engine
 *   show where the provider's time goes and which call loaded the ESA SDK.
 *
 * Lines are appended synchronously: the engine ends provider processes with a signal,
 * and an exit handler would not run.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { performance } = require("perf_hooks");

const dir = process.env.BENCH_PRELOAD_OUT;
if (dir) {
    const file = path.join(dir, `${process.pid}.jsonl`);
    const now = () => performance.now();
    const write = (record) => fs.appendFileSync(file, JSON.stringify(record) + "\n");
    write({ kind: "start", argv: process.argv.slice(1), cwd: process.cwd(), at: now(), epochMs: performance.timeOrigin + now() });

    process.on("SIGUSR2", () => write({ kind: "modules", at: now(), files: Object.keys(require.cache) }));

    if (process.env.BENCH_PRELOAD_RPC === "1") {
        let known = new Set(Object.keys(require.cache));
        const newlyLoaded = () => {
            const files = Object.keys(require.cache).filter((f) => !known.has(f));
            for (const f of files) known.add(f);
            return files;
        };
        // The dynamic provider's gRPC server: the same @grpc/grpc-js it resolves (the one
        // next to the @pulumi/pulumi the program's directory resolves).
        const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd()] }));
        const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
        const addService = grpc.Server.prototype.addService;
        grpc.Server.prototype.addService = function (service, implementation) {
            const wrapped = {};
            for (const method of Object.keys(service)) {
                const handler = implementation[method];
                if (typeof handler !== "function") continue;
                wrapped[method] = function (call, callback) {
                    const start = now();
                    const before = newlyLoaded();
                    if (before.length) write({ kind: "loaded", at: start, files: before });
                    return handler.call(implementation, call, (...args) => {
                        write({ kind: "rpc", method, start, end: now(), loaded: newlyLoaded() });
                        return callback(...args);
                    });
                };
            }
            return addService.call(this, service, wrapped);
        };
    }
}
