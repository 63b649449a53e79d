/**
 * Time as the provider uses it: a clock to read, sleep on and draw jitter from, so that
 * tests can pass one whose sleeps take no real time.
 */
export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
    /** A number in [0, 1). */
    random(): number;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: () => Math.random(),
};
