/**
 * The deployment provider as one `pulumi` run has it, against the emulator: a process of
 * its own (so a rate limiter of its own, never the test process's), configured with the
 * stack's config.
 */
import { createProvider, RoutineCodeDeploymentProvider } from "../../provider";
import type { Logger } from "../../provider/engine/log";
import { AdaptiveRateLimiter } from "../../provider/esa/rate-limit";
import { systemClock } from "../../provider/esa/clock";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET } from "../../emulator";

/** The emulator's own test credentials, as a provider process would find them in its environment. */
export const EMULATOR_CREDENTIALS_ENV = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_ACCESS_KEY_SECRET,
};

export async function providerRun(options: {
    /** Stack config, e.g. `esa:endpoint`. */
    config: Record<string, string>;
    /** The process environment (default: the emulator's credentials). */
    env?: NodeJS.ProcessEnv;
    log?: Logger;
}): Promise<RoutineCodeDeploymentProvider> {
    const provider = createProvider({
        env: options.env ?? EMULATOR_CREDENTIALS_ENV,
        log: options.log ?? (() => {}),
        limiter: new AdaptiveRateLimiter(systemClock),
    });
    await provider.configure({ config: { get: (key: string) => options.config[key] } } as any);
    return provider;
}
