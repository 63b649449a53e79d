/**
 * The native provider plugin, `pulumi-resource-esa` (README: Every Pulumi language): the
 * engine starts it with its own address as the argument, reads the port it prints, and
 * calls it over gRPC. It resolves its modules from where the package is installed,
 * never from the program's directory.
 */
import { operationsInFlight } from "../engine/cancel";
import { engineWatch } from "../engine/liveness";
import { grpc, providerService, providerServiceDefinition } from "./server";

/** How often an idle plugin looks whether its engine is still there. */
const IDLE_WATCH_MS = 5_000;

export async function serve(): Promise<number> {
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(providerServiceDefinition, providerService());
    return new Promise((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error: Error | null, port: number) =>
            error ? reject(error) : resolve(port),
        ),
    );
}

/**
 * Serves until the engine ends the process, printing the port for the engine to read.
 * A plugin whose CLI was killed is never ended by it: once idle with its engine gone, it
 * exits (a walk in flight stops at its own safe points, see `../engine/liveness`).
 */
export function run(): void {
    serve().then(
        (port) => {
            process.stdout.write(`${port}\n`);
            const timer = setInterval(() => {
                if (operationsInFlight() > 0) return;
                void engineWatch().then((gone) => gone && operationsInFlight() === 0 && process.exit(1));
            }, IDLE_WATCH_MS);
            timer.unref();
        },
        (error) => {
            process.stderr.write(`pulumi-resource-esa: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
            process.exit(1);
        },
    );
}

if (require.main === module) run();
