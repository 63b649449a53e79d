/**
 * The one wait for "until ESA shows it" (provider/esa/poll.ts), on a fake clock: delays
 * grow from 200 ms, doubling up to 2 s, and no wait ends after the bound.
 */
import { strict as assert } from "assert";
import { pollUntil } from "../../../provider/esa/poll";
import { fakeClock } from "../../support/memory-esa";

describe("pollUntil", () => {
    it("returns the first answer, waiting 200 ms doubling to 2 s between looks", async () => {
        const clock = fakeClock();
        let looks = 0;
        const answer = await pollUntil(async () => (++looks === 7 ? "shown" : undefined), { clock, until: clock.now() + 60_000 });
        assert.equal(answer, "shown");
        assert.deepEqual(clock.sleeps, [200, 400, 800, 1600, 2000, 2000]);
    });

    it("gives up, with undefined, rather than start a wait that would end after the bound", async () => {
        const clock = fakeClock();
        const until = clock.now() + 1_000;
        let looks = 0;
        const answer = await pollUntil(async () => void looks++, { clock, until });
        assert.equal(answer, undefined);
        assert.deepEqual(clock.sleeps, [200, 400]);
        assert.equal(looks, 3);
        assert.ok(clock.now() <= until);
    });

    it("looks once even when the bound has passed, and what the look throws ends the wait", async () => {
        const clock = fakeClock();
        assert.equal(await pollUntil(async () => 1, { clock, until: clock.now() - 1 }), 1);
        await assert.rejects(
            pollUntil(
                async () => {
                    throw new Error("build failed");
                },
                { clock, until: clock.now() + 60_000 },
            ),
            /build failed/,
        );
        assert.deepEqual(clock.sleeps, []);
    });
});
