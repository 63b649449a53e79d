/**
 * What every resource's provider needs to reach ESA for one operation: the stack config
 * (`configure`), the connection its inputs and that config resolve to (README:
 * Configuration and credentials), and its API object paced by the process's one rate
 * limiter, so that every resource of a `pulumi` run shares the account's pace.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { engineLog, Logger } from "../engine/log";
import type { CallContext } from "./call";
import { Clock, systemClock } from "./clock";
import { ConfigLookup, Connection, resolveConnection } from "./config";
import { AdaptiveRateLimiter, limiterFor, pacedApi } from "./rate-limit";

/** What a provider may be given instead of the defaults: tests pass fakes. */
export interface ProviderEnvironment {
    clock?: Clock;
    /** Where environment variables are read from. */
    env?: NodeJS.ProcessEnv;
    log?: Logger;
    /** Paces every ESA call; default: the process's limiter (none with a clock of the caller's). */
    limiter?: AdaptiveRateLimiter;
}

/** One operation's way to ESA. */
export interface ResourceContext<Api> extends CallContext {
    api: Api;
    log: Logger;
}

/** The settings of a resource's inputs that say where and how ESA is reached. */
interface ConnectionInputs {
    region?: string;
    endpoint?: string;
    timeoutSeconds?: number;
}

export function resourceContexts<Api extends object>(apiFactory: (connection: Connection) => Api, options: ProviderEnvironment) {
    let stackConfig: ConfigLookup = () => undefined;
    const clock = options.clock ?? systemClock;
    const limiter = options.limiter ?? limiterFor(clock);
    return {
        configure(request: dynamic.ConfigureRequest): void {
            stackConfig = (key) => {
                const value = request.config.get(key);
                return value === undefined || value === null ? undefined : String(value);
            };
        },
        /** A stack config value (`namespace:key`). */
        config(key: string): string | undefined {
            return stackConfig(key);
        },
        connection(inputs: ConnectionInputs): Connection {
            const connection = resolveConnection(
                { region: inputs.region, endpoint: inputs.endpoint, timeoutSeconds: inputs.timeoutSeconds },
                stackConfig,
                options.env ?? process.env,
            );
            // The stack's ceiling applies whichever resource's provider reads it first.
            limiter?.setCeiling(connection.maxRequestsPerSecond);
            return connection;
        },
        /** An operation's context: its own pacing priority, so operations finish one after another. */
        context(inputs: ConnectionInputs, wrap: (api: Api, connection: Connection) => Api = (api) => api): ResourceContext<Api> {
            const connection = this.connection(inputs);
            const api = apiFactory(connection);
            return {
                api: wrap(limiter ? pacedApi(api, limiter) : api, connection),
                connection,
                clock,
                log: options.log ?? engineLog,
                paced: limiter !== undefined,
            };
        },
    };
}
