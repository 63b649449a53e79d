/**
 * The native provider plugin, `pulumi-resource-esa` (README: Every Pulumi language): the
 * engine starts it with its own address as the argument, reads the port it prints, and
 * calls it over gRPC. It resolves its modules from where the package is installed,
 * never from the program's directory.
 */
import { grpc, providerService, providerServiceDefinition } from "./server";

export async function serve(): Promise<number> {
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(providerServiceDefinition, providerService());
    return new Promise((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error: Error | null, port: number) =>
            error ? reject(error) : resolve(port),
        ),
    );
}

/** Serves until the engine ends the process, printing the port for the engine to read. */
export function run(): void {
    serve().then(
        (port) => process.stdout.write(`${port}\n`),
        (error) => {
            process.stderr.write(`pulumi-resource-esa: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
            process.exit(1);
        },
    );
}

if (require.main === module) run();
