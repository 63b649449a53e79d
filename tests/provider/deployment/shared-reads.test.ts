/**
 * Reads of one routine are shared within a provider (one `pulumi` run): a refresh of a
 * routine's staging and production deployments costs one GetRoutine, never a stale
 * answer where the latest is needed.
 */
import { strict as assert } from "assert";
import { createProvider } from "../../../provider";
import { AdaptiveRateLimiter } from "../../../provider/esa/rate-limit";
import { sharedReads, SHARED_READ_TTL_MS } from "../../../provider/deployment/shared-reads";
import { fakeClock, MemoryEsa } from "../../support/memory-esa";

const A = "1723599747213377175";
const B = "1723599747213377176";

describe("shared routine reads", () => {
    it("a refresh of staging and production of one routine costs one GetRoutine", async () => {
        const esa = new MemoryEsa().addRoutine("hello");
        esa.deployOutOfBand("hello", "staging", [{ codeVersion: B, percentage: 100 }]);
        esa.deployOutOfBand("hello", "production", [{ codeVersion: A, percentage: 100 }]);
        const provider = createProvider({ apiFactory: () => esa, clock: fakeClock(), env: {}, log: () => {} });
        const [staging, production] = await Promise.all([provider.read!("hello:staging", {}), provider.read!("hello:production", {})]);
        assert.deepEqual(staging.props.codeVersions, [{ codeVersion: B, percentage: 100 }]);
        assert.deepEqual(production.props.codeVersions, [{ codeVersion: A, percentage: 100 }]);
        assert.equal(esa.count("GetRoutine"), 1);
    });

    it("a read answered from memory costs no token of the rate limiter", async () => {
        const esa = new MemoryEsa().addRoutine("hello");
        const clock = fakeClock();
        // One request per second: a second token would cost a second of (fake) time.
        const limiter = new AdaptiveRateLimiter(clock, { ceiling: 1 });
        const provider = createProvider({ apiFactory: () => esa, clock, env: {}, log: () => {}, limiter });
        const start = clock.now();
        await Promise.all([provider.read!("hello:staging", {}), provider.read!("hello:production", {})]);
        assert.equal(esa.count("GetRoutine"), 1);
        assert.equal(clock.now(), start, "no wait for a second token");
    });

    it("reuses an answer only within its time window and scope", async () => {
        const esa = new MemoryEsa().addRoutine("hello");
        const clock = fakeClock();
        const share = sharedReads(clock.now);
        const one = share(esa, "endpoint-1|key-1");
        await one.getRoutineEnvironments("hello", { timeoutMs: 1000 });
        await one.getRoutineEnvironments("hello", { timeoutMs: 1000 });
        assert.equal(esa.count("GetRoutine"), 1, "reused within the window");
        await share(esa, "endpoint-1|key-2").getRoutineEnvironments("hello", { timeoutMs: 1000 });
        assert.equal(esa.count("GetRoutine"), 2, "another caller does not share");
        clock.advance(SHARED_READ_TTL_MS);
        await one.getRoutineEnvironments("hello", { timeoutMs: 1000 });
        assert.equal(esa.count("GetRoutine"), 3, "expired");
    });

    it("a fresh read and a deployment never see an older answer", async () => {
        const esa = new MemoryEsa().addRoutine("hello");
        const api = sharedReads(fakeClock().now)(esa, "scope");
        await api.getRoutineEnvironments("hello", { timeoutMs: 1000 });
        await api.getRoutineEnvironments("hello", { timeoutMs: 1000, fresh: true });
        assert.equal(esa.count("GetRoutine"), 2);
        await api.createDeployment(
            { name: "hello", env: "staging", strategy: "percentage", codeVersions: [{ codeVersion: A, percentage: 100 }] },
            { timeoutMs: 1000 },
        );
        const after = await api.getRoutineEnvironments("hello", { timeoutMs: 1000 });
        assert.equal(esa.count("GetRoutine"), 3, "the deployment dropped the shared answer");
        assert.deepEqual(after!.find((e) => e.env === "staging")!.deployment!.codeVersions, [{ codeVersion: A, percentage: 100 }]);
    });

    it("a failed read is not shared", async () => {
        const esa = new MemoryEsa().addRoutine("hello");
        esa.fail({ action: "GetRoutine", error: { code: "ServiceUnavailable", statusCode: 503 } });
        const api = sharedReads(fakeClock().now)(esa, "scope");
        await assert.rejects(api.getRoutineEnvironments("hello", { timeoutMs: 1000 }));
        assert.ok(await api.getRoutineEnvironments("hello", { timeoutMs: 1000 }));
        assert.equal(esa.count("GetRoutine"), 2);
    });
});
