/**
 * Messages for the person running `pulumi` (an adoption, a delete that leaves the live
 * deployment in place). A dynamic provider has no logging API of its own, but the
 * engine starts its process with the address of the engine's host service as the first
 * argument; that service's `Log` call shows a message in the CLI's diagnostics.
 * Outside that process (tests, other hosts) messages go to stderr. Either way, free text
 * of the inputs that may be secret is replaced by `****` first (`./redact`).
 */
import { isPluginScript } from "./liveness";
import { redact } from "./redact";

/** Where a resource's messages for the person running `pulumi` go. */
export type Logger = (severity: "info" | "warning", message: string) => void;

const SEVERITY = { info: 1, warning: 2 } as const;

let engine: { log(severity: keyof typeof SEVERITY, message: string): Promise<void> } | null | undefined;

export const engineLog: Logger = (severity, text) => {
    const message = redact(text);
    const target = connect();
    if (!target) {
        process.stderr.write(`${severity}: ${message}\n`);
        return;
    }
    target.log(severity, message).catch(() => process.stderr.write(`${severity}: ${message}\n`));
};

function connect() {
    if (engine !== undefined) return engine;
    engine = null;
    const address = process.argv[2];
    const isPluginProcess =
        /dynamic-provider/.test(require.main?.filename ?? "") ||
        process.env.PULUMI_NODEJS_PROJECT !== undefined ||
        isPluginScript(process.argv[1] ?? "");
    if (!isPluginProcess || !address || !/^[\w.\-[\]:]+:\d+$/.test(address)) return engine;
    try {
        const grpc = require("@grpc/grpc-js");
        const services = require("@pulumi/pulumi/proto/engine_grpc_pb");
        const messages = require("@pulumi/pulumi/proto/engine_pb");
        const client = new services.EngineClient(address, grpc.credentials.createInsecure());
        engine = {
            log: (severity, message) =>
                new Promise((resolve, reject) => {
                    const request = new messages.LogRequest();
                    request.setSeverity(SEVERITY[severity]);
                    request.setMessage(message);
                    client.log(request, (error: Error | null) => (error ? reject(error) : resolve()));
                }),
        };
    } catch {
        engine = null;
    }
    return engine;
}
